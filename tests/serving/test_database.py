"""The engine a ``serve`` worker builds: its pool from the thread count and, on
PostgreSQL, a statement timeout."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from ktaishop import create_app
from ktaishop.db import POOL_OVERFLOW
from ktaishop.serve import ShopServer, server_options

from .conftest import postgresql_base


def _app(url: str, tmp_path, **config):
    return create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret",
                       "IMAGE_DIR": str(tmp_path / "images"), **config})


def _engine(app):
    return app.extensions["ktaishop.db"].engine


def test_a_serve_worker_pools_one_connection_per_thread(tmp_path, monkeypatch):
    monkeypatch.setenv("KTAISHOP_DATABASE_URL", postgresql_base())
    monkeypatch.setenv("KTAISHOP_INSTANCE_PATH", str(tmp_path))
    server = ShopServer(server_options("127.0.0.1", 1, workers=1, threads=6),
                        {"DATABASE_POOL_SIZE": 6})
    assert server.cfg.threads == 6 and server.cfg.worker_class_str == "gthread"
    app = server.load()  # what each worker does after the fork
    pool = _engine(app).pool
    assert (pool.size(), pool._max_overflow) == (6, POOL_OVERFLOW)  # type: ignore[attr-defined]
    _engine(app).dispose()


def test_statements_are_cancelled_after_the_timeout(tmp_path):
    base = postgresql_base()
    default = _app(base, tmp_path)
    with default.app_context(), _engine(default).connect() as connection:
        assert connection.scalar(text("SHOW statement_timeout")) == "15s"
    _engine(default).dispose()
    short = _app(base, tmp_path, STATEMENT_TIMEOUT_MS=300)
    with short.app_context(), _engine(short).connect() as connection:
        assert connection.scalar(text("SHOW statement_timeout")) == "300ms"
        with pytest.raises(OperationalError, match="statement timeout"):
            connection.execute(text("SELECT pg_sleep(2)"))
    _engine(short).dispose()


def test_the_timeout_setting_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("KTAISHOP_STATEMENT_TIMEOUT_MS", "2500")
    app = _app(postgresql_base(), tmp_path)
    assert app.config["STATEMENT_TIMEOUT_MS"] == 2500
    with _engine(app).connect() as connection:
        assert connection.scalar(text("SHOW statement_timeout")) == "2500ms"
    _engine(app).dispose()
