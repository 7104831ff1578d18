"""Paging for every list, the admin's and the storefront's: which page was asked for,
and which rows that page holds.

The page number comes from a URL anyone can type, so it is read leniently (missing,
"abc", "-5" → page 1) and bounded (20 digits → ``MAX_PAGE``) before any arithmetic:
an OFFSET built from it can never overflow the database's integers. A ``Page`` is
then settled against the number of rows: ``number`` is always 1..``pages``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Select

# No list of the shop has this many pages; a larger number only means "the end".
MAX_PAGE = 1_000_000
_MAX_DIGITS = len(str(MAX_PAGE))

S = TypeVar("S", bound=Select)


def requested_page(args: Mapping[str, str], name: str = "page") -> int:
    """The page ``args`` (``request.args``) asks for, 1 to ``MAX_PAGE``; never raises.

    Missing, empty, not a number or below 1 is page 1; above ``MAX_PAGE`` (20 digits…)
    is ``MAX_PAGE``, which ``Page.of`` settles on the last page.
    """
    text = (args.get(name) or "").strip()
    if not (text.isascii() and text.isdigit()):
        return 1
    if len(text.lstrip("0")) > _MAX_DIGITS:  # int() of thousands of digits is refused
        return MAX_PAGE
    return min(max(int(text), 1), MAX_PAGE)


def page_count(total: int, size: int) -> int:
    """Pages needed for ``total`` rows, ``size`` a page; an empty list is one page."""
    return max(1, -(-total // size))


def limit_to_page(statement: S, number: int, size: int) -> S:
    """``statement`` cut to page ``number`` (from 1) of ``size`` rows.

    ``number`` must come from ``requested_page`` or a ``Page``: it is bounded, so the
    OFFSET is too. Anything else is a programming error, not a user's.
    """
    if not 1 <= number <= MAX_PAGE:
        raise ValueError(f"page {number} is outside 1..{MAX_PAGE}")
    return statement.limit(size).offset((number - 1) * size)


@dataclass(frozen=True)
class Page:
    """One page of a list of ``total`` rows: ``number`` is 1..``pages``."""

    number: int
    size: int
    total: int
    requested: int

    @classmethod
    def of(cls, requested: int, size: int, total: int) -> Page:
        """Page ``requested`` of ``total`` rows; past the end it is the last page."""
        number = min(max(requested, 1), page_count(total, size))
        return cls(number=number, size=size, total=total, requested=requested)

    @property
    def pages(self) -> int:
        return page_count(self.total, self.size)

    @property
    def past_end(self) -> bool:
        """The request asked for a page after the last (``number`` is the last one)."""
        return self.requested > self.pages

    def apply(self, statement: S) -> S:
        """``statement`` (already ordered) cut to this page's rows."""
        return limit_to_page(statement, self.number, self.size)
