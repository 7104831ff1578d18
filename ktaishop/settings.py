"""Settings from the environment (the contract in ../shared/DESIGN.md), with safe defaults."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url


def instance_dir() -> Path:
    """Where the shop keeps its own files: database, secret key, images, mail, uploads."""
    return Path(os.environ.get("KTAISHOP_INSTANCE_PATH", "instance")).resolve()


def make_folders(instance: Path, config: Mapping[str, Any]) -> None:
    """Create the instance folder, and a SQLite database's folder, when missing.

    Before anything opens a file there: SQLite cannot create a database in a folder
    that does not exist. Both are made private (0700: the database holds customers'
    data); an existing folder keeps its mode. The SQLite file itself is created (or
    kept) 0600 - SQLite gives its -wal and -shm files the database file's mode. Mail,
    image and upload folders are made by their writers, inside these.
    """
    _private_folder(instance)
    database = _sqlite_file(str(config["DATABASE_URL"]))
    if database is not None:
        _private_folder(database.parent)
        _private_file(database)


def _private_file(path: Path) -> None:
    """``path`` exists and only its owner may read it (an empty file is a new database)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)


def _private_folder(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


def _sqlite_file(url: str) -> Path | None:
    """The file of a SQLite database URL; None for other databases and in-memory ones."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):  # a SQLite URI filename: left to SQLite
        return None
    return Path(database)


def from_env(instance: Path) -> dict[str, Any]:
    """Read every ``KTAISHOP_*`` variable into Flask config keys."""
    env = os.environ.get
    return {
        "DATABASE_URL": env("KTAISHOP_DATABASE_URL") or f"sqlite:///{instance / 'ktaishop.db'}",
        "MAIL_URL": env("KTAISHOP_MAIL_URL") or f"file://{instance / 'mail'}",
        "SECRET_KEY": env("KTAISHOP_SECRET_KEY") or _secret_key(instance),
        "BASE_URL": (env("KTAISHOP_BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        # How many reverse proxies in front of us may set X-Forwarded-For (ProxyFix).
        "TRUSTED_PROXY_HOPS": int(env("KTAISHOP_TRUSTED_PROXY_HOPS") or 0),
        # A TSV of carrier<TAB>cidr replacing the bundled keitai gateway ranges.
        "CARRIER_GATEWAY_IPS": env("KTAISHOP_CARRIER_GATEWAY_IPS") or None,
        "IMAGE_DIR": env("KTAISHOP_IMAGE_DIR") or str(instance / "images"),
        # Messages per second the worker sends; carrier mail servers throttle.
        "MAIL_RATE": float(env("KTAISHOP_MAIL_RATE") or 20),
        # Where rate-limit counts live; default: the shop's database (ktaishop.ratelimit).
        "RATELIMIT_STORAGE_URL": env("KTAISHOP_RATELIMIT_STORAGE_URL") or None,
        # PostgreSQL cancels any statement running longer (0: no limit).
        "STATEMENT_TIMEOUT_MS": int(env("KTAISHOP_STATEMENT_TIMEOUT_MS") or 15000),
        "SEND_MAIL_IN_PROCESS": env("KTAISHOP_SEND_MAIL_IN_PROCESS", "0") == "1",
    }


def _secret_key(instance: Path) -> str:
    """A key generated once and kept in the instance folder, so sessions survive restarts."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    _private_folder(instance)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key
