"""Newsletter sending (filled in with the newsletter tables)."""

from __future__ import annotations

from sqlalchemy.orm import Session


def tick(session: Session) -> None:
    """Start due newsletters and close finished ones (nothing yet)."""
