"""The sending loop: ``ktaishop worker`` and the in-process thread of ``make run``.

Each pass: start newsletters whose time has come, claim a batch of due outbox rows,
send them over one reused connection at no more than ``MAIL_RATE`` messages per
second (per worker), commit each. Idle workers poll every ``idle_seconds``.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from dataclasses import dataclass

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from ktaishop.extensions import db

from .outbox import SendOptions, claim, send_claimed, sending_session
from .transport import transport_from_url

log = logging.getLogger("ktaishop.mail.worker")


EXPIRY_INTERVAL = 60.0  # seconds between two runs of the 仮注文 expiry job
_last_expiry = [float("-inf")]


def tick(session: Session) -> None:
    """Housekeeping before each claim: due newsletters start, finished ones close, and
    once a minute expired 仮注文 are cancelled (their stock and card holds released)."""
    from ktaishop.jobs import expire_orders

    from . import newsletter_mail

    newsletter_mail.tick(session)
    if time.monotonic() - _last_expiry[0] >= EXPIRY_INTERVAL:
        _last_expiry[0] = time.monotonic()
        expire_orders(session)


class RateLimiter:
    """At most ``rate`` calls of ``wait`` per second (rate <= 0: no limit)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next_at = time.monotonic()

    def wait(self, stop: threading.Event) -> bool:
        """Block until the next message may go; False when asked to stop meanwhile."""
        if self.interval:
            delay = self.next_at - time.monotonic()
            if delay > 0 and stop.wait(delay):
                return False
            self.next_at = max(self.next_at, time.monotonic() - self.interval) + self.interval
        return not stop.is_set()


@dataclass
class WorkerConfig:
    rate: float = 20.0
    lease_seconds: int = 60
    retry_base_seconds: float = 30.0
    batch: int = 50
    idle_seconds: float = 1.0

    @classmethod
    def from_app(cls, app: Flask, **overrides: float | int | None) -> WorkerConfig:
        config = cls(rate=float(app.config.get("MAIL_RATE", 20.0)))
        for name, value in overrides.items():
            if value is not None:
                setattr(config, name, value)
        return config

    def batch_size(self) -> int:
        """Small enough that a batch is sent well within its lease at the rate limit."""
        if self.rate <= 0:
            return self.batch
        return max(1, min(self.batch, int(self.rate * self.lease_seconds / 2)))


def run(app: Flask, config: WorkerConfig, stop: threading.Event) -> int:
    """Send until ``stop`` is set; returns how many messages were sent."""
    limiter = RateLimiter(config.rate)
    options = SendOptions(lease_seconds=config.lease_seconds,
                          retry_base_seconds=config.retry_base_seconds,
                          batch=config.batch_size())
    sent = 0
    with app.app_context():
        transport = transport_from_url(app.config["MAIL_URL"])
        try:
            while not stop.is_set():
                try:
                    with sending_session(db.engine) as session:
                        sent += _send_until_error(session, transport, config, options,
                                                  limiter, stop)
                except Exception:  # the database is unreachable: wait, then reconnect
                    log.exception("no database connection; retrying shortly")
                    stop.wait(2.0)
        finally:
            transport.close()
    return sent


def _send_until_error(session: Session, transport, config: WorkerConfig,
                      options: SendOptions, limiter: RateLimiter,
                      stop: threading.Event) -> int:
    """Passes over one database connection; returns (for a fresh one) after an error."""
    sent = 0
    while not stop.is_set():
        try:
            sent_now = _one_pass(session, transport, options, limiter, stop)
        except Exception:
            # A lost database connection must not end the worker; rows stay leased.
            log.exception("sending pass failed; retrying shortly")
            options.cache.clear()
            stop.wait(2.0)
            return sent
        sent += sent_now
        if sent_now == 0 and not options.cache.get("_claimed"):
            transport.close()  # don't hold an idle SMTP connection open
            stop.wait(config.idle_seconds)
    return sent


def _one_pass(session: Session, transport, options: SendOptions, limiter: RateLimiter,
              stop: threading.Event) -> int:
    tick(session)
    ids, lease_until = claim(session, batch=options.batch, lease_seconds=options.lease_seconds)
    options.cache["_claimed"] = len(ids)
    if not ids:
        return 0
    return send_claimed(session, ids, lease_until, transport, options,
                        pace=lambda: limiter.wait(stop))


_thread_lock = threading.Lock()


def start_in_process(app: Flask) -> threading.Event:
    """Start one daemon sending thread for this app (``SEND_MAIL_IN_PROCESS``).

    Returns the event that stops it. The web server and this thread share the
    database; on SQLite writers take turns (busy timeout).
    """
    stop = threading.Event()
    with _thread_lock:
        existing = app.extensions.get("ktaishop.sender")
        if existing is not None:
            return existing
        app.extensions["ktaishop.sender"] = stop
    config = WorkerConfig.from_app(app)
    thread = threading.Thread(target=run, args=(app, config, stop), name="ktaishop-sender",
                              daemon=True)
    thread.start()
    return stop


@click.command("worker")
@click.option("--rate", type=float, default=None, help="messages per second (0: no limit)")
@click.option("--lease", "lease_seconds", type=int, default=None,
              help="seconds a claimed message stays reserved for this worker")
@click.option("--retry-base", "retry_base_seconds", type=float, default=None,
              help="first retry delay in seconds after a temporary failure (doubles)")
@click.option("--batch", type=int, default=None, help="messages claimed at a time")
@click.option("--idle", "idle_seconds", type=float, default=None, help="poll interval when idle")
@with_appcontext
def worker_command(rate: float | None, lease_seconds: int | None,
                   retry_base_seconds: float | None, batch: int | None,
                   idle_seconds: float | None) -> None:
    """Send queued mail until stopped (Ctrl-C / SIGTERM); several may run at once."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    config = WorkerConfig.from_app(app, rate=rate, lease_seconds=lease_seconds,
                                   retry_base_seconds=retry_base_seconds, batch=batch,
                                   idle_seconds=idle_seconds)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"メール送信を開始します（{config.rate:g}通/秒まで）。")
    sent = run(app, config, stop)
    click.echo(f"停止しました。送信 {sent} 通。")
