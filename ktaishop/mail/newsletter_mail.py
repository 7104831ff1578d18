"""Newsletters on their way out: recipients queued, each mail built, unsubscribe links.

``start(session, newsletter)`` queues one outbox row per subscriber with the text
already personalised; the outbox builds each mail through ``build`` (its table names it
for ``MailKind.NEWSLETTER``), which re-checks that the member still wants it, honours
一時停止/中止, and adds the signed one-click unsubscribe link and RFC 8058 headers.
The worker's housekeeping calls ``start_due`` and ``finish_done``. This module sits
below the outbox: it queues rows and builds mail, it never sends.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import time
import zlib
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any, NamedTuple

from flask import current_app
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, int_to_bytes
from sqlalchemy import select
from sqlalchemy.orm import Session

from carrier_compat.address import address_key
from carrier_compat.decomail import InlineImage, build_deco_mail
from carrier_compat.decomail_html import html_to_text, sanitize_deco_html
from carrier_compat.mail import PreEncodedHeader, build_text_mail
from models import (
    MailKind,
    Member,
    OutboxMessage,
    OutboxStatus,
    ShopSettings,
    now,
    queue_mail,
)
from models import newsletter as rules
from models.base import SHOP_TIMEZONE
from models.merge import render_merge, shop_merge_values
from models.newsletter import Newsletter, NewsletterRecipient, NewsletterStatus, Personalised

from .builder import Skip
from .profiles import message_encoding, message_profile
from .wire import WireMail, WireTemplate

STATUS_TTL = 1.0  # seconds a worker trusts its copy of a newsletter's status
PAUSED_RECHECK = 5  # seconds until a row taken from a paused newsletter is looked at again
SAMPLE_NAME = "テスト 太郎"


# -- unsubscribe links ----------------------------------------------------------------

UNSUBSCRIBE_SALT = "newsletter-unsubscribe-address"
# How long a newsletter's 配信停止 link works, from the day it was sent; the newest
# newsletter and マイページ always offer a working way to stop.
UNSUBSCRIBE_MAX_AGE = 180 * 24 * 3600


def address_fingerprint(address: str) -> str:
    """What a link knows of the address it was sent to (a digest, never the address)."""
    return hashlib.sha256(address_key(address).encode()).hexdigest()[:16]


class _Tokens:
    """Signs ``[member id, address fingerprint]`` with the time the newsletter went out,
    as ``URLSafeTimedSerializer.dumps`` does, with the key derived once.

    A link is bound to the address it was sent to: after an address change, or for a
    new member given the address again, the fingerprint no longer matches. The payload
    is compact JSON, base64url-encoded, then ``.``, the timestamp and the signer's
    signature (the serializer's own ``dumps`` when zlib would shorten the JSON, as it
    does); a newsletter
    signs one per recipient, so the per-call signer set-up was most of it.
    tests/mail/test_mail_wire.py checks the tokens equal ``dumps``.
    """

    def __init__(self, secret_key: str) -> None:
        self.secret_key = secret_key
        self.serializer = URLSafeTimedSerializer(secret_key, salt=UNSUBSCRIBE_SALT)
        self.signer = self.serializer.make_signer(UNSUBSCRIBE_SALT)
        self.key = self.signer.derive_key()

    def dumps(self, member_id: int, fingerprint: str, issued: int) -> str:
        data = f"[{int(member_id)},\"{fingerprint}\"]".encode("ascii")  # its compact JSON
        if len(zlib.compress(data)) < len(data) - 1:  # the serializer would compress it
            return _dated(self.secret_key, issued).dumps([int(member_id), fingerprint])
        value = base64_encode(data) + b"." + base64_encode(int_to_bytes(issued))
        signature = base64_encode(hmac.digest(self.key, value, self.signer.digest_method))
        return (value + b"." + signature).decode("ascii")

    def loads(self, token: str) -> tuple[int, str] | None:
        try:
            value = self.serializer.loads(token, max_age=UNSUBSCRIBE_MAX_AGE)
        except BadSignature:
            return None
        if (isinstance(value, list) and len(value) == 2 and type(value[0]) is int
                and isinstance(value[1], str)):
            return value[0], value[1]
        return None


def _dated(secret_key: str, issued: int) -> URLSafeTimedSerializer:
    """The serializer with its clock at ``issued`` (every row of a newsletter the same)."""

    class AtSending(TimestampSigner):
        def get_timestamp(self) -> int:
            return issued

    return URLSafeTimedSerializer(secret_key, salt=UNSUBSCRIBE_SALT, signer=AtSending)


def _tokens() -> _Tokens:
    """The app's signer, kept on the app (one per secret key) instead of in this module."""
    key = current_app.config["SECRET_KEY"]
    tokens = current_app.extensions.get("ktaishop.unsubscribe_tokens")
    if tokens is None or tokens.secret_key != key:
        tokens = current_app.extensions["ktaishop.unsubscribe_tokens"] = _Tokens(key)
    return tokens


