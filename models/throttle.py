"""Login throttling: increasing delays per client, never a lock anyone can set off.

The old rule locked an account for everyone after five wrong passwords, so anyone
could lock the owner out. Now failures are counted under two keys:

* the pair (account as typed, client): an attacker guessing one account from one
  place waits longer and longer, while the owner, from another place, is not slowed;
* the client alone (any account): trying one password across many accounts from one
  place is slowed the same way, after a larger allowance.

Past its allowance (four wrong passwords for a pair, twenty for a client) each further
failure doubles the wait (2 s, 4 s, 8 s ... up to 15 minutes); a success clears the
pair's count. Unknown accounts are counted exactly
like real ones, so the answers never tell which accounts exist. A client is what
identifies a shopper or an admin (``ktaishop.clients``): a handset's subscriber ID,
otherwise the address. Keys are stored as SHA-256 digests.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import DateTime, Integer, String, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from .base import Base, now
from .people import PasswordMixin, verify_password

THROTTLED = ("ログインの失敗が続いたため、しばらくログインできません。"
             "{wait}ほど待ってからお試しください。")


@dataclass(frozen=True)
class Policy:
    free: int  # failures allowed before any wait
    first_wait: timedelta
    max_wait: timedelta
    forget_after: timedelta  # a quiet spell this long clears the count

    def wait_after(self, failures: int) -> timedelta:
        extra = failures - self.free
        if extra <= 0:
            return timedelta(0)
        return min(self.first_wait * 2 ** min(extra - 1, 20), self.max_wait)


PAIR = Policy(free=4, first_wait=timedelta(seconds=2), max_wait=timedelta(minutes=15),
              forget_after=timedelta(hours=1))
CLIENT = Policy(free=20, first_wait=timedelta(seconds=2), max_wait=timedelta(minutes=15),
                forget_after=timedelta(hours=1))


class LoginThrottle(Base):
    __tablename__ = "login_throttle"

    key_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=now, index=True)


@dataclass(frozen=True)
class ThrottleKeys:
    """The keys one login attempt counts under."""

    pair: str
    client: str


def login_keys(kind: str, account: str, client: str) -> ThrottleKeys:
    """Keys for ``kind`` (admin/member) logins to ``account`` (as typed) from ``client``."""
    account = account.strip().lower()
    return ThrottleKeys(pair=_digest(f"{kind}|pair|{account}|{client}"),
                        client=_digest(f"{kind}|client|{client}"))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


def wait_time(session: Session, keys: ThrottleKeys) -> timedelta:
    """How long this attempt must wait before a password is even looked at (0: go on)."""
    moment = now()
    rows = session.scalars(select(LoginThrottle).where(
        LoginThrottle.key_digest.in_([keys.pair, keys.client]))).all()
    waits = [row.blocked_until - moment for row in rows
             if row.blocked_until is not None and row.blocked_until > moment]
    return max(waits, default=timedelta(0))


def record_failure(session: Session, keys: ThrottleKeys) -> None:
    """Count a wrong password (or code) under both keys; part of the caller's commit."""
    for key, policy in ((keys.pair, PAIR), (keys.client, CLIENT)):
        row = _row(session, key)
        moment = now()
        if row.updated_at is not None and moment - row.updated_at > policy.forget_after:
            row.failures = 0
        row.failures = (row.failures or 0) + 1
        row.updated_at = moment
        wait = policy.wait_after(row.failures)
        row.blocked_until = moment + wait if wait else None


def record_success(session: Session, keys: ThrottleKeys) -> None:
    """The right password: the pair's count is cleared (the client's stays)."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.key_digest == keys.pair))
    session.execute(delete(LoginThrottle).where(
        LoginThrottle.updated_at < now() - max(PAIR.forget_after, CLIENT.forget_after)))


def check_password(session: Session, keys: ThrottleKeys, person: PasswordMixin | None,
                   password: str, wrong: str) -> str | None:
    """The throttled password check of every login (admin and member).

    None when ``password`` is ``person``'s; else the message to show: ``THROTTLED`` while
    the keys must wait (the password is not even looked at), or ``wrong``. An unknown
    account (``person`` None) costs the same work and gets the same answer. The counts
    are part of the caller's commit.
    """
    wait = wait_time(session, keys)
    if wait:
        return THROTTLED.format(wait=wait_text(wait))
    if not verify_password(person, password):
        record_failure(session, keys)
        return wrong
    record_success(session, keys)
    return None


def _row(session: Session, key: str) -> LoginThrottle:
    row = session.get(LoginThrottle, key, with_for_update=True)
    if row is not None:
        return row
    try:
        with session.begin_nested():  # another attempt may create it at the same moment
            row = LoginThrottle(key_digest=key, failures=0, updated_at=now())
            session.add(row)
    except IntegrityError:
        row = session.get(LoginThrottle, key, with_for_update=True, populate_existing=True)
    assert row is not None
    return row


def wait_text(wait: timedelta) -> str:
    """A wait as the message says it: 30秒 / 2分."""
    seconds = max(int(wait.total_seconds() + 0.999), 1)
    return f"{seconds}秒" if seconds < 60 else f"{(seconds + 59) // 60}分"
