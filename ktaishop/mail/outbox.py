"""Sending the outbox: claim due rows, build each mail for its carrier, deliver, record.

A row moves ``queued -> sending -> sent | failed`` (or back to ``queued`` with a later
``next_attempt_at`` after a temporary failure). Claiming sets ``sending`` with a lease:
``next_attempt_at`` becomes the moment the claim expires. A worker that dies leaves
its rows ``sending``; once the lease has run out any worker claims them again. Each
row is committed as sent after the server accepted it and before the next message's
text goes (``marks``: one autocommitted UPDATE, on PostgreSQL read back while the
next envelope is sent), so a worker killed at any moment loses nothing and sends at
most the one message in flight twice. A row's ``kind`` picks its builder in
``BUILDERS`` (newsletters: ``newsletter_mail``); any other kind is plain text mail.
Every kind is built in the mail profile kept on its row (``profiles``).
Text newsletters are written straight to bytes (``wire``); other mail goes through
``carrier_compat``'s email-package builders. The sending loop is ``worker``.
Once a mail whose link acts for its reader (``models.mail.SECRET_LINK_KINDS``:
confirmation, password reset, address change) is sent or has failed, its stored body
keeps the link masked (those rows take the ORM path, never the fast mark).

On PostgreSQL several workers claim with ``FOR UPDATE SKIP LOCKED``; SQLite's
``BEGIN IMMEDIATE`` (see ktaishop.db) makes claiming exclusive there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from flask import current_app
from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from carrier_compat.address import address_key
from carrier_compat.errors import CarrierCompatError
from carrier_compat.mail import build_text_mail, smtp_bytes, smtp_envelope
from models import MailKind, MailLog, Member, OutboxMessage, OutboxStatus, now
from models.mail import SECRET_LINK_KINDS, mask_link_tokens

from . import newsletter_mail
from .builder import Builder, Prefetch, Skip
from .marks import MarkError, SentMarks
from .profiles import message_profile
from .transport import MailError, PermanentMailError, Transport, transport_from_url
from .wire import WireMail

log = logging.getLogger("ktaishop.mail.outbox")

MAX_ATTEMPTS = 8
# Server answers that mean "this mailbox does not exist": the member's address bounced.
HARD_BOUNCE_CODES = frozenset({550, 551, 553})


# How each kind of mail other than plain text is built (plain text needs no entry),
# and what its builder loads for a whole batch at once.
BUILDERS: dict[str, Builder] = {MailKind.NEWSLETTER: newsletter_mail.build}
PREFETCH: dict[str, Prefetch] = {MailKind.NEWSLETTER: newsletter_mail.prefetch}


@dataclass
class SendOptions:
    """How a sending loop behaves; the defaults suit production."""

    lease_seconds: int = 60
    retry_base_seconds: float = 30.0
    batch: int = 50
    cache: dict[str, Any] = field(default_factory=dict)


def _split(addresses: str) -> list[str]:
    return [a.strip() for a in addresses.split(",") if a.strip()]


def build_mail(session: Session, message: OutboxMessage,
               cache: dict[str, Any] | None = None) -> EmailMessage | WireMail | Skip:
    """The MIME mail for one row, in the charset/emoji of the To address's carrier in
    the mail profile kept on the row (``profiles.message_profile``).

    :raise ValueError: (incl. HeaderInjection, DecoMailError) when it cannot be built.
    """
    builder = BUILDERS.get(message.kind)
    if builder is not None:
        return builder(session, message, cache if cache is not None else {})
    return build_text_mail(
        to=message.mail_to, mail_from=message.mail_from, subject=message.subject,
        body=message.body, cc=_split(message.cc), bcc=_split(message.bcc) or None,
        mail_profile=message_profile(message),
    )


def deliver(session: Session, message: OutboxMessage, transport: Transport,
            options: SendOptions, marks: SentMarks | None = None) -> str | None:
    """Build and send one claimed row and record the outcome (not committed).

    With ``marks`` a row without an order is recorded as sent at once, committed
    (see ktaishop.mail.marks). Returns None when sent (or skipped on purpose),
    else the Japanese error text.
    """
    try:
        mail = build_mail(session, message, options.cache)
    except (ValueError, CarrierCompatError) as error:
        text = getattr(error, "message", None) or f"メールを作成できません: {error}"
        _mark_failed(message, text)
        return text
    if isinstance(mail, Skip):
        message.status = mail.status
        message.next_attempt_at = mail.next_attempt_at or now()
        message.last_error = mail.reason
        return None
    if isinstance(mail, WireMail):
        data, sender, rcpts = mail.data, mail.mail_from, list(mail.rcpts)
    else:
        sender, rcpts = smtp_envelope(mail)
        data = smtp_bytes(mail)
    try:
        transport.send(data, sender, rcpts, before_data=marks.wait if marks else None)
    except MailError as error:
        _record_failure(session, message, error, options)
        return error.message
    if marks is not None and message.order_id is None and message.kind not in SECRET_LINK_KINDS:
        marks.start(session, message, now())
    else:
        _mark_sent(session, message)
    return None


def _mark_sent(session: Session, message: OutboxMessage) -> None:
    """Sent: recorded, a secret link masked in the stored copy, logged on its order."""
    message.status = OutboxStatus.SENT
    message.sent_at = now()
    message.last_error = ""
    _mask_secret_links(message)
    if message.order_id is not None:
        session.add(MailLog(
            order_id=message.order_id, sent_at=message.sent_at, mail_from=message.mail_from,
            mail_to=message.mail_to, cc=message.cc, bcc=message.bcc,
            subject=message.subject, body=message.body,
        ))


def _mask_secret_links(message: OutboxMessage) -> None:
    """The stored copy of a mail whose link acts for its reader keeps the link masked:
    whoever reads the database or メール送信履歴 cannot confirm, reset or change."""
    if message.kind in SECRET_LINK_KINDS:
        message.body = mask_link_tokens(message.body)


def _mark_failed(message: OutboxMessage, text: str) -> None:
    _mask_secret_links(message)
    message.status = OutboxStatus.FAILED
    message.last_error = text
    message.next_attempt_at = now()


def _record_failure(session: Session, message: OutboxMessage, error: MailError,
                    options: SendOptions) -> None:
    """Permanent answers (and too many tries) fail the row; others retry with backoff."""
    if isinstance(error, PermanentMailError):
        _mark_failed(message, error.message)
        if error.refused_recipient and error.code in HARD_BOUNCE_CODES:
            mark_bounced(session, message.mail_to)
        return
    if message.attempts >= MAX_ATTEMPTS:
        _mark_failed(message, f"{error.message}（{message.attempts}回試して送れませんでした）")
        return
    delay = min(options.retry_base_seconds * 2 ** max(message.attempts - 1, 0), 3600.0)
    message.status = OutboxStatus.QUEUED
    message.next_attempt_at = now() + timedelta(seconds=delay)
    message.last_error = error.message


def mark_bounced(session: Session, address: str) -> None:
    """The address does not exist: no more newsletters to the member who has it (in any
    spelling: the envelope quotes docomo-style local parts)."""
    session.execute(update(Member).where(func.lower(Member.email) == address_key(address))
                    .values(bounced=True).execution_options(synchronize_session=False))


def send_now(session: Session, message: OutboxMessage,
             transport: Transport | None = None) -> str | None:
    """Deliver one outbox row now through ``MAIL_URL``; the caller commits.

    On success the row is ``sent`` and, when it has an order, a MailLog row is added
    (メール送信履歴). On failure the row is ``failed`` with the reason and the Japanese
    error text is returned. While this runs the row is ``sending`` (and, once flushed,
    locked by this transaction), so no worker sends it as well. Pass a ``transport``
    (``transport.transport_from_url``; the caller closes it) to send many over one
    connection.
    """
    session.add(message)
    message.status = OutboxStatus.SENDING
    message.attempts = (message.attempts or 0) + 1
    message.next_attempt_at = now() + timedelta(minutes=10)
    session.flush()
    own = transport is None
    transport = transport or transport_from_url(current_app.config["MAIL_URL"])
    try:
        error = deliver(session, message, transport, SendOptions())
    finally:
        if own:
            transport.close()
    if error is not None and message.status == OutboxStatus.QUEUED:
        _mark_failed(message, error)  # the shop owner is waiting: report, don't retry
    session.flush()
    return error


def claim(session: Session, *, batch: int, lease_seconds: int) -> tuple[list[int], datetime]:
    """Take up to ``batch`` due rows (queued, or sending with an expired lease); commits.

    One statement: the due rows are chosen (oldest first) and leased by the same
    UPDATE. Returns their ids in queue order and the lease end stored on them.
    """
    start = now()
    due = (select(OutboxMessage.id)
           .where(OutboxMessage.status.in_([OutboxStatus.QUEUED, OutboxStatus.SENDING]),
                  OutboxMessage.next_attempt_at <= start)
           .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
           .limit(batch))
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    lease_until = start + timedelta(seconds=lease_seconds)
    ids = sorted(session.scalars(
        update(OutboxMessage).where(OutboxMessage.id.in_(due.scalar_subquery()))
        .values(status=OutboxStatus.SENDING, next_attempt_at=lease_until,
                attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)))
    session.commit()
    return ids, lease_until


def release(session: Session, ids: list[int]) -> None:
    """Give claimed rows back (a stopping worker, a lease about to run out); commits."""
    if ids:
        session.execute(update(OutboxMessage)
                        .where(OutboxMessage.id.in_(ids),
                               OutboxMessage.status == OutboxStatus.SENDING)
                        .values(status=OutboxStatus.QUEUED, next_attempt_at=now(),
                                attempts=OutboxMessage.attempts - 1))
    session.commit()


def _load_batch(session: Session, ids: list[int],
                options: SendOptions) -> dict[int, OutboxMessage]:
    """The claimed rows in one query, plus what their builders need (one query per kind).

    Prefetched rows are fresh as of the batch start: a member who unsubscribes while
    the batch is being sent may still get this one mail.
    """
    messages = session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))
                               .execution_options(populate_existing=True)).all()
    kinds: dict[str, list[OutboxMessage]] = {}
    for message in messages:
        kinds.setdefault(message.kind, []).append(message)
    for kind, group in kinds.items():
        if kind in PREFETCH:
            PREFETCH[kind](session, group, options.cache)
    return {message.id: message for message in messages}


def send_claimed(session: Session, ids: list[int], lease_until: datetime,
                 transport: Transport, options: SendOptions,
                 pace: Callable[[], bool] | None = None) -> int:
    """Send claimed rows one by one, committing each; returns how many were sent.

    Stops early (releasing the rest) when ``pace()`` says stop or the lease is about
    to run out - another worker may claim the rows after that.
    """
    messages = _load_batch(session, ids, options)
    session.commit()  # end the batch's read transaction: "sent" marks commit on their own
    marks = SentMarks.for_session(session)
    if marks is None:
        return _send_loaded(session, ids, messages, lease_until, transport, options, pace, None)
    with marks:
        return _send_loaded(session, ids, messages, lease_until, transport, options, pace, marks)


def _send_loaded(session: Session, ids: list[int], messages: dict[int, OutboxMessage],
                 lease_until: datetime, transport: Transport, options: SendOptions,
                 pace: Callable[[], bool] | None, marks: SentMarks | None) -> int:
    sent = 0
    for index, message_id in enumerate(ids):
        if (pace is not None and not pace()) or now() >= lease_until - timedelta(seconds=2):
            release(session, ids[index:])
            break
        message = messages.get(message_id)
        if message is None or message.status != OutboxStatus.SENDING:
            continue
        error = _deliver_guarded(session, message, transport, options, marks)
        if error is None and message.status == OutboxStatus.SENT:
            sent += 1
        elif error is not None:
            log.warning("outbox %s (%s): %s", message.id, message.mail_to, error)
        if session.in_transaction() or session.dirty:
            session.commit()  # a failure, a skip, or an order mail's sent + MailLog
    return sent


def _deliver_guarded(session: Session, message: OutboxMessage, transport: Transport,
                     options: SendOptions, marks: SentMarks | None) -> str | None:
    """``deliver``, but a bug with one message fails that message, not the whole batch.

    Database errors still propagate: the worker reconnects and the leases protect rows.
    """
    try:
        return deliver(session, message, transport, options, marks)
    except (SQLAlchemyError, MarkError):
        raise
    except Exception as error:
        log.exception("outbox %s: unexpected error", message.id)
        session.rollback()
        text = f"送信中に予期しないエラーが起きました（{error.__class__.__name__}）。"
        _mark_failed(message, text)
        return text


@contextmanager
def sending_session(engine: Engine) -> Iterator[Session]:
    """A session that keeps one connection for a whole sending run.

    A pooled session checks its connection out (and pings it) at every commit; a
    sender commits once per message, so it holds its own instead. Its commits also
    skip waiting for the disk flush (PostgreSQL ``synchronous_commit=off``, SQLite WAL
    ``synchronous=NORMAL``): a killed worker still loses nothing - the database has
    every commit - and only a crash of the database machine itself could forget the
    last few "sent" marks, so those mails would go twice; none would be lost.
    """
    connection = engine.connect()
    _relax_durability(connection, True)
    session = Session(bind=connection, expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        try:
            _relax_durability(connection, False)  # the pool hands it to others next
        finally:
            connection.close()


def _relax_durability(connection: Connection, relax: bool) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET synchronous_commit TO off" if relax
                                   else "RESET synchronous_commit")
        connection.commit()
    elif connection.dialect.name == "sqlite":
        # Not through SQLAlchemy: its BEGIN IMMEDIATE would make SQLite refuse the pragma.
        raw = connection.connection.driver_connection
        raw.execute("PRAGMA synchronous=NORMAL" if relax else "PRAGMA synchronous=FULL")
