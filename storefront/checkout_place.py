"""The confirmation page, 注文する (one order per checkout token) and the done page.

Post/redirect/get plus the order's unique ``checkout_token``: pressing 注文する twice,
reloading, or two requests racing each other end on the same order. Out of stock
rolls everything back and names the item.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import date
from typing import Any

from flask import current_app, request, session, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from carrier_compat.flask import regenerate_session
from ktaishop.clients import hold_client
from ktaishop.extensions import db
from ktaishop.payment import PaymentDeclined, charge_placed_order, claim_card
from models import (
    AuthorisationRefused,
    CheckoutDetails,
    DomainError,
    Order,
    OrderStatus,
    PaymentMethod,
    Person,
    QuoteChanged,
    place_order,
)
from models.payment_records import AMOUNT_CHANGED
from models.quote import QUOTE_CHANGED

from . import bp, cart_store
from .checkout import _need, clean_options, drop_card, quote_for, save_state, state
from .common import carrier_name, current_member, flash_message, redirect_to, render
from .member_mail import ensure_guest_link_mail


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute URL on the shop's BASE_URL (for mails)."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def _person(values: dict[str, str]) -> Person:
    return Person(**{k: values.get(k, "") for k in ("name", "kana", "tel", "email",
                                                    "zip_code", "address")})


def details_from(st: dict[str, Any], token: str) -> CheckoutDetails:
    member = current_member()
    recipient = None if st.get("same", True) else _person(st.get("recipient") or {})
    card = st.get("card") or {}
    return CheckoutDetails(
        purchaser=_person(st["purchaser"]),
        recipient=recipient,
        delivery_date=date.fromisoformat(st["date"]) if st.get("date") else None,
        delivery_time=st.get("time", ""),
        wrapping=st.get("wrapping", ""),
        note=st.get("note", ""),
        payment=PaymentMethod(st["payment"]),
        payment_reference=card.get("reference", ""),
        carrier=carrier_name(),
        member_id=member.id if member else None,
        checkout_token=token,
        hold_client=hold_client() if member is None else None,
    )


@bp.route("/checkout/confirm")
def checkout_confirm() -> Response | str:
    st = state()
    if (early := _need(st, "purchaser", "recipient", "options")) is not None:
        return early
    if (early := _options_gone(st)) is not None:
        return early
    if st["payment"] == PaymentMethod.CARD and not st.get("card"):
        return redirect_to("storefront.checkout_card")
    rows = cart_store.rows()
    if not rows:
        return redirect_to("storefront.cart")
    if ended := [row.product.name for row in rows if row.product.sale_ended()]:
        flash_message("「" + "」「".join(ended) + "」は販売期限を過ぎたため、ご購入いただけません。"
                      "カートから削除してください。")
        return redirect_to("storefront.cart")
    quote = quote_for(st)
    card = st.get("card")
    if card and card.get("amount") != quote.total:
        # The cart or a price changed since the card was authorised: a new
        # authorisation for the new total, the old one released.
        drop_card(st, "ご注文金額の変更")
        save_state(st)
        flash_message(AMOUNT_CHANGED)
        return redirect_to("storefront.checkout_card")
    fingerprint = _fingerprint(st)
    if (not st.get("token") or st.get("fingerprint") != fingerprint
            or st.get("quote") != quote.digest()):
        # A new token for what this page shows: 注文する on an older page is refused.
        st.update(token=secrets.token_urlsafe(24), fingerprint=fingerprint, quote=quote.digest())
        save_state(st)
    return render("checkout/confirm.html", st=st, rows=rows, fees=quote.fees, tax=quote.tax,
                  guest=current_member() is None)


def _options_gone(st: dict[str, Any]) -> Response | None:
    """Back to 配送・決済 when a chosen day, time slot or 包装 is no longer offered."""
    if clean_options(st).ok:
        return None
    flash_message("お選びの配送希望日・時間帯・包装オプションは選べなくなりました。選び直してください。")
    return redirect_to("storefront.checkout_options")


def _fingerprint(st: dict[str, Any]) -> str:
    """A digest of the cart and the entered details (the figures are ``st["quote"]``)."""
    shown = {k: v for k, v in st.items() if k not in ("token", "fingerprint", "quote")}
    lines = [(line.variant_id, line.quantity) for line in cart_store.cart_lines()]
    data = json.dumps([lines, shown], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(data.encode()).hexdigest()


def _order_for_token(token: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.checkout_token == token))


def _finished(order: Order) -> Response:
    """Order placed: the shopper's details leave the session, which moves to a new key;
    the done page shows no personal data (a copied key must learn nothing here)."""
    cart_store.clear()
    session.pop("checkout", None)
    session["done_order"] = order.id
    # A second press of 注文する still names the old key: it may find the order, and
    # only that (the done page shows no personal data).
    regenerate_session(leave={"done_order": order.id, "csrf_token": session.get("csrf_token")})
    return redirect_to("storefront.checkout_done")


@bp.route("/checkout/place", methods=["POST"])
def checkout_place() -> Response:
    token = request.form.get("checkout_token", "")
    existing = _order_for_token(token) if token else None
    if existing is not None:
        return _finished(existing)
    st = state()
    if (early := _need(st, "purchaser", "recipient", "options")) is not None:
        return early
    if (not token or token != st.get("token") or st.get("fingerprint") != _fingerprint(st)
            or not clean_options(st).ok):
        flash_message("画面が古くなっています。内容を確認して、もう一度「注文する」を押してください。")
        return redirect_to("storefront.checkout_confirm")
    if quote_for(st).digest() != st.get("quote"):  # a price, fee or rate changed meanwhile
        flash_message(QUOTE_CHANGED)
        return redirect_to("storefront.checkout_confirm")
    try:
        order = _place(st, token)
    except (IntegrityError, DomainError, PaymentDeclined) as error:
        db.session.rollback()
        # A parallel request with the same checkout token may have won: show that order.
        existing = _order_for_token(token)
        if existing is not None:
            return _finished(existing)
        return _refused(st, error)
    return _finished(order)


def _refused(st: dict[str, Any], error: Exception) -> Response:
    """Nothing was ordered: say why, and release the card's authorisation unless the
    figures merely changed (the confirmation page then asks for it again if needed)."""
    if isinstance(error, QuoteChanged):
        flash_message(error.message)
        return redirect_to("storefront.checkout_confirm")
    if isinstance(error, AuthorisationRefused | PaymentDeclined):
        drop_card(st, "注文できなかったため")
        save_state(st)
        flash_message(error.message)
        return redirect_to("storefront.checkout_card")
    if isinstance(error, DomainError):  # OutOfStock names the item
        drop_card(st, "注文できなかったため")
        save_state(st)
        flash_message(error.message)
        return redirect_to("storefront.cart")
    raise error


def _place(st: dict[str, Any], token: str) -> Order:
    def confirm_url(raw: str) -> str:
        return external_url("storefront.confirm_order", token=raw)

    placed = place_order(db.session, cart_store.cart_lines(), details_from(st, token),
                         guest=current_member() is None, confirm_url_for=confirm_url,
                         confirmed=st["quote"])
    order = placed.order
    if placed.confirm_token is not None:
        ensure_guest_link_mail(order, confirm_url(placed.confirm_token))
    if order.payment_method == PaymentMethod.CARD:
        # The authorisation is this order's alone, for its exact total; a guest's is
        # charged when the link is confirmed, anyone else's now.
        claim_card(db.session, order, order.payment_reference)
        if not order.card_awaiting_capture:
            charge_placed_order(db.session, order, order.purchaser_email)
    db.session.commit()
    return order


@bp.route("/checkout/done")
def checkout_done() -> Response | str:
    order = db.session.get(Order, session.get("done_order") or 0)
    if order is None:
        return redirect_to("storefront.top")
    provisional = order.status == OrderStatus.PROVISIONAL
    return render("checkout/done.html", order=order, provisional=provisional)
