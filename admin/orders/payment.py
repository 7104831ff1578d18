"""決済 on 詳細: 売上確定 (capture) and 与信取消 (void) of an authorised card order, and
返金 of an order left 返金待ち.

A guest's card is authorised at 注文する and charged when the mailed link is confirmed.
The shop can do either itself: 売上確定 charges the order's exact total (a 仮注文 then
becomes 注文完了, as its link would have made it); 与信取消 releases the authorisation
and cancels the order, the one way every cancellation goes (stock back). 返金 sends
back what an order cancelled before refunds were automatic (返金待ち) is owed. Each is
on the order's 履歴, the 決済ログ and the 操作ログ.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, url_for
from werkzeug.wrappers import Response

from admin import bp
from admin.common.audit import audit
from admin.common.records import actor, order_or_404
from ktaishop.extensions import db
from ktaishop.payment import PaymentDeclined, cancel_order, capture_order, refund_due_order
from models import DomainError, Order, OrderStatus
from models.order_payment import PAYMENT_AUTHORISED, PAYMENT_DONE

from .forms import ActionForm

VOID_REASON = "与信取消（注文を取消）"


def money_moved(order: Order, status_before: str, refunded_before: int) -> str:
    """What an admin action just did to the order's money, for the 操作ログ (「」 if nothing)."""
    parts = []
    if status_before == PAYMENT_AUTHORISED and order.payment_status == PAYMENT_DONE:
        parts.append(f"売上確定 {order.paid_amount:,}円")
    if status_before == PAYMENT_AUTHORISED and order.payment_status != status_before \
            and order.payment_status != PAYMENT_DONE:
        parts.append(f"与信取消 {order.authorised_amount:,}円")
    if order.refunded_amount > refunded_before:
        parts.append(f"返金 {order.refunded_amount - refunded_before:,}円")
    return f"（{'、'.join(parts)}）" if parts else ""


def payment_action(order_id: int, act: Callable[[Order], str]) -> Response:
    """Run ``act`` on the locked order (it returns the notice to show) and commit; a refusal
    rolls everything back and says why. Back to the order's 詳細 either way."""
    if not ActionForm().validate_on_submit():
        abort(400)
    order = order_or_404(order_id, lock=True)
    try:
        done = act(order)
        db.session.commit()
    except (DomainError, PaymentDeclined) as error:
        db.session.rollback()
        flash(f"注文番号{order.order_no}: {error.message}", "error")
    else:
        flash(done, "info")
    return redirect(url_for("admin.orders_detail", order_id=order_id))


@bp.route("/orders/<id:order_id>/capture", methods=["POST"])
def orders_capture(order_id: int) -> Response:
    """売上確定: charge an authorised card its order's total; a 仮注文 becomes 注文完了."""

    def capture(order: Order) -> str:
        capture_order(db.session, order, actor())
        if order.status == OrderStatus.PROVISIONAL:
            order.confirm(db.session, actor())
        audit("order_payment", order.order_no, f"売上確定 {order.paid_amount:,}円")
        return f"注文番号{order.order_no}の売上を確定しました（{order.paid_amount:,}円）。"

    return payment_action(order_id, capture)


@bp.route("/orders/<id:order_id>/void", methods=["POST"])
def orders_void(order_id: int) -> Response:
    """与信取消: release the authorisation, and with it the order (キャンセル, stock back)."""

    def void(order: Order) -> str:
        if not order.card_awaiting_capture:
            raise DomainError("与信済のカード決済ではありません。")
        amount = order.authorised_amount or order.total
        cancel_order(db.session, order, actor(), VOID_REASON)
        audit("order_payment", order.order_no, f"与信取消 {amount:,}円（注文を取消）")
        return f"注文番号{order.order_no}の与信を取り消し、注文を取り消しました。"

    return payment_action(order_id, void)


@bp.route("/orders/<id:order_id>/refund", methods=["POST"])
def orders_refund(order_id: int) -> Response:
    """返金: the amount a 返金待ち order is owed goes back to the card now."""

    def refund(order: Order) -> str:
        amount = refund_due_order(db.session, order, actor())
        audit("order_payment", order.order_no, f"返金 {amount:,}円（返金待ち）")
        return f"注文番号{order.order_no}の返金待ちの金額（{amount:,}円）を返金しました。"

    return payment_action(order_id, refund)