def _issued(at: datetime | None) -> int:
    """A shop-local time as the token's timestamp (seconds since the epoch)."""
    return int((at or now()).replace(tzinfo=SHOP_TIMEZONE).timestamp())


def unsubscribe_token(member_id: int, address: str, sent_at: datetime | None = None) -> str:
    """The token of the 配信停止 link for ``address`` of a newsletter sent at ``sent_at``."""
    return _tokens().dumps(member_id, address_fingerprint(address), _issued(sent_at))


def member_for_token(token: str) -> tuple[int, str] | None:
    """(member id, address fingerprint) of a good, unexpired link, or None; the caller
    checks the fingerprint against the member's address now."""
    return _tokens().loads(token)


def unsubscribe_url(member_id: int, address: str, sent_at: datetime | None = None) -> str:
    token = unsubscribe_token(member_id, address, sent_at)
    return f"{current_app.config['BASE_URL']}/unsubscribe/{token}"


def sent_at(newsletter: Newsletter) -> datetime:
    """The time a newsletter's links count from (the same for every row of it)."""
    return newsletter.started_at or newsletter.created_at or now()


# -- personalising ----------------------------------------------------------------------

def merge_values(session: Session, name: str, url: str) -> dict[str, str]:
    values = shop_merge_values(ShopSettings.load(session))
    values.update(member_name=name, unsubscribe_url=url)
    return values


def personal_text(newsletter: Newsletter, values: dict[str, str]) -> Personalised:
    """Subject and text part for one member; the unsubscribe URL is always in the text."""
    source = newsletter.body_text
    if not source.strip() and newsletter.is_deco:
        source = html_to_text(sanitize_deco_html(newsletter.body_html))
    body = render_merge(source, values)
    if "{{unsubscribe_url}}" not in source.replace(" ", ""):
        body = f"{body.rstrip()}\n\n――――\n配信停止はこちら\n{values['unsubscribe_url']}\n"
    return Personalised(render_merge(newsletter.subject, values), body)


def personal_html(newsletter: Newsletter, values: dict[str, str]) -> str:
    """The HTML part for one member: merge values escaped, unsubscribe link ensured."""
    escaped = {key: html.escape(value, quote=True) for key, value in values.items()}
    body = render_merge(newsletter.body_html, escaped)
    if "{{unsubscribe_url}}" not in newsletter.body_html.replace(" ", ""):
        body += f'<hr><div align="center"><a href="{escaped["unsubscribe_url"]}">配信停止</a></div>'
    return body


def start(session: Session, newsletter: Newsletter) -> int:
    """Queue ``newsletter`` to its current subscribers (not committed); how many."""
    shop = shop_merge_values(ShopSettings.load(session))

    def personalise(member: Member) -> Personalised:
        url = unsubscribe_url(member.id, member.email, sent_at(newsletter))
        values = dict(shop, member_name=member.name, unsubscribe_url=url)
        return personal_text(newsletter, values)

    return rules.start_sending(session, newsletter, personalise)


