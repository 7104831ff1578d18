"""Server-side sessions for handsets without cookies (the key travels in the URL)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, now


class KeitaiSession(Base):
    __tablename__ = "keitai_sessions"

    # SHA-256 of the key in the URL: a leaked database row cannot be replayed as a key.
    key_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=now)
