"""A bounded memo for whole pages, shared by the steps of the keitai output pipeline.

Pages are large (tens of KB), and most pages a shop serves are one-offs (a cart, a
form with a CSRF token). Storing every page would cost memory traffic on every request
for nothing, so a page is admitted on its second sighting: the first time only its
hash is noted. A popular page (a shelf many shoppers open) is then answered from the
memo from its third request on. Thread-safe enough for its purpose: dict operations are
atomic under the GIL, and a lost insertion only costs a recomputation.
"""

from __future__ import annotations

import contextlib
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