def queue_test(session: Session, newsletter: Newsletter, address: str) -> OutboxMessage:
    """The テスト送信 row for ``address`` (flushed, not committed), to send at once with
    ``outbox.send_now``: personalised for a sample member, with the unsubscribe link."""
    values = merge_values(session, SAMPLE_NAME, unsubscribe_url(0, address, sent_at(newsletter)))
    text = personal_text(newsletter, values)
    message = queue_mail(session, to=address, mail_from=newsletter.mail_from,
                         subject=text.subject, body=text.body, kind=MailKind.NEWSLETTER)
    session.flush()
    session.add(NewsletterRecipient(newsletter_id=newsletter.id, member_id=None, email=address,
                                    carrier="pc", outbox_id=message.id, is_test=True))
    session.flush()
    return message


# -- building one mail ------------------------------------------------------------------

def _newsletter(session: Session, newsletter_id: int, cache: dict[str, Any]) -> Newsletter:
    """The newsletter, re-read at most every STATUS_TTL seconds (一時停止 must bite fast)."""
    key = f"newsletter:{newsletter_id}"
    entry = cache.get(key)
    if entry is None or time.monotonic() - entry[1] > STATUS_TTL:
        newsletter = session.get(Newsletter, newsletter_id, populate_existing=True)
        cache[key] = entry = (newsletter, time.monotonic())
    return entry[0]


def inline_images(newsletter: Newsletter, cache: dict[str, Any]) -> list[InlineImage]:
    key = f"images:{newsletter.id}"
    if key not in cache:
        cache[key] = [InlineImage(cid=i.cid, filename=i.filename, data=i.data,
                                  mimetype=i.mimetype) for i in newsletter.images]
    return cache[key]


def _member(session: Session, recipient: NewsletterRecipient | _Recipient,
            cache: dict[str, Any]) -> Member | _Subscriber | None:
    if recipient.member_id is None:
        return None
    member = cache.get("members", {}).get(recipient.member_id)
    return member or session.get(Member, recipient.member_id)


def _skip_reason(session: Session, newsletter: Newsletter,
                 recipient: NewsletterRecipient | _Recipient,
                 cache: dict[str, Any]) -> Skip | None:
    if recipient.is_test:
        return None
    if newsletter.status == NewsletterStatus.PAUSED:
        # Looked at again shortly, not parked like the rest: 再開 may already have run
        # while this worker's copy of the status was still "paused".
        return Skip(OutboxStatus.QUEUED, now() + timedelta(seconds=PAUSED_RECHECK))
    if newsletter.status == NewsletterStatus.CANCELLED:
        return Skip(OutboxStatus.CANCELLED, reason="配信を中止しました。")
    if not rules.may_receive(_member(session, recipient, cache)):
        return Skip(OutboxStatus.CANCELLED, reason="配信停止または無効なアドレスのため送りません。")
    return None


_POST = "List-Unsubscribe=One-Click"


def build(session: Session, message: OutboxMessage,
          cache: dict[str, Any]) -> EmailMessage | WireMail | Skip:
    """The newsletter mail for one outbox row (text or デコメール), or why not now.

    A text newsletter to a bare address is written straight to bytes (``wire``).
    """
    recipient = cache.get("recipients", {}).get(message.id) or session.scalar(
        select(NewsletterRecipient).where(NewsletterRecipient.outbox_id == message.id))
    if recipient is None:
        return Skip(OutboxStatus.FAILED, reason="メルマガが見つかりません。")
    newsletter = _newsletter(session, recipient.newsletter_id, cache)
    if skip := _skip_reason(session, newsletter, recipient, cache):
        return skip
    url = unsubscribe_url(recipient.member_id or 0, recipient.email, sent_at(newsletter))
    if not newsletter.is_deco and "<" not in message.mail_to:
        template = _wire_template(message, cache)
        return template.build(message.mail_to, message.subject, message.body,
                              (("List-Unsubscribe", f"<{url}>"),
                               ("List-Unsubscribe-Post", _POST)))
    if newsletter.is_deco:
        member = _member(session, recipient, cache)
        name = SAMPLE_NAME if recipient.is_test else (member.name if member else "")
        mail = _deco(newsletter, message, merge_values(session, name, url), cache)
    else:
        mail = build_text_mail(to=message.mail_to, mail_from=message.mail_from,
                               subject=message.subject, body=message.body,
                               mail_profile=message_profile(message))
    mail["List-Unsubscribe"] = PreEncodedHeader("List-Unsubscribe", f"<{url}>", f"<{url}>")
    mail["List-Unsubscribe-Post"] = PreEncodedHeader("List-Unsubscribe-Post", _POST, _POST)
    return mail


