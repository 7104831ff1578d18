"""The database-backed SessionStore for cookie-less handsets (models.KeitaiSession).

Contracts (carrier_compat.session.SessionStore):

* Rows are keyed by the SHA-256 hex digest of the session key; the key itself is never
  stored, so a leaked table cannot be replayed as a URL.
* ``load`` returns ``None`` for unknown or expired rows (idle expiry: the interface
  passes ``expires_at`` = last request + idle minutes on every save).
* Each call runs in the request's scoped session and ends its own transaction.
  ``save`` runs after the view: anything the view left uncommitted is rolled back first
  (views commit what they mean to keep), so a session write never commits half a change.
* Expired rows are swept now and then on save.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import IntegrityError

from carrier_compat.gateway import GatewayRanges
from models import KeitaiSession, now
from models.base import SHOP_TIMEZONE

from .extensions import db

SWEEP_CHANCE = 0.05
_TABLE = KeitaiSession.__table__
_LOAD = select(_TABLE.c.data, _TABLE.c.expires_at).where(
    _TABLE.c.key_digest == bindparam("digest"))


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("ascii", "replace")).hexdigest()


def _local_naive(moment: datetime) -> datetime:
    """The shop's clock (naive local time, as models.now) for an aware datetime."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(SHOP_TIMEZONE).replace(tzinfo=None, microsecond=0)


class DatabaseSessionStore:
    """Keitai sessions in the ``keitai_sessions`` table. Safe across threads."""

    def load(self, key: str) -> dict[str, Any] | None:
        session = db.session
        try:
            # A Core select on the table: read on every request of a cookie-less
            # handset, it costs a third of an ORM get (no identity map, no instance).
            row = session.connection().execute(
                _LOAD, {"digest": key_digest(key)}).first()
            if row is None or row.expires_at <= now():
                return None
            return dict(row.data or {})
        finally:
            session.rollback()

    def save(self, key: str, data: dict[str, Any], expires_at: datetime) -> None:
        session = db.session
        session.rollback()
        digest, expires = key_digest(key), _local_naive(expires_at)
        row = session.get(KeitaiSession, digest, populate_existing=True)
        if row is None:
            session.add(KeitaiSession(key_digest=digest, data=data, expires_at=expires))
        else:
            row.data, row.expires_at, row.updated_at = data, expires, now()
        if random.random() < SWEEP_CHANCE:  # noqa: S311 - not security relevant
            session.execute(delete(KeitaiSession).where(KeitaiSession.expires_at < now()))
        try:
            session.commit()
        except IntegrityError:
            # Two requests of one new session raced to create it: the first one wins.
            session.rollback()

    def delete(self, key: str) -> None:
        session = db.session
        session.rollback()
        session.execute(delete(KeitaiSession).where(KeitaiSession.key_digest == key_digest(key)))
        session.commit()


def gateway_ranges(config: dict[str, Any]) -> GatewayRanges | None:
    """The carrier gateway ranges: KTAISHOP_CARRIER_GATEWAY_IPS (a TSV) or the default."""
    path = config.get("CARRIER_GATEWAY_IPS")
    return GatewayRanges.from_tsv(path) if path else None
