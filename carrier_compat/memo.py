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
    carrier_compat/README.md (section 4, pieces) explains why this is safe.
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
        pieces = text.split(self.separator)
        out: list[Out] = []
        try:
            state, rest = self._answer_pieces(pieces, state, out, scan, self_contained, plain)
            if rest is not None:  # from here to the end in one go
                _scan_into(out, scan, self.separator.join(pieces[rest:]), state)
        except _ScanGaveUp:
            return None
        return out

    def _answer_pieces(
        self,
        pieces: list[str],
        state: S,
        out: list[Out],
        scan: Callable[[str, S], tuple[Out, S] | None],
        self_contained: Callable[[str], object],
        plain: Callable[[str], Out],
    ) -> tuple[S, int | None]:
        """Append the outputs of the pieces to *out*, in order; the state after them, and
        the index of the first piece of the rest of the page if that must be scanned in
        one go (None when every piece was answered).

        A piece is plain text (no ``<``), new (held back, to be scanned together with
        the pieces after it) or seen before (answered alone, after the held pieces).
        """
        separator, done_get, known_pieces = self.separator, self._done.get, self._known
        held: int | None = None  # the first held-back piece
        for index, piece in enumerate(pieces):
            if "<" not in piece:  # plain text: no tag starts here
                if held is None:
                    out.append(plain(piece))
                continue  # else it is scanned with the held pieces around it
            known = piece in known_pieces
            if not known and self._first_sighting(piece):
                held = index if held is None else held
                continue
            if held is not None:  # the held pieces first, if they can be cut off here
                run = separator.join(pieces[held:index])
                if not self_contained(run):
                    return state, held
                state, held = _scan_into(out, scan, run, state), None
            done = done_get((piece, state))
            if done is None:
                if not known and not self_contained(piece):
                    return state, index  # a cut after this piece would not be safe
                done = _scanned(scan, piece, state)
                self._store(piece, state, done)
            out.append(done[0])
            state = done[1]
        return state, held

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


def _scanned(scan: Callable[[str, S], tuple[Out, S] | None], text: str, state: S) -> tuple[Out, S]:
    """``scan(text, state)``; :class:`_ScanGaveUp` if it gave up."""
    done = scan(text, state)
    if done is None:
        raise _ScanGaveUp
    return done


def _scan_into(
    out: list[Out], scan: Callable[[str, S], tuple[Out, S] | None], text: str, state: S
) -> S:
    """*text* scanned from *state*: its output appended to *out*, the state after it
    returned."""
    output, after = _scanned(scan, text, state)
    out.append(output)
    return after
