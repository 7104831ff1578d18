"""Counters of the rate limits (Flask-Limiter's fixed windows), shared by every app process.

Rows are written by ``ktaishop.ratelimit.DatabaseStorage``; a row whose window has
ended counts from zero again at its next hit.
"""

from __future__ import annotations

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class RateLimitCounter(Base):
    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    # End of the window, seconds since the epoch (limits works in epoch seconds).
    expires_at: Mapped[float] = mapped_column(Float, index=True)
