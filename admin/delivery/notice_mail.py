"""出荷通知メール送信 (P22): one notice per 出荷済 package, never two, failures stay 出荷済.

Each order is handled in a transaction of its own:

1. claim the package with a conditional UPDATE (``... WHERE status = 'shipped'``): on
   PostgreSQL the row lock makes a second sender (another browser, a double click)
   wait and then match nothing, because the row it finds is 出荷通知済 by then; on
   SQLite every transaction is ``BEGIN IMMEDIATE`` (ktaishop.db), so it waits too;
2. queue the 出荷通知 template for the order and deliver that outbox row at once
   with ``ktaishop.mail.outbox.send_now`` (it is marked sent and logged on the order);
3. on success ``Order.mark_shipping_notified`` (出荷通知済, order 完了) and commit; on
   failure commit only the failed outbox row: the package stays 出荷済, is reported,
   and is tried again the next time the button is pressed.

A big batch is sent in slices (``send_notices(..., limit=...)``), one request each,
so the screen can show progress; ``after_id`` carries on where the last slice ended.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from ktaishop.mail.outbox import send_now
from ktaishop.mail.transport import Transport, transport_from_url
from models import MailKind, MailTemplate, Order, OrderStatus, Package, PackageStatus
from models.mail import queue_order_mail

SLICE = 20  # orders per request: each waits for its mail server's answer


@dataclass
class NoticeOutcome:
    order_id: int
    order_no: str
    mail_to: str
    error: str | None = None  # None: sent


@dataclass
class NoticeBatch:
    sent: list[NoticeOutcome] = field(default_factory=list)
    failed: list[NoticeOutcome] = field(default_factory=list)
    last_id: int = 0  # the highest order id looked at (the next slice starts after it)
    remaining: int = 0  # 出荷済 packages after ``last_id`` still to do


def _shipped(after_id: int):
    return (
        select(Order.id).join(Order.package)
        .where(Package.status == PackageStatus.SHIPPED, Order.status == OrderStatus.INSTRUCTED,
               Order.id > after_id)
    )


def shipped_orders(session: Session, limit: int = 1000) -> list[Order]:
    """The orders whose notice is due (for the confirm screen), oldest first."""
    ids = session.scalars(_shipped(0).order_by(Order.id).limit(limit)).all()
    return list(session.scalars(select(Order).where(Order.id.in_(ids))
                                .options(selectinload(Order.package)).order_by(Order.id)))


def count_shipped(session: Session, after_id: int = 0) -> int:
    return session.scalar(select(func.count()).select_from(_shipped(after_id).subquery())) or 0


def has_template(session: Session) -> bool:
    return MailTemplate.for_kind(session, MailKind.SHIPPING_NOTICE) is not None


def send_notices(session: Session, actor: str, *, after_id: int = 0,
                 limit: int = SLICE) -> NoticeBatch:
    """Notify up to ``limit`` 出荷済 orders with ids above ``after_id``; commits each."""
    session.commit()  # end the request's read transaction: each order gets its own
    ids = session.scalars(_shipped(after_id).order_by(Order.id).limit(limit)).all()
    session.rollback()
    batch = NoticeBatch(last_id=after_id)
    transport = transport_from_url(current_app.config["MAIL_URL"])  # one connection
    try:
        for order_id in ids:
            outcome = notify_order(session, order_id, actor, transport)
            if outcome is not None:
                (batch.sent if outcome.error is None else batch.failed).append(outcome)
            batch.last_id = order_id
    finally:
        transport.close()
    batch.remaining = count_shipped(session, batch.last_id)
    session.rollback()
    return batch


def notify_order(session: Session, order_id: int, actor: str,
                 transport: Transport | None = None) -> NoticeOutcome | None:
    """Send one order's 出荷通知 and commit; None when another sender already has it."""
    claimed = session.execute(
        update(Package)
        .where(Package.order_id == order_id, Package.status == PackageStatus.SHIPPED)
        # Same value on purpose: the UPDATE is the claim (it takes the row lock, and
        # matches nothing once someone else has made the package 出荷通知済).
        .values(status=PackageStatus.SHIPPED)
        .execution_options(synchronize_session=False)
    ).rowcount
    order = session.scalar(
        select(Order).where(Order.id == order_id)
        .options(selectinload(Order.items), selectinload(Order.package),
                 selectinload(Order.events))
        .execution_options(populate_existing=True)
    )
    if claimed != 1 or order is None or order.status != OrderStatus.INSTRUCTED:
        session.rollback()
        return None
    message = queue_order_mail(session, order, MailKind.SHIPPING_NOTICE)
    if message is None:
        session.rollback()
        return NoticeOutcome(order.id, order.order_no, order.purchaser_email,
                             "出荷通知のメールテンプレートがありません。")
    error = send_now(session, message, transport)
    if error is None:
        order.mark_shipping_notified(actor)
    outcome = NoticeOutcome(order.id, order.order_no, order.purchaser_email, error)
    session.commit()
    return outcome
