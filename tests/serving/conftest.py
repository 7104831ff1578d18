"""Helpers for the serving tests: databases of their own, real ``ktaishop serve`` processes.

A module here that starts servers or fills a big catalog makes its database once
(module scope) instead of using the suite's shared one, which every ``app`` fixture
empties.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.crowd.shop import start, stop, wait_healthy
from ktaishop.migrate import upgrade
from tests.conftest import IN_CI, create_pg_database, drop_pg_database, free_port

SHOP_HOST = "127.0.0.1:5000"  # KTAISHOP_BASE_URL's host: what a load balancer passes on


def postgresql_base() -> str:
    """The PostgreSQL server of the suite; these tests need it (never skipped under CI)."""
    base = os.environ.get("KTAISHOP_TEST_DATABASE_URL")
    if not base:
        if IN_CI:
            pytest.fail("KTAISHOP_TEST_DATABASE_URL is not set")
        pytest.skip("PostgreSQL only: set KTAISHOP_TEST_DATABASE_URL")
    return base


@contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    """A migrated, empty database of ``kind`` (sqlite or postgresql), removed afterwards."""
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'shop.db'}"
        upgrade(url)
        yield url
        return
    base = postgresql_base()
    url, name = create_pg_database(base, "ktaishop_serving")
    try:
        upgrade(url)
        yield url
    finally:
        drop_pg_database(base, name)


def shop_env(database_url: str, folder: Path, **extra: str) -> dict[str, str]:
    """The environment of an app server of the shop in ``folder`` (images, mail shared)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KTAISHOP_")}
    env.update({
        "KTAISHOP_DATABASE_URL": database_url,
        "KTAISHOP_IMAGE_DIR": str(folder / "images"),
        "KTAISHOP_MAIL_URL": f"file://{folder / 'mail'}",
        "KTAISHOP_SECRET_KEY": "serving-test-secret",
        "KTAISHOP_BASE_URL": f"http://{SHOP_HOST}",
    })
    env.update(extra)
    return env


@dataclass
class Served:
    """A running ``ktaishop serve``: its URL, its process and its log (stdout + stderr)."""

    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, text: str, count: int = 1, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            log = self.log()
            if log.count(text) >= count:
                return log
            time.sleep(0.05)
        raise AssertionError(f"{text!r} x{count} not in the log:\n{self.log()}")

    def signal(self, number: int) -> None:
        self.process.send_signal(number)

    def stop(self, timeout: float = 40.0) -> int:
        return stop(self.process, timeout)


def start_serve(env: dict[str, str], instance: Path, *, workers: int = 1,
                threads: int = 2) -> Served:
    """``ktaishop serve`` on a free port; returns once ``/healthz`` answers 200."""
    instance.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = instance / f"serve-{port}.log"
    process = start(["serve", "--host", "127.0.0.1", "--port", str(port), "--workers",
                     str(workers), "--threads", str(threads)],
                    {**env, "KTAISHOP_INSTANCE_PATH": str(instance)}, log_path)
    served = Served(f"http://127.0.0.1:{port}", process, log_path)
    try:
        wait_healthy(served.url, process, log_path)
    except RuntimeError:
        served.stop()
        raise
    return served
