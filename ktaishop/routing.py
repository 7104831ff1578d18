"""The ``<id:…>`` URL converter: every row id in a route of the admin and the storefront.

Werkzeug's ``<int:…>`` takes any number of digits, and a number no row can have is not
just "not found": the database drivers refuse it (SQLite beyond 64 bits, PostgreSQL
beyond its INTEGER columns), which answered 500. ``<id:…>`` matches only 1 to
``MAX_ROW_ID``, so anything else finds no route and is a 404 before a view runs.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import BaseConverter, ValidationError

# The largest id a row can have: the id columns are PostgreSQL INTEGER.
MAX_ROW_ID = 2**31 - 1


class RowIdConverter(BaseConverter):
    """``<id:name>``: a row id as an ``int``, 1 to ``MAX_ROW_ID``, written without a sign
    or leading zeros; anything else does not match (404). URLs are built exactly as
    ``<int:…>`` built them."""

    regex = r"[1-9][0-9]{0,9}"
    weight = 50  # as werkzeug's number converters, so rules keep their order

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ROW_ID:
            raise ValidationError()
        return number

    def to_url(self, value: Any) -> str:
        return str(int(value))


def register(app: Flask) -> None:
    """Make ``<id:…>`` known; before the blueprints, whose rules use it."""
    app.url_map.converters["id"] = RowIdConverter
