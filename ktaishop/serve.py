"""``ktaishop serve``: the production server (gunicorn, threaded workers).

Each worker builds its own app with ``create_app()`` after the fork: its own engine
and connection pool, nothing inherited from the master (a pooled connection shared by
two processes corrupts both). For the same reason the master never builds an app: the
command is registered on the CLI group itself, so ``ktaishop serve`` does not load the
shop to start, and ``kill -HUP`` (reload) starts workers that import the code afresh —
a deploy is a reload, no connection dropped. ``TERM`` is a graceful shutdown: workers
finish the requests in hand (up to ``GRACEFUL_TIMEOUT`` seconds) and exit.

Defaults: ``2 × cores + 1`` workers (gunicorn's advice; capped at ``MAX_WORKERS`` so
several app servers stay within PostgreSQL's ``max_connections``), ``THREADS`` threads
each; every worker's pool holds one connection per thread plus a small overflow
(ktaishop.db). The access log (stderr) has one line per request: client, request id,
method, the URL with session keys and tokens masked (ktaishop.requestlog), status,
bytes, milliseconds and User-Agent. The in-process mail sender starts in the workers
only when ``KTAISHOP_SEND_MAIL_IN_PROCESS=1`` asks for it; ``ktaishop worker`` is the
production way to send mail.
"""

from __future__ import annotations

import os
from typing import Any

import click
from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from .requestlog import loggable_target

MAX_WORKERS = 8
THREADS = 4
GRACEFUL_TIMEOUT = 30
ACCESS_LOG_FORMAT = '%(h)s %({x-request-id}o)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'


def default_workers() -> int:
    return min(2 * (os.cpu_count() or 1) + 1, MAX_WORKERS)


class AccessLogger(Logger):
    """gunicorn's logger, with the URL masked and no raw request line to leak it."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        target = loggable_target(environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""))
        atoms.update(U=target, q="", r=f"{atoms['m']} {target} {atoms['H']}", f="-")
        return atoms


class ShopServer(BaseApplication):
    """gunicorn running ``create_app()`` once in each worker (no preloading)."""

    def __init__(self, options: dict[str, Any], app_config: dict[str, Any]) -> None:
        self.options = options
        self.app_config = app_config
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)
        # gunicorn ≥ 25 opens a control socket at one fixed path per user: two servers on
        # one machine would fight over it, and the shop is run by signals (HUP, TERM).
        if "control_socket_disable" in self.cfg.settings:
            self.cfg.set("control_socket_disable", True)

    def load(self) -> Flask:
        from .app import create_app

        return create_app(self.app_config)


def server_options(host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "graceful_timeout": GRACEFUL_TIMEOUT,
        "timeout": 60,
        "keepalive": 5,
        "proc_name": "ktaishop",
        "accesslog": "-",
        "errorlog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "logger_class": AccessLogger,
        # Proxies are trusted by KTAISHOP_TRUSTED_PROXY_HOPS (ProxyFix) alone, in one place.
        "forwarded_allow_ips": "",
    }


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help=f"worker processes [default: 2 × cores + 1, at most {MAX_WORKERS}]")
@click.option("--threads", type=click.IntRange(min=1), default=THREADS, show_default=True,
              help="threads per worker (and database connections per worker)")
def serve_command(host: str, port: int, workers: int | None, threads: int) -> None:
    """Serve the shop with gunicorn (the production server)."""
    options = server_options(host, port, workers or default_workers(), threads)
    ShopServer(options, {"DATABASE_POOL_SIZE": threads}).run()
