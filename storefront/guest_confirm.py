"""The guest's confirmation link: 仮注文 → 注文完了, exactly once.

GET shows the order and a 注文を確定する button (opening a link must not act: mail
scanners and prefetchers open links too). POST locks the order row with a conditional
``SELECT ... FOR UPDATE`` on the token digest and status; a second or parallel
confirmation finds nothing to confirm and says so. One order, one 受注確認 mail. A card
order is captured (its exact total) before it becomes 注文完了; a refused capture
confirms nothing.
"""

from __future__ import annotations

from flask import session
from sqlalchemy import select
from werkzeug.wrappers import Response

from ktaishop.extensions import db
from ktaishop.payment import PaymentDeclined, capture_order
from models import DomainError, Order, OrderStatus, find_by_confirm_token, now
from models.checkout import token_digest

from . import bp
from .common import redirect_to, render

MAX_TOKEN_LENGTH = 100


def _provisional(token: str, *, lock: bool = False) -> Order | None:
    if len(token) > MAX_TOKEN_LENGTH:
        return None
    query = select(Order).where(
        Order.confirm_token_digest == token_digest(token),
        Order.status == OrderStatus.PROVISIONAL,
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def _expired(order: Order) -> bool:
    return order.confirm_expires_at is not None and order.confirm_expires_at <= now()


@bp.route("/order/confirm/<token>")
def confirm_order(token: str) -> str:
    order = _provisional(token)
    if order is not None and not _expired(order):
        return render("confirm/show.html", order=order, token=token)
    # Expired, or already cancelled by the expiry job (confirming clears the digest,
    # cancelling does not): explain the expiry rather than call the link wrong.
    lapsed = order or (find_by_confirm_token(db.session, token)
                       if len(token) <= MAX_TOKEN_LENGTH else None)
    if lapsed is not None and _expired(lapsed):
        return render("confirm/expired.html", order=lapsed)
    return render("confirm/invalid.html")


@bp.route("/order/confirm/<token>", methods=["POST"])
def confirm_order_post(token: str) -> Response | str:
    order = _provisional(token, lock=True)
    if order is None:
        db.session.rollback()
        return render("confirm/invalid.html")
    if _expired(order):
        db.session.rollback()
        return render("confirm/expired.html", order=order)
    try:
        if order.card_awaiting_capture:
            capture_order(db.session, order, "ゲスト（確認URL）")
        order.confirm(db.session, "ゲスト（確認URL）")
    except (PaymentDeclined, DomainError) as refused:
        db.session.rollback()
        return render("confirm/invalid.html", message=refused.message)
    db.session.commit()
    session["done_order"] = order.id
    return redirect_to("storefront.checkout_done")
