"""Rate limits on what makes the shop send mail, in a store every app process shares.

Flask-Limiter counts; where it keeps the counts is ``KTAISHOP_RATELIMIT_STORAGE_URL``:
by default ``ktaishop-db://``, the shop's own database (the ``rate_limits`` table,
:class:`DatabaseStorage` below), so ``make run`` on a fresh machine and several
gunicorn workers on several machines all count together with nothing to set up.
A busy shop may point it at Redis (``redis://host:6379``, with the ``redis`` package
installed) instead.

The limits (fixed windows): per target address ``MAIL_PER_ADDRESS`` and per client
(``ktaishop.clients.client_key``) ``MAIL_PER_CLIENT``, on パスワード再設定 and 会員登録;
テスト送信 in the admin per address and per admin. A request over a limit gets the
Japanese 429 page and sends nothing.
"""

from __future__ import annotations

import random
import time

from flask import Flask
from limits.storage import Storage
from sqlalchemy import case, delete, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from models import RateLimitCounter

from .extensions import db, limiter

DEFAULT_STORAGE_URL = "ktaishop-db://"
MAIL_PER_ADDRESS = "3 per hour"
MAIL_PER_CLIENT = "10 per hour"
TEST_MAIL_PER_ADDRESS = "10 per hour"
TEST_MAIL_PER_ADMIN = "30 per hour"
SWEEP_CHANCE = 0.02


class DatabaseStorage(Storage):
    """A ``limits`` storage in the shop's database (fixed windows only).

    Each call runs in a short transaction of its own on the current app's engine
    (never the request's session, whose transaction belongs to the view). ``incr`` is
    one atomic upsert, so processes racing on one key never lose a hit.

    Limits are checked before the view's body runs, but after the blueprint's own
    ``before_request`` (the admin's login check reads the admin). On SQLite every
    transaction takes the write lock (``BEGIN IMMEDIATE``, ktaishop.db), so such a
    read-only transaction of the request is ended first; the view has changed nothing
    yet, and its own work starts a new one.
    """

    STORAGE_SCHEME = ["ktaishop-db"]

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    @staticmethod
    def _free_sqlite_lock() -> None:
        if db.engine.dialect.name == "sqlite" and db.session.in_transaction():
            db.session.commit()

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        self._free_sqlite_lock()
        moment = time.time()
        table = RateLimitCounter.__table__
        dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
        ended = table.c.expires_at <= moment
        statement = dialect.insert(table).values(
            key=key, hits=amount, expires_at=moment + expiry)
        statement = statement.on_conflict_do_update(index_elements=[table.c.key], set_={
            "hits": case((ended, amount), else_=table.c.hits + amount),
            "expires_at": case((ended, moment + expiry), else_=table.c.expires_at),
        }).returning(table.c.hits)
        with db.engine.begin() as connection:
            hits = connection.execute(statement).scalar_one()
            if random.random() < SWEEP_CHANCE:  # noqa: S311 - housekeeping, not security
                connection.execute(delete(table).where(table.c.expires_at < moment - 3600))
        return int(hits)

    def get(self, key: str) -> int:
        self._free_sqlite_lock()
        table = RateLimitCounter.__table__
        with db.engine.connect() as connection:
            hits = connection.execute(select(table.c.hits).where(
                table.c.key == key, table.c.expires_at > time.time())).scalar()
        return int(hits or 0)

    def get_expiry(self, key: str) -> float:
        self._free_sqlite_lock()
        table = RateLimitCounter.__table__
        with db.engine.connect() as connection:
            expires = connection.execute(
                select(table.c.expires_at).where(table.c.key == key)).scalar()
        return float(expires) if expires is not None else time.time()

    def check(self) -> bool:
        try:
            with db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with db.engine.begin() as connection:
            return int(connection.execute(delete(RateLimitCounter.__table__)).rowcount or 0)

    def clear(self, key: str) -> None:
        table = RateLimitCounter.__table__
        with db.engine.begin() as connection:
            connection.execute(delete(table).where(table.c.key == key))


def init_app(app: Flask) -> None:
    """Bind the limiter: its storage from ``RATELIMIT_STORAGE_URL``, always enabled."""
    app.config["RATELIMIT_STORAGE_URI"] = app.config.get("RATELIMIT_STORAGE_URL") \
        or DEFAULT_STORAGE_URL
    # Set explicitly per app: Flask-Limiter otherwise inherits the previous app's value.
    app.config.setdefault("RATELIMIT_ENABLED", True)
    app.config.setdefault("RATELIMIT_STRATEGY", "fixed-window")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    limiter.init_app(app)
