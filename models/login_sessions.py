"""Login sessions of admins and members, kept server-side so they can be ended.

A browser's session (a signed cookie, or a keitai URL session) holds only a random
token; this table says whose login that token is. A login is over when its row is
gone (logout ends every login of that person, wherever it was made), when it is past
``expires_at``, or when the person's ``session_generation`` moved on (a new password,
set by themselves or by another admin): a copied cookie then opens nothing. Only the
SHA-256 of a token is stored, so a leaked table cannot be replayed.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import DateTime, Index, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .base import Base, now

ADMIN = "admin"
MEMBER = "member"
# How long a login lasts: a working day at the admin; a shopper's fortnight.
LIFETIME = {ADMIN: timedelta(hours=12), MEMBER: timedelta(days=14)}


class Person(Protocol):
    id: int
    session_generation: int


class LoginSession(Base):
    __tablename__ = "login_sessions"
    __table_args__ = (Index("ix_login_sessions_kind_user_id", "kind", "user_id"),)

    token_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int] = mapped_column(Integer)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def start_login(session: Session, kind: str, person: Person) -> str:
    """A new login of ``person``; returns the token the browser's session keeps.

    Expired rows are swept on the way (not committed: the caller's transaction).
    """
    session.execute(delete(LoginSession).where(LoginSession.expires_at < now()))
    token = secrets.token_urlsafe(32)
    session.add(LoginSession(token_digest=_digest(token), kind=kind, user_id=person.id,
                             generation=person.session_generation or 0,
                             expires_at=now() + LIFETIME[kind]))
    return token


def logged_in_id(session: Session, kind: str, token: object) -> tuple[int, int] | None:
    """(user id, generation) of a live login for ``token``, or None."""
    if not isinstance(token, str) or not token:
        return None
    row = session.scalar(select(LoginSession).where(LoginSession.token_digest == _digest(token),
                                                    LoginSession.kind == kind))
    if row is None or row.expires_at <= now():
        return None
    return row.user_id, row.generation


def is_current(person: Person | None, generation: int) -> bool:
    """True when a login made at ``generation`` still stands for ``person``."""
    return person is not None and (person.session_generation or 0) == generation


def end_every_login(session: Session, kind: str, user_id: int) -> int:
    """Every login of one person ends (logout, removal); returns how many."""
    result = session.execute(delete(LoginSession).where(LoginSession.kind == kind,
                                                        LoginSession.user_id == user_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
