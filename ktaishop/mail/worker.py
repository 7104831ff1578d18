"""The sending loop: ``ktaishop worker``, the in-process thread of ``make run``, and
``deliver_due`` for tests and one-off runs.

Each pass: the housekeeping (newsletters whose time has come start, finished ones
close, expired 仮注文 are cancelled now and then), then claim a batch of due outbox
rows and send them over one reused connection at no more than ``MAIL_RATE`` messages
per second (per worker), committing each. Idle workers poll every ``idle_seconds``.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import click
from flask import Flask, current_app, has_app_context
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from ktaishop.extensions import db
from ktaishop.jobs import expire_orders

from . import newsletter_mail
from .outbox import SendOptions, claim, send_claimed, sending_session
from .transport import Transport, transport_from_url

log = logging.getLogger("ktaishop.mail.worker")


EXPIRY_INTERVAL = 60.0  # seconds between two runs of the 仮注文 expiry job
FINISH_CHECK_INTERVAL = 2.0  # seconds between two looks for newsletters with nothing left


@dataclass
class Housekeeping:
    """The periodic jobs before each claim, and when each last ran; one per sending run.

    Every pass starts the newsletters whose time has come; every FINISH_CHECK_INTERVAL
    those with nothing left are closed, and every EXPIRY_INTERVAL expired 仮注文 are
    cancelled (their stock and card holds released). A new run does both at once.
    """

    expiry_interval: float = EXPIRY_INTERVAL
    finish_check_interval: float = FINISH_CHECK_INTERVAL
    last_expiry: float = float("-inf")
    last_finish_check: float = float("-inf")

    def run(self, session: Session) -> None:
        """One round of housekeeping; each job commits its own work."""
        newsletter_mail.start_due(session)
        if time.monotonic() - self.last_finish_check >= self.finish_check_interval:
            self.last_finish_check = time.monotonic()
            newsletter_mail.finish_done(session)
        if time.monotonic() - self.last_expiry >= self.expiry_interval:
            self.last_expiry = time.monotonic()
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
    housekeeping = Housekeeping()
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
                                                  limiter, housekeeping, stop)
                except Exception:  # the database is unreachable: wait, then reconnect
                    log.exception("no database connection; retrying shortly")
                    stop.wait(2.0)
        finally:
            transport.close()
    return sent


def _send_until_error(session: Session, transport: Transport, config: WorkerConfig,
                      options: SendOptions, limiter: RateLimiter,
                      housekeeping: Housekeeping, stop: threading.Event) -> int:
    """Passes over one database connection; returns (for a fresh one) after an error."""
    sent = 0
    while not stop.is_set():
        try:
            sent_now = _one_pass(session, transport, options, limiter, housekeeping, stop)
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


def _one_pass(session: Session, transport: Transport, options: SendOptions,
              limiter: RateLimiter, housekeeping: Housekeeping, stop: threading.Event) -> int:
    housekeeping.run(session)
    ids, lease_until = claim(session, batch=options.batch, lease_seconds=options.lease_seconds)
    options.cache["_claimed"] = len(ids)
    if not ids:
        return 0
    return send_claimed(session, ids, lease_until, transport, options,
                        pace=lambda: limiter.wait(stop))


@contextmanager
def _app_context(app: Flask) -> Iterator[None]:
    """Reuse the caller's context: popping a pushed one would close its db.session."""
    if has_app_context() and current_app._get_current_object() is app:  # type: ignore[attr-defined]
        yield
        return
    with app.app_context():
        yield


def deliver_due(app: Flask, limit: int | None = None,
                options: SendOptions | None = None) -> int:
    """Send everything due now (at most ``limit`` rows) in this thread; returns sent count.

    For tests and one-off runs: one sending run with its own housekeeping, no rate
    limit, ending when nothing is due. Called inside the app's context, it first commits
    the caller's ``db.session`` - so mail just queued there goes too, and no open
    transaction (a write lock on SQLite) stalls it; afterwards the caller's objects are
    expired so they show the new states.
    """
    options = options or SendOptions()
    housekeeping = Housekeeping()
    with _app_context(app):
        db.session.commit()
        transport = transport_from_url(app.config["MAIL_URL"])
        total = 0
        try:
            with sending_session(db.engine) as session:
                while limit is None or total < limit:
                    batch = options.batch if limit is None else min(options.batch, limit - total)
                    housekeeping.run(session)
                    ids, lease_until = claim(session, batch=batch,
                                             lease_seconds=options.lease_seconds)
                    if not ids:
                        break
                    total += send_claimed(session, ids, lease_until, transport, options)
        finally:
            transport.close()
        db.session.expire_all()  # the caller's objects now read what was sent
        return total


# Guards the check-and-set of the app's sender below: two requests may start at once.
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
