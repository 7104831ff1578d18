"""メルマガ: newsletters, their inline images and their recipients.

Sending a newsletter writes one outbox row per recipient (kind ``newsletter``) and
one ``NewsletterRecipient`` linking the row to the member; the outbox row's status is
the recipient's state, so progress is a count over the outbox. Recipients are chosen
when sending starts (send now, or when the scheduled time comes): active members who
opted in, whose address was verified and never hard-bounced, optionally only some
carriers.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .base import Base, now
from .errors import DomainError
from .mail import MailKind, OutboxMessage, OutboxStatus
from .people import Member, MemberStatus
from .shop import ShopSettings

CARRIERS: tuple[tuple[str, str], ...] = (
    ("docomo", "docomo"), ("au", "au"), ("softbank", "SoftBank"),
    ("smartphone", "スマートフォン"), ("pc", "PC"),
)
# Queued rows of a paused newsletter wait here until 再開 puts them back to now.
PAUSED_UNTIL = datetime(2999, 1, 1)


class NewsletterKind(enum.StrEnum):
    TEXT = "text"  # テキストメール
    DECO = "deco"  # デコメール


class NewsletterStatus(enum.StrEnum):
    DRAFT = "draft"  # 下書き
    SCHEDULED = "scheduled"  # 予約済
    SENDING = "sending"  # 送信中
    PAUSED = "paused"  # 一時停止中
    DONE = "done"  # 送信完了
    CANCELLED = "cancelled"  # 中止

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    NewsletterStatus.DRAFT: "下書き", NewsletterStatus.SCHEDULED: "予約済",
    NewsletterStatus.SENDING: "送信中", NewsletterStatus.PAUSED: "一時停止中",
    NewsletterStatus.DONE: "送信完了", NewsletterStatus.CANCELLED: "中止",
}


class Newsletter(Base):
    __tablename__ = "newsletters"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), default=NewsletterKind.TEXT)
    subject: Mapped[str] = mapped_column(String(200), default="")
    mail_from: Mapped[str] = mapped_column(String(254), default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    # Comma-separated carrier names; empty: every carrier.
    carriers: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(20), default=NewsletterStatus.DRAFT, index=True)
    scheduled_at: Mapped[datetime | None] = mapped_column(DateTime)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    recipient_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=now, onupdate=now)

    images: Mapped[list[NewsletterImage]] = relationship(
        back_populates="newsletter", cascade="all, delete-orphan",
        order_by="NewsletterImage.id")

    @property
    def status_enum(self) -> NewsletterStatus:
        return NewsletterStatus(self.status)

    @property
    def is_deco(self) -> bool:
        return self.kind == NewsletterKind.DECO

    @property
    def carrier_list(self) -> list[str]:
        return [c for c in self.carriers.split(",") if c]

    @property
    def editable(self) -> bool:
        return self.status in (NewsletterStatus.DRAFT, NewsletterStatus.SCHEDULED)


class NewsletterImage(Base):
    """An inline image of a デコメール, shown in the HTML as ``cid:{cid}``.

    Kept in the database so workers on other machines can build the mail.
    """

    __tablename__ = "newsletter_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    newsletter_id: Mapped[int] = mapped_column(
        ForeignKey("newsletters.id", ondelete="CASCADE"), index=True)
    cid: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(200))
    mimetype: Mapped[str] = mapped_column(String(50))
    data: Mapped[bytes] = mapped_column(LargeBinary)

    newsletter: Mapped[Newsletter] = relationship(back_populates="images")


class NewsletterRecipient(Base):
    """One member a newsletter went (or goes) to; its outbox row holds the state."""

    __tablename__ = "newsletter_recipients"

    id: Mapped[int] = mapped_column(primary_key=True)
    newsletter_id: Mapped[int] = mapped_column(
        ForeignKey("newsletters.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    carrier: Mapped[str] = mapped_column(String(20), default="pc")
    outbox_id: Mapped[int] = mapped_column(
        ForeignKey("outbox.id", ondelete="CASCADE"), unique=True)
    is_test: Mapped[bool] = mapped_column(Boolean, default=False)


def subscribers(carriers: Iterable[str] = ()):
    """``select(Member)`` of everyone a newsletter may go to, narrowed to ``carriers``."""
    query = select(Member).where(Member.newsletter.is_(True),
                                 Member.status == MemberStatus.ACTIVE,
                                 Member.email_verified_at.is_not(None),
                                 Member.bounced.is_(False))
    carriers = list(carriers)
    if carriers:
        query = query.where(Member.carrier.in_(carriers))
    return query.order_by(Member.id)


def may_receive(member: Member | None) -> bool:
    """Checked again just before sending: an unsubscribe stops mail already queued.

    Only a verified address receives メルマガ: an unverified registration is anyone's
    word for an address (and a name the shop would merge into the mail)."""
    return bool(member and member.newsletter and member.status == MemberStatus.ACTIVE
                and member.email_verified_at is not None and not member.bounced)


@dataclass(frozen=True)
class Personalised:
    """One recipient's subject and text body (the HTML part is merged when sending)."""

    subject: str
    body: str


def start_sending(session: Session, newsletter: Newsletter,
                  personalise: Callable[[Member], Personalised], chunk: int = 1000) -> int:
    """Queue the newsletter to every current subscriber; returns how many.

    :raise DomainError: when it is not a draft or scheduled newsletter.
    """
    if not newsletter.editable:
        raise DomainError("このメルマガは送信済みか送信中です。")
    newsletter.status = NewsletterStatus.SENDING
    newsletter.started_at = now()
    count = 0
    members = session.scalars(subscribers(newsletter.carrier_list)).yield_per(chunk)
    for part in members.partitions():
        count += _queue_chunk(session, newsletter, list(part), personalise)
    newsletter.recipient_count = count
    if count == 0:
        newsletter.status = NewsletterStatus.DONE
        newsletter.finished_at = now()
    return count


