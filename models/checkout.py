"""Placing an order and confirming a guest's 仮注文: stock, fees, numbers and tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .base import now
from .catalog import Variant
from .errors import DomainError
from .holds import check_hold_limit
from .mail import MailKind, queue_order_mail
from .numbering import next_order_no
from .orders import Order, OrderItem, Package
from .quote import QUOTE_CHANGED, QuoteChanged, quote_order
from .shop import ShopSettings
from .statuses import OrderStatus, PaymentMethod


@dataclass(frozen=True)
class CartLine:
    variant_id: int
    quantity: int


@dataclass
class Person:
    """注文者 or 配送先 as entered at checkout."""

    name: str
    kana: str = ""
    tel: str = ""
    email: str = ""
    zip_code: str = ""
    address: str = ""


@dataclass
class CheckoutDetails:
    purchaser: Person
    recipient: Person | None = None  # None: same as the purchaser
    delivery_date: date | None = None
    delivery_time: str = ""
    wrapping: str = ""
    note: str = ""
    payment: PaymentMethod = PaymentMethod.COD
    payment_reference: str = ""
    carrier: str = "pc"
    member_id: int | None = None
    checkout_token: str | None = None
    hold_client: str | None = None  # who a guest's 仮注文 is held for (models.holds)
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PlacedOrder:
    order: Order
    confirm_token: str | None  # the raw token for a guest's confirmation URL, mailed once


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def place_order(
    session: Session,
    lines: list[CartLine],
    details: CheckoutDetails,
    *,
    guest: bool,
    confirm_url_for: Callable[[str], str] = str,
    confirmed: str | None = None,
) -> PlacedOrder:
    """Reserve stock, number the order and queue its mail.

    A guest's order is a 仮注文 awaiting the mailed confirmation link unless the shop
    turned confirmation off; a member's order is 注文完了 at once. Raises OutOfStock
    (naming the item) or DomainError (also when the guest already holds the most
    仮注文 allowed, models.holds); the caller rolls back on any error.
    ``confirm_url_for`` turns the guest's raw token into the URL put in the mail.
    ``confirmed`` is the digest of the quote the shopper confirmed (``models.quote``):
    an order that would differ from it raises QuoteChanged and is not placed.
    """
    if not lines:
        raise DomainError("カートに商品がありません。")
    settings = ShopSettings.load(session)
    if guest and settings.guest_confirmation:
        check_hold_limit(session, settings, details.purchaser.email, details.hold_client)
    ordered_at = now()
    order = _new_order(details, ordered_at)
    order.tax_rounding = settings.tax_rounding  # kept: 訂正 later rounds the same way
    for line in lines:
        order.items.append(_reserve_line(session, line, ordered_at))
    order.recompute_totals(settings)  # the fee rules it is placed under are kept on it
    if confirmed is not None and quote_order(order).digest() != confirmed:
        raise QuoteChanged(QUOTE_CHANGED)
    if order.payment is PaymentMethod.CARD:
        order.charge_at_checkout(ordered_at)  # a guest awaiting confirmation is held below
    order.order_no = next_order_no(session, ordered_at)
    session.add(order)
    order.events.append(_placed_event(order, guest))
    if guest and settings.guest_confirmation:
        if order.payment is PaymentMethod.CARD:
            order.hold_card_payment()  # captured only when the guest confirms
        token = secrets.token_urlsafe(32)  # 256 bits
        order.confirm_token_digest = token_digest(token)
        order.confirm_expires_at = ordered_at + timedelta(hours=settings.confirmation_hours)
        session.flush()
        links = {
            "confirm_url": confirm_url_for(token),
            "confirm_expires": f"{order.confirm_expires_at:%Y-%m-%d %H:%M}",
        }
        queue_order_mail(session, order, MailKind.GUEST_CONFIRMATION, details.extra | links)
        return PlacedOrder(order, token)
    order.status = OrderStatus.COMPLETED
    session.flush()
    queue_order_mail(session, order, MailKind.ORDER_CONFIRMATION, details.extra)
    return PlacedOrder(order, None)


def _new_order(details: CheckoutDetails, ordered_at: datetime) -> Order:
    buyer = details.purchaser
    to = details.recipient or buyer
    return Order(
        ordered_at=ordered_at,
        status=OrderStatus.PROVISIONAL,
        member_id=details.member_id,
        carrier=details.carrier,
        purchaser_name=buyer.name, purchaser_kana=buyer.kana, purchaser_tel=buyer.tel,
        purchaser_email=buyer.email, purchaser_zip=buyer.zip_code,
        purchaser_address=buyer.address,
        recipient_name=to.name, recipient_kana=to.kana, recipient_tel=to.tel,
        recipient_zip=to.zip_code, recipient_address=to.address,
        delivery_date=details.delivery_date, delivery_time=details.delivery_time,
        wrapping=details.wrapping, note=details.note,
        payment_method=details.payment, payment_reference=details.payment_reference,
        checkout_token=details.checkout_token, hold_client=details.hold_client,
        package=Package(),
    )


def _reserve_line(session: Session, line: CartLine, at: datetime) -> OrderItem:
    variant = session.get(Variant, line.variant_id)
    product = variant.product if variant else None
    if variant is None or product is None or product.deleted or not product.published:
        raise DomainError("カートの商品が見つかりません。カートを確認してください。")
    if product.sale_ended(at):
        raise DomainError(f"「{product.name}」は販売期限を過ぎたため、ご購入いただけません。"
                          "カートから削除してください。")
    item = OrderItem(
        product_id=product.id, variant_id=variant.id, code=product.code, name=product.name,
        option_text=variant.option_text, unit_price=product.price, quantity=line.quantity,
        tax_rate=product.tax_rate,
    )
    item.reserve(session)
    return item


def _placed_event(order: Order, guest: bool):
    from .orders import OrderEvent

    who = "ゲスト" if guest else "会員"
    return OrderEvent(actor=order.purchaser_email, action=f"{who}が注文")


def find_by_confirm_token(session: Session, token: str) -> Order | None:
    """The 仮注文 a confirmation token belongs to (expired or not), or None."""
    return session.scalar(
        select(Order).where(Order.confirm_token_digest == token_digest(token))
    )


EXPIRED_REASON = "確認期限切れの仮注文を取消"


def expired_provisional_orders(session: Session, at: datetime | None = None) -> list[Order]:
    """仮注文 whose confirmation link has expired, locked for cancelling (``EXPIRED_REASON``).

    Rows another transaction holds are skipped (PostgreSQL): two expiry runs at once
    never cancel one order twice. Cancelling them, and voiding their card holds, is the
    caller's (``ktaishop.payment.cancel_orders``).
    """
    return list(session.scalars(
        select(Order)
        .where(Order.status == OrderStatus.PROVISIONAL, Order.confirm_expires_at < (at or now()))
        .options(selectinload(Order.items), selectinload(Order.package))
        .with_for_update(of=Order, skip_locked=True)
    ).all())
