"""The database binding: one engine and one scoped session per app, no Flask-SQLAlchemy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, scoped_session, sessionmaker


@dataclass
class _Bound:
    engine: Engine
    sessions: scoped_session[Session]


# Above the pool: a rate-limit count takes a short second connection beside the
# request's (ktaishop.ratelimit), and the in-process mail sender holds one.
POOL_OVERFLOW = 2


def make_engine(url: str, *, pool_size: int | None = None,
                statement_timeout_ms: int = 0, **kwargs: Any) -> Engine:
    """An engine with the settings the shop needs on each database.

    PostgreSQL: ``pool_size`` connections (``ktaishop serve`` passes its thread count)
    plus a small overflow, and every statement cancelled after ``statement_timeout_ms``
    (0: never) so one runaway query cannot hold a worker and its locks. SQLite: one
    file, writers in turn; neither setting applies.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _serialise_sqlite_writers(engine)
        return engine
    if pool_size is None:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
    else:
        kwargs.setdefault("pool_size", pool_size)
        kwargs.setdefault("max_overflow", POOL_OVERFLOW)
    if statement_timeout_ms > 0 and url.startswith("postgresql"):
        connect_args = kwargs.setdefault("connect_args", {})
        connect_args["options"] = f"-c statement_timeout={int(statement_timeout_ms)}"
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _serialise_sqlite_writers(engine: Engine) -> None:
    """Every SQLite transaction starts with BEGIN IMMEDIATE.

    A deferred transaction that reads and then writes can fail at once with
    "database is locked" when another writer got there first; taking the write lock
    up front makes concurrent checkouts wait their turn instead (busy timeout 30 s).
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """Created unbound in extensions.py; ``init_app`` gives each app its engine."""

    def init_app(self, app: Flask) -> None:
        engine = make_engine(
            app.config["DATABASE_URL"],
            pool_size=app.config.get("DATABASE_POOL_SIZE"),
            statement_timeout_ms=app.config.get("STATEMENT_TIMEOUT_MS", 0),
        )
        sessions = scoped_session(sessionmaker(bind=engine, expire_on_commit=False))
        app.extensions["ktaishop.db"] = _Bound(engine, sessions)

        @app.teardown_appcontext
        def _remove_session(_exc: BaseException | None) -> None:
            sessions.remove()

    @staticmethod
    def _bound() -> _Bound:
        return current_app.extensions["ktaishop.db"]

    @property
    def session(self) -> Session:
        """The current app's session for this thread; the request commits it."""
        return self._bound().sessions()

    @property
    def engine(self) -> Engine:
        return self._bound().engine

    def new_session(self) -> Session:
        """A session of its own, for worker threads and jobs that commit separately."""
        return Session(bind=self.engine, expire_on_commit=False)