def _wire_template(message: OutboxMessage, cache: dict[str, Any]) -> WireTemplate:
    """One template per sender and carrier profile, kept for the worker's run."""
    profile = message_encoding(message)
    key = f"wire:{profile.carrier}:{profile.name}:{message.mail_from}"
    template = cache.get(key)
    if template is None:
        template = cache[key] = WireTemplate(message.mail_from, profile)
    return template


def _deco(newsletter: Newsletter, message: OutboxMessage, values: dict[str, str],
          cache: dict[str, Any]) -> EmailMessage:
    """Build the デコメール; images downscaled for a carrier (in one profile) are kept
    for the next one."""
    profile = message_encoding(message)
    key = f"fitted:{newsletter.id}:{profile.carrier}:{profile.name}"
    images = cache.get(key) or inline_images(newsletter, cache)
    mail = build_deco_mail(to=message.mail_to, mail_from=message.mail_from,
                           subject=message.subject, html=personal_html(newsletter, values),
                           text=message.body, images=images, mail_profile=profile.name)
    if key not in cache:
        cache[key] = fitted_images(mail, images)
    return mail


def fitted_images(mail: EmailMessage, given: list[InlineImage]) -> list[InlineImage]:
    """The images as they went in ``mail`` (after any downscaling), by Content-ID."""
    sent = {str(part["Content-ID"]).strip("<>"): part.get_payload(decode=True)
            for part in mail.walk() if part.get_content_maintype() == "image"}
    return [InlineImage(i.cid, i.filename, sent.get(i.cid, i.data), i.mimetype) for i in given]


class _Recipient(NamedTuple):
    """What sending reads of a NewsletterRecipient."""

    newsletter_id: int
    member_id: int | None
    is_test: bool
    email: str


class _Subscriber(NamedTuple):
    """What sending reads of the recipient's Member (``rules.may_receive``, the name)."""

    name: str
    newsletter: bool
    status: str
    bounced: bool
    email_verified_at: datetime | None
    email: str


_PREFETCH_COLUMNS = (NewsletterRecipient.outbox_id, NewsletterRecipient.newsletter_id,
                     NewsletterRecipient.member_id, NewsletterRecipient.is_test,
                     NewsletterRecipient.email, Member.id, Member.name, Member.newsletter,
                     Member.status, Member.bounced, Member.email_verified_at, Member.email)


def prefetch(session: Session, messages: list[OutboxMessage], cache: dict[str, Any]) -> None:
    """Recipients and their members for a batch in one query, fresh from the database.

    Plain rows, not ORM objects: sending only reads them, and a batch's worth of
    mapped instances cost more than the query.
    """
    rows = session.execute(
        select(*_PREFETCH_COLUMNS)
        .outerjoin(Member, Member.id == NewsletterRecipient.member_id)
        .where(NewsletterRecipient.outbox_id.in_([m.id for m in messages])))
    recipients: dict[int, _Recipient] = {}
    members: dict[int, _Subscriber] = {}
    for outbox_id, newsletter_id, member_id, is_test, email, found, *subscriber in rows:
        recipients[outbox_id] = _Recipient(newsletter_id, member_id, is_test, email)
        if found is not None:
            members[found] = _Subscriber(*subscriber)
    cache["recipients"], cache["members"] = recipients, members


# -- the worker's housekeeping (its timers are the worker's) ------------------------------

def start_due(session: Session) -> None:
    """Start the scheduled newsletters whose time has come. Commits."""
    for newsletter in rules.due_newsletters(session):
        start(session, newsletter)
    session.commit()


def finish_done(session: Session) -> None:
    """Close the newsletters being sent that have nothing left to send. Commits."""
    for newsletter in session.scalars(select(Newsletter).where(
            Newsletter.status == NewsletterStatus.SENDING)):
        rules.finish_if_done(session, newsletter)
    session.commit()
