"""Mail templates (メール設定), the outbox every mail goes through, and メール送信履歴.

A mail is written to the outbox in the same transaction as the change that causes it;
a worker sends it later (ktaishop.mail.outbox). Only a mail that really left is logged on
the order's メール送信履歴.
"""

from __future__ import annotations

import enum
import re
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .base import Base, now
from .merge import order_merge_values, render_merge


class MailKind(enum.StrEnum):
    """メール種別."""

    ORDER_CONFIRMATION = "order_confirmation"  # 受注確認
    SHIPPING_NOTICE = "shipping_notice"  # 出荷通知
    GENERAL = "general"  # 汎用メール
    GUEST_CONFIRMATION = "guest_confirmation"  # 仮注文の確認 (the link that confirms)
    MEMBER_REGISTRATION = "member_registration"  # 会員登録の確認
    PASSWORD_RESET = "password_reset"  # パスワード再設定
    EMAIL_CHANGE = "email_change"  # メールアドレス変更の確認 (sent to the new address)
    EMAIL_CHANGED = "email_changed"  # メールアドレス変更のお知らせ (sent to the old one)
    NEWSLETTER = "newsletter"  # メルマガ
    # 会員登録 with an address already registered: the page says the same as for a new
    # address, and this mail tells the owner (issue #13, account enumeration).
    ALREADY_REGISTERED = "already_registered"  # 登録済みのお知らせ
    REGISTRATION_REFUSED = "registration_refused"  # 登録できないお知らせ (停止・退会)

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]

    @property
    def deletable(self) -> bool:
        """Only 汎用メール may be deleted; the shop's own mails can only be edited."""
        return self is MailKind.GENERAL


# Mails carrying a link that acts for its reader (confirm an order, set a password,
# change an address): once sent, the stored copy keeps the link masked.
SECRET_LINK_KINDS = frozenset({
    MailKind.GUEST_CONFIRMATION, MailKind.MEMBER_REGISTRATION, MailKind.PASSWORD_RESET,
    MailKind.EMAIL_CHANGE, MailKind.ALREADY_REGISTERED,
})

_KIND_LABELS = {
    MailKind.ORDER_CONFIRMATION: "受注確認",
    MailKind.SHIPPING_NOTICE: "出荷通知",
    MailKind.GENERAL: "汎用メール",
    MailKind.GUEST_CONFIRMATION: "仮注文確認",
    MailKind.MEMBER_REGISTRATION: "会員登録確認",
    MailKind.PASSWORD_RESET: "パスワード再設定",
    MailKind.EMAIL_CHANGE: "メールアドレス変更確認",
    MailKind.EMAIL_CHANGED: "メールアドレス変更のお知らせ",
    MailKind.NEWSLETTER: "メルマガ",
    MailKind.ALREADY_REGISTERED: "登録済みのお知らせ",
    MailKind.REGISTRATION_REFUSED: "登録できないお知らせ",
}


class MailProfileName(enum.StrEnum):
    """配信形式: how mail to a carrier's addresses is written (chosen per carrier).

    The values are ``carrier_compat``'s profile names, which the shop passes in.
    """

    STANDARD = "standard"  # 標準: UTF-8 and standard Unicode emoji
    LEGACY = "legacy"  # 旧端末向け: the carrier's 3G-era charset, emoji codes, デコメール

    @property
    def label(self) -> str:
        return _PROFILE_LABELS[self]


_PROFILE_LABELS = {
    MailProfileName.STANDARD: "標準（UTF-8・Unicode絵文字）",
    MailProfileName.LEGACY: "旧端末向け（キャリアの文字コードと絵文字）",
}
# The carriers whose mail has the two profiles (smartphones and PCs have one form).
PROFILE_CARRIERS = ("docomo", "au", "softbank")


def chosen_profile(legacy_mail_carriers: str, carrier: str) -> MailProfileName:
    """The profile for ``carrier`` given the comma-separated 旧端末向け carriers."""
    if carrier in legacy_mail_carriers.split(","):
        return MailProfileName.LEGACY
    return MailProfileName.STANDARD


class MailTemplate(Base):
    __tablename__ = "mail_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), default=MailKind.GENERAL)
    subject: Mapped[str] = mapped_column(String(200), default="")
    mail_from: Mapped[str] = mapped_column(String(254), default="")
    body: Mapped[str] = mapped_column(Text, default="")

    @property
    def kind_enum(self) -> MailKind:
        return MailKind(self.kind)

    @classmethod
    def for_kind(cls, session: Session, kind: MailKind) -> MailTemplate | None:
        return session.scalar(select(cls).where(cls.kind == kind).order_by(cls.id).limit(1))


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # permanently; last_error holds the server's answer
    CANCELLED = "cancelled"