def _queue_chunk(session: Session, newsletter: Newsletter, members: list[Member],
                 personalise: Callable[[Member], Personalised]) -> int:
    created = now()
    legacy = ShopSettings.load(session).legacy_mail_carriers  # the profile the rows keep
    rows = []
    for member in members:
        text = personalise(member)
        rows.append(dict(created_at=created, status=OutboxStatus.QUEUED, attempts=0,
                         next_attempt_at=created, last_error="", kind=MailKind.NEWSLETTER,
                         mail_from=newsletter.mail_from, mail_to=member.email, cc="", bcc="",
                         subject=text.subject, body=text.body, legacy_mail_carriers=legacy))
    if not rows:
        return 0
    ids = session.scalars(insert(OutboxMessage).returning(
        OutboxMessage.id, sort_by_parameter_order=True), rows).all()
    session.execute(insert(NewsletterRecipient), [
        dict(newsletter_id=newsletter.id, member_id=m.id, email=m.email, carrier=m.carrier,
             outbox_id=outbox_id, is_test=False)
        for m, outbox_id in zip(members, ids, strict=True)])
    return len(rows)


def _own_rows(newsletter: Newsletter):
    return select(NewsletterRecipient.outbox_id).where(
        NewsletterRecipient.newsletter_id == newsletter.id,
        NewsletterRecipient.is_test.is_(False))


def pause(session: Session, newsletter: Newsletter) -> None:
    """一時停止: queued rows wait; a message already in a worker's hands may still go."""
    if newsletter.status != NewsletterStatus.SENDING:
        raise DomainError("送信中のメルマガだけ一時停止できます。")
    newsletter.status = NewsletterStatus.PAUSED
    session.execute(update(OutboxMessage).where(
        OutboxMessage.id.in_(_own_rows(newsletter)),
        OutboxMessage.status == OutboxStatus.QUEUED).values(next_attempt_at=PAUSED_UNTIL))


def resume(session: Session, newsletter: Newsletter) -> None:
    """再開: the waiting rows are due again."""
    if newsletter.status != NewsletterStatus.PAUSED:
        raise DomainError("一時停止中のメルマガだけ再開できます。")
    newsletter.status = NewsletterStatus.SENDING
    session.execute(update(OutboxMessage).where(
        OutboxMessage.id.in_(_own_rows(newsletter)),
        OutboxMessage.status == OutboxStatus.QUEUED).values(next_attempt_at=now()))


def cancel(session: Session, newsletter: Newsletter) -> None:
    """中止: nobody else gets it; what was sent stays sent."""
    if newsletter.status not in (NewsletterStatus.SENDING, NewsletterStatus.PAUSED,
                                 NewsletterStatus.SCHEDULED):
        raise DomainError("このメルマガは中止できません。")
    newsletter.status = NewsletterStatus.CANCELLED
    newsletter.finished_at = now()
    session.execute(update(OutboxMessage).where(
        OutboxMessage.id.in_(_own_rows(newsletter)),
        OutboxMessage.status == OutboxStatus.QUEUED).values(status=OutboxStatus.CANCELLED))


def resend_failed(session: Session, newsletter: Newsletter) -> int:
    """Queue the failed recipients once more (to members still subscribed); how many."""
    if newsletter.status not in (NewsletterStatus.DONE, NewsletterStatus.SENDING):
        raise DomainError("送信が終わったメルマガだけ失敗分を再送できます。")
    result = session.execute(update(OutboxMessage).where(
        OutboxMessage.id.in_(_own_rows(newsletter)),
        OutboxMessage.status == OutboxStatus.FAILED).values(
            status=OutboxStatus.QUEUED, attempts=0, next_attempt_at=now(), last_error=""))
    if result.rowcount:
        newsletter.status = NewsletterStatus.SENDING
        newsletter.finished_at = None
    return result.rowcount


@dataclass(frozen=True)
class Progress:
    sent: int
    failed: int
    remaining: int
    cancelled: int

    @property
    def total(self) -> int:
        return self.sent + self.failed + self.remaining + self.cancelled


def progress(session: Session, newsletter: Newsletter) -> Progress:
    """送信済 / 失敗 / 残り of the newsletter's recipients (test sends excluded)."""
    rows = session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.id.in_(_own_rows(newsletter)))
        .group_by(OutboxMessage.status)).all()
    counts = {status: n for status, n in rows}
    return Progress(
        sent=counts.get(OutboxStatus.SENT, 0), failed=counts.get(OutboxStatus.FAILED, 0),
        remaining=counts.get(OutboxStatus.QUEUED, 0) + counts.get(OutboxStatus.SENDING, 0),
        cancelled=counts.get(OutboxStatus.CANCELLED, 0))


def finish_if_done(session: Session, newsletter: Newsletter) -> bool:
    """A sending newsletter with nothing left becomes 送信完了; True when it did."""
    if newsletter.status != NewsletterStatus.SENDING:
        return False
    if progress(session, newsletter).remaining:
        return False
    newsletter.status = NewsletterStatus.DONE
    newsletter.finished_at = now()
    return True


def due_newsletters(session: Session, at: datetime | None = None) -> list[Newsletter]:
    """Scheduled newsletters whose time has come, locked for this transaction."""
    query = select(Newsletter).where(Newsletter.status == NewsletterStatus.SCHEDULED,
                                     Newsletter.scheduled_at <= (at or now()))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))
