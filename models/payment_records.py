"""The shop's own records of card money: the authorisations shoppers made, and the
決済ログ (payment log) of every authorisation, capture, void and refund.

An authorisation is single-use and bound to one order and one amount, in the
database so that every app server agrees. The card page records it ``open`` with the
amount it was made for; 注文する claims it for the order it places with one
conditional ``UPDATE`` (open, this amount → claimed by this order). A second order, a
replayed session cookie or a changed total finds nothing to claim and is refused. An
authorisation nobody claimed is released (and voided at the gateway by whoever
released it) when the shopper changes the order, is refused, or walks away.

These rules only record; the gateway is called by ``ktaishop.payment``.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from .base import Base, now
from .errors import DomainError

NOT_AUTHORIZED = "カードの承認が見つかりません。もう一度カード情報を入力してください。"
AMOUNT_CHANGED = "ご注文金額が変わりました。もう一度カード情報を入力してください。"


class AuthorisationRefused(DomainError):
    """注文する found no open authorisation of the order's amount: ask for the card again."""


class AuthorisationState(enum.StrEnum):
    OPEN = "open"  # made on the card page, waiting for 注文する
    CLAIMED = "claimed"  # belongs to one order (``order_id``) for good
    RELEASED = "released"  # given up before any order claimed it; voided at the gateway


class PaymentAction(enum.StrEnum):
    """What a line of the 決済ログ records, in the words 詳細 shows."""

    AUTHORISE = "与信"
    CAPTURE = "売上確定"
    VOID = "与信取消"
    REFUND = "返金"


class CardAuthorisation(Base):
    """One authorisation as the shop knows it (the gateway keeps its own books)."""

    __tablename__ = "card_authorisations"

    reference: Mapped[str] = mapped_column(String(100), primary_key=True)
    amount: Mapped[int] = mapped_column(Integer)
    last4: Mapped[str] = mapped_column(String(4), default="")
    state: Mapped[str] = mapped_column(String(10), default=AuthorisationState.OPEN, index=True)
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="SET NULL"), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now, index=True)


class PaymentRecord(Base):
    """A line of the 決済ログ: written once, with the change it records."""

    __tablename__ = "payment_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=now)
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="SET NULL"), index=True)
    reference: Mapped[str] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(10))
    amount: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(String(200), default="")


def log_payment(session: Session, action: PaymentAction, reference: str, amount: int,
                actor: str, order_id: int | None = None, note: str = "") -> PaymentRecord:
    """Add a line to the 決済ログ (part of the caller's transaction)."""
    record = PaymentRecord(action=action, reference=reference, amount=amount,
                           actor=actor[:100], order_id=order_id, note=note[:200])
    session.add(record)
    return record


def record_authorisation(session: Session, reference: str, amount: int, last4: str,
                         actor: str) -> CardAuthorisation:
    """An authorisation the gateway just gave, open for one 注文する of ``amount`` yen."""
    authorisation = CardAuthorisation(reference=reference, amount=amount, last4=last4)
    session.add(authorisation)
    log_payment(session, PaymentAction.AUTHORISE, reference, amount, actor)
    return authorisation


def claim_authorisation(session: Session, reference: str, order_id: int, total: int) -> None:
    """Bind an open authorisation of exactly ``total`` yen to the order, for good.

    One conditional UPDATE, so two requests (two app servers, a replayed cookie) can
    never both claim it. :raise AuthorisationRefused: with ``AMOUNT_CHANGED`` when it
    was made for another amount, else ``NOT_AUTHORIZED`` (unknown, used or released).
    """
    claimed = session.execute(
        update(CardAuthorisation)
        .where(CardAuthorisation.reference == reference,
               CardAuthorisation.state == AuthorisationState.OPEN,
               CardAuthorisation.amount == total)
        .values(state=AuthorisationState.CLAIMED, order_id=order_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed == 1:
        session.execute(update(PaymentRecord).where(
            PaymentRecord.reference == reference, PaymentRecord.order_id.is_(None)
        ).values(order_id=order_id).execution_options(synchronize_session=False))
        return
    amount = session.scalar(select(CardAuthorisation.amount).where(
        CardAuthorisation.reference == reference,
        CardAuthorisation.state == AuthorisationState.OPEN))
    raise AuthorisationRefused(AMOUNT_CHANGED if amount is not None else NOT_AUTHORIZED)


def release_authorisation(session: Session, reference: str) -> int | None:
    """Give up an authorisation no order claimed; its amount when this call released it
    (the caller then voids it at the gateway), else None. A claimed one stays claimed."""
    if not reference:
        return None
    return session.scalar(
        update(CardAuthorisation)
        .where(CardAuthorisation.reference == reference,
               CardAuthorisation.state == AuthorisationState.OPEN)
        .values(state=AuthorisationState.RELEASED)
        .returning(CardAuthorisation.amount)
        .execution_options(synchronize_session=False))


def release_stale_authorisations(session: Session, made_before: datetime) -> list[tuple[str, int]]:
    """Release every open authorisation made before ``made_before`` (a checkout left
    half-way); returns (reference, amount) of each, for the caller to void."""
    rows = session.execute(
        update(CardAuthorisation)
        .where(CardAuthorisation.state == AuthorisationState.OPEN,
               CardAuthorisation.created_at < made_before)
        .values(state=AuthorisationState.RELEASED)
        .returning(CardAuthorisation.reference, CardAuthorisation.amount)
        .execution_options(synchronize_session=False)
    ).all()
    return [(reference, amount) for reference, amount in rows]


def payment_log(session: Session, order_id: int) -> list[PaymentRecord]:
    """The order's 決済ログ, oldest first."""
    return list(session.scalars(select(PaymentRecord).where(PaymentRecord.order_id == order_id)
                                .order_by(PaymentRecord.at, PaymentRecord.id)))