# Links in a mail body, and the secret-looking parts of their paths and queries: the
# tokens of confirmation, password reset, address change and unsubscribe links.
_LINK = re.compile(r"(https?://[^/\s<>\"']+)([^\s<>\"']*)")
_TOKEN = re.compile(r"[A-Za-z0-9_\-~.]{20,}")
MASK = "********"


def mask_link_tokens(body: str) -> str:
    """``body`` with the token of every link masked (``…/order/confirm/********``).

    A sent mail's stored copy (outbox, メール送信履歴) must not let whoever reads the
    database or the admin screens use the links it carried; host and path stay, so the
    record still says what was sent.
    """
    return _LINK.sub(lambda m: m.group(1) + _TOKEN.sub(MASK, m.group(2)), body)


class OutboxMessage(Base):
    """One mail to one recipient, waiting for (or done with) the worker."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    status: Mapped[str] = mapped_column(String(20), default=OutboxStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    kind: Mapped[str] = mapped_column(String(30), default=MailKind.GENERAL)
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="SET NULL"), index=True
    )
    mail_from: Mapped[str] = mapped_column(String(254))
    mail_to: Mapped[str] = mapped_column(String(254))
    cc: Mapped[str] = mapped_column(String(1000), default="")
    bcc: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # ShopSettings.legacy_mail_carriers as it was when the mail was queued: the mail
    # profile it is built in, so changing メール設定 never alters mail already queued.
    legacy_mail_carriers: Mapped[str] = mapped_column(String(60), default="")

    def mail_profile(self, carrier: str) -> MailProfileName:
        """The profile this mail goes in when its recipient is on ``carrier``."""
        return chosen_profile(self.legacy_mail_carriers, carrier)


class MailLog(Base):
    """メール送信履歴: a mail that was sent about an order, with its whole text."""

    __tablename__ = "mail_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    sent_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    mail_from: Mapped[str] = mapped_column(String(254))
    mail_to: Mapped[str] = mapped_column(String(254))
    cc: Mapped[str] = mapped_column(String(1000), default="")
    bcc: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)


def queue_mail(
    session: Session,
    *,
    to: str,
    mail_from: str,
    subject: str,
    body: str,
    cc: str = "",
    bcc: str = "",
    kind: MailKind = MailKind.GENERAL,
    order_id: int | None = None,
) -> OutboxMessage:
    """Put one mail in the outbox (part of the caller's transaction), to go in the
    mail profile the shop has chosen now for the recipient's carrier.

    The From of the shop's mail gets the shop's 送信者名 (設定) as its display name here,
    where every order and shop mail passes; a メルマガ keeps the FROM written on it.
    """
    from .shop import ShopSettings

    settings = ShopSettings.load(session)
    if kind != MailKind.NEWSLETTER:
        mail_from = settings.sender(mail_from)
    message = OutboxMessage(
        mail_to=to,
        mail_from=mail_from,
        subject=subject,
        body=body,
        cc=cc,
        bcc=bcc,
        kind=kind,
        order_id=order_id,
        legacy_mail_carriers=settings.legacy_mail_carriers,
    )
    session.add(message)
    return message


def queue_order_mail(
    session: Session, order, kind: MailKind, extra: dict[str, str] | None = None
) -> OutboxMessage | None:
    """Queue the ``kind`` template filled in for ``order`` to its purchaser.

    Returns None when the shop has no template of that kind (nothing to send).
    """
    template = MailTemplate.for_kind(session, kind)
    if template is None:
        return None
    return queue_template_mail(session, order, template, extra)


def queue_template_mail(session: Session, order, template: MailTemplate,
                        extra: dict[str, str] | None = None) -> OutboxMessage:
    """Queue ``template`` filled in for ``order`` to its purchaser (kind: the template's)."""
    from .shop import ShopSettings

    settings = ShopSettings.load(session)
    values = order_merge_values(order, settings, extra)
    session.flush()  # the order needs its id for the log
    return queue_mail(
        session,
        to=order.purchaser_email,
        mail_from=template.mail_from or settings.mail_from,
        subject=render_merge(template.subject, values),
        body=render_merge(template.body, values),
        bcc=settings.mail_bcc,
        kind=template.kind_enum,
        order_id=order.id,
    )
