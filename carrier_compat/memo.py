"""A bounded memo for whole pages, shared by the steps of the keitai output pipeline.

Pages are large (tens of KB), and most pages a shop serves are one-offs (a cart, a
form with a CSRF token). Storing every page would cost memory traffic on every request
for nothing, so a page is admitted on its second sighting: the first time only its
hash is noted. A popular page (a shelf many shoppers open) is then answered from the
memo from its third request on. Thread-safe enough for its purpose: dict operations are
atomic under the GIL, and a lost insertion only costs a recomputation.

carrier_compat/README.md lists every memo of the keitai pipeline with its key and bound.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class PageMemo(Generic[K, V]):
    """At most *limit* entries, oldest evicted first; values larger than *max_size* are
    never stored."""

    def __init__(self, limit: int = 64, max_size: int = 200_000) -> None:
        self.limit = limit
        self.max_size = max_size
        self._items: dict[K, V] = {}
        self._seen: dict[int, None] = {}

    def get(self, key: K) -> V | None:
        return self._items.get(key)

    def put(self, key: K, value: V, size: int) -> None:
        if size > self.max_size:
            return
        digest = hash(key)
        if digest not in self._seen:
            _bounded_insert(self._seen, digest, None, self.limit * 8)
            return
        _bounded_insert(self._items, key, value, self.limit)

    def __len__(self) -> int:
        return len(self._items)


def _bounded_insert(table: dict[K, V], key: K, value: V, limit: int) -> None:
    if len(table) >= limit:
        # Another thread may be evicting at the same moment; losing the race is harmless.
        with contextlib.suppress(RuntimeError, StopIteration, KeyError):
            del table[next(iter(table))]
    table[key] = value


S = TypeVar("S")
Out = TypeVar("Out")


class _ScanGaveUp(Exception):
    """*scan* returned None: :meth:`PieceMemo.run` gives up and its caller starts again."""


class PieceMemo(Generic[S, Out]):
    """Results of a left-to-right scan, remembered per piece of page and entry state.

    Pages rendered from templates repeat most of their text from one request to the
    next (only a counter or a token differs), and template loops leave blank lines
    between the blocks they repeat. :meth:`run` cuts a page at each *separator* and
    answers a piece seen before in the same state from the memo. Like PageMemo, a piece
    is admitted on its second sighting: pieces seen for the first time are scanned
    together with their neighbours, so a page never seen before costs one scan.
    At most *limit* pieces are kept (oldest first out), none longer than *max_piece*.
    carrier_compat/README.md ("The piece memo") explains why this is safe.
    """

    def __init__(self, limit: int = 4096, max_piece: int = 4000, separator: str = "\n\n"):
        self.limit = limit
        self.max_piece = max_piece
        self.separator = separator
        self._done: dict[tuple[str, S], tuple[Out, S]] = {}
        self._known: dict[str, None] = {}  # pieces in _done: all passed self_contained
        self._seen: dict[int, None] = {}

    def run(
        self,
        text: str,
        state: S,
        scan: Callable[[str, S], tuple[Out, S] | None],
        self_contained: Callable[[str], object],
        plain: Callable[[str], Out],
    ) -> list[Out] | None:
        """The outputs of *scan* over *text* cut at the separator, in order: joined with
        the separator's own output, they are ``scan(text, state)[0]``. None as soon as a
        call to *scan* returns None (the caller starts again).

        Contract for the caller: *scan* is a deterministic fold (output, state after)
        whose work on a piece does not depend on the text after it when
        ``self_contained(piece)`` is true, so scanning such pieces one by one gives the
        output of one scan of the whole; a piece without ``<`` is ``plain(piece)`` and
        leaves the state as it was. Text from a piece that is not self-contained to the
        end is scanned in one go.
        """
        fold: _Fold[S, Out] = _Fold(text.split(self.separator), self.separator, state, scan)
        try:
            rest = self._answer_pieces(fold, self_contained, plain)
            if rest is not None:
                fold.scan_from(rest)
        except _ScanGaveUp:
            return None
        return fold.out

    def _answer_pieces(
        self, fold: _Fold[S, Out], self_contained: Callable[[str], object],
        plain: Callable[[str], Out],
    ) -> int | None:
        """Answer the pieces in order; the index of the first piece of the rest of the page,
        to be scanned in one go, or None when every piece was answered.

        A piece is plain text (no ``<``), new (held back, to be scanned with the pieces
        after it) or seen before (answered alone, after the held pieces before it).
        """
        done_get, known_pieces, output = self._done.get, self._known, fold.out.append
        for index, piece in enumerate(fold.pieces):
            if "<" not in piece:  # plain text: no tag starts here
                if fold.held is None:
                    output(plain(piece))
                continue  # else it is scanned with the held pieces around it
            known = piece in known_pieces
            if not known and self._first_sighting(piece):
                if fold.held is None:
                    fold.held = index
                continue
            if fold.held is not None and not fold.scan_held(index, self_contained):
                return fold.held  # the held pieces cannot be cut off here
            done = done_get((piece, fold.state))
            if done is None:
                if not known and not self_contained(piece):
                    return index  # a cut after this piece would not be safe
                done = fold.scan(piece)
                self._store(piece, fold.state, done)
            output(done[0])
            fold.state = done[1]
        return fold.held

    def _first_sighting(self, piece: str) -> bool:
        """True, and the piece noted as seen, if it was not seen before."""
        if hash(piece) in self._seen:
            return False
        _bounded_insert(self._seen, hash(piece), None, self.limit * 4)
        return True

    def _store(self, piece: str, state: S, done: tuple[Out, S]) -> None:
        if len(piece) <= self.max_piece:
            _bounded_insert(self._done, (piece, state), done, self.limit)
            _bounded_insert(self._known, piece, None, self.limit)


class _Fold(Generic[S, Out]):
    """One :meth:`PieceMemo.run` under way: the pieces, the outputs so far, the state
    after them, and the first of the pieces held back to be scanned together."""

    __slots__ = ("pieces", "separator", "state", "out", "held", "_scan")

    def __init__(
        self, pieces: list[str], separator: str, state: S,
        scan: Callable[[str, S], tuple[Out, S] | None],
    ) -> None:
        self.pieces = pieces
        self.separator = separator
        self.state = state
        self.out: list[Out] = []
        self.held: int | None = None
        self._scan = scan

    def scan(self, text: str) -> tuple[Out, S]:
        """*text* scanned from the current state (which this does not advance)."""
        done = self._scan(text, self.state)
        if done is None:
            raise _ScanGaveUp
        return done

    def scan_held(self, end: int, self_contained: Callable[[str], object]) -> bool:
        """The held pieces up to *end* scanned in one go; False, and nothing done, if
        they do not form a self-contained run."""
        assert self.held is not None
        run = self.separator.join(self.pieces[self.held : end])
        if not self_contained(run):
            return False
        self._take(self.scan(run))
        self.held = None
        return True

    def scan_from(self, start: int) -> None:
        """The pieces from *start* to the end of the page scanned in one go."""
        self._take(self.scan(self.separator.join(self.pieces[start:])))

    def _take(self, done: tuple[Out, S]) -> None:
        self.out.append(done[0])
        self.state = done[1]
