"""注文 (P7–P11, P24, P25): 注文一覧 and its search, 詳細, 取消 and 訂正, and 在庫の確保を解除
of a 仮注文 (issue #13: the owner sees and releases stock held by unconfirmed orders).

メール送信 is in ``mail``, the two CSV downloads in ``downloads``, 納品書 in ``invoices``.

Views are thin: every change goes through a rule on ``Order`` and the request commits;
a rule's refusal (TransitionError, OutOfStock) is shown as its Japanese message with
nothing half-applied.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from admin import bp
from admin.common.audit import audit
from admin.common.csv_write import ENCODINGS
from admin.common.records import actor, order_or_404
from ktaishop.extensions import db
from ktaishop.payment import (
    PaymentDeclined,
    cancel_order,
    capture_before_completing,
    settle_cancellation,
    settle_item_changes,
)
from models import DomainError, MailKind, MailLog, MailTemplate, Order, OrderStatus, OutOfStock
from models.payment_records import payment_log

from .forms import ActionForm, BulkForm, CorrectForm, DownloadForm
from .payment import money_moved
from .search import (
    BUYER_CHOICES,
    CARRIER_CHOICES,
    PAGE_SIZE,
    PAYMENT_CHOICES,
    STATUS_CHOICES,
    OrderSearch,
    page_count,
)

HOLD_RELEASED = "在庫の確保を解除（仮注文を取消）"


def _back_to_list(target: str | None) -> str:
    """Where a list action returns: the 注文 or 配送 list with its search, never another
    site (取消 is on both lists)."""
    lists = ("/admin/orders", "/admin/delivery")
    if target and target.startswith(lists) and "//" not in target and "\\" not in target:
        return target
    return url_for("admin.orders")


# -- 注文一覧 (P7, P8, P25) ----------------------------------------------------------------


@bp.route("/orders")
def orders():
    search = OrderSearch.from_args(request.args)
    total, rows = search.run(db.session)
    return render_template(
        "admin/orders/list.html", search=search, orders=rows, total=total,
        pages=page_count(total), page_size=PAGE_SIZE, payment_choices=PAYMENT_CHOICES,
        status_choices=STATUS_CHOICES, encodings=ENCODINGS, action_form=ActionForm(),
        download_form=DownloadForm(), next_url=request.full_path.rstrip("?"),
        carrier_choices=CARRIER_CHOICES, buyer_choices=BUYER_CHOICES, bulk_form=BulkForm(),
        mail_templates=db.session.scalars(
            select(MailTemplate).where(MailTemplate.kind != MailKind.NEWSLETTER)
            .order_by(MailTemplate.id)).all(),
    )


# -- 詳細 (P9), 取消 (P11), 訂正 (P10, P24) -------------------------------------------------


@bp.route("/orders/<id:order_id>")
def orders_detail(order_id: int):
    order = order_or_404(order_id)
    mails = db.session.scalars(
        select(MailLog).where(MailLog.order_id == order.id).order_by(MailLog.sent_at, MailLog.id)
    ).all()
    back = _back_to_list(request.args.get("back"))  # 戻る: the list and search it came from
    return render_template("admin/orders/detail.html", order=order, mails=mails, back=back,
                           payments=payment_log(db.session, order.id), action_form=ActionForm())


@bp.route("/orders/<id:order_id>/mails/<id:log_id>")
def orders_mail_log(order_id: int, log_id: int):
    """One mail of メール送信履歴, whole."""
    mail = db.session.get(MailLog, log_id)
    if mail is None or mail.order_id != order_id:
        abort(404)
    return render_template("admin/orders/mail_log.html", order=order_or_404(order_id), mail=mail)


@bp.route("/orders/<id:order_id>/cancel", methods=["POST"])
def orders_cancel(order_id: int):
    """取消 (P11): キャンセル, stock released, a card hold voided or a refund recorded as due;
    back to the list the admin came from."""
    return _cancel_from_list(order_id, "取消", "order_cancel",
                             "注文番号{no}の注文を取り消しました。")


@bp.route("/orders/<id:order_id>/release-hold", methods=["POST"])
def orders_release_hold(order_id: int):
    """在庫の確保を解除: a guest's 仮注文 is cancelled now instead of at its link's expiry,
    through the one cancellation path (stock back, a card authorisation voided)."""
    return _cancel_from_list(order_id, HOLD_RELEASED, "hold_release",
                             "注文番号{no}の仮注文を取り消し、在庫の確保を解除しました。",
                             only=OrderStatus.PROVISIONAL)


def _cancel_from_list(order_id: int, reason: str, action: str, done: str,
                      only: OrderStatus | None = None):
    """A list's button that cancels one order: the rule and the money in one commit,
    recorded in the 操作ログ; a refusal is flashed with nothing applied."""
    form = ActionForm()
    back = _back_to_list(form.next.data)
    if not form.validate_on_submit():
        abort(400)
    order = order_or_404(order_id, lock=True)
    if only is not None and order.status != only:
        flash(f"注文番号{order.order_no}は仮注文ではないため、在庫の確保を解除できません。",
              "error")
        return redirect(back)
    try:
        before = (order.payment_status, order.refunded_amount)
        cancel_order(db.session, order, actor(), reason)
        audit(action, order.order_no, reason + money_moved(order, *before))
        db.session.commit()
    except (DomainError, PaymentDeclined) as error:
        db.session.rollback()
        flash(f"注文番号{order.order_no}: {error.message}", "error")
        return redirect(back)
    flash(done.format(no=order.order_no), "info")
    return redirect(back)


@bp.route("/orders/<id:order_id>/correct", methods=["GET", "POST"])
def orders_correct(order_id: int):
    order = order_or_404(order_id, lock=request.method == "POST")
    form = CorrectForm(status=order.status, memo=order.memo)
    cancelled = {item.id for item in order.items if item.cancelled}
    if form.validate_on_submit():
        cancelled = {int(v) for v in request.form.getlist("cancel_item") if v.isdigit()}
        try:
            before = (order.payment_status, order.refunded_amount)
            _apply_correction(order, OrderStatus(form.status.data), cancelled, form.memo.data)
            audit("order_correct", order.order_no,
                  f"注文状態: {order.status_enum.label}" + money_moved(order, *before))
            db.session.commit()
        except (DomainError, PaymentDeclined) as error:
            db.session.rollback()
            flash(_correction_refusal(error), "error")
            order = order_or_404(order_id)
        else:
            if order.status == OrderStatus.INSTRUCTED and not order.instructed_by_download:
                flash("訂正で出荷指示にしました（イレギュラー対応）。この注文は配送画面の"
                      "個別の出荷結果ボタンを使えません。", "warning")
            flash("注文を訂正しました。", "info")
            return redirect(url_for("admin.orders_detail", order_id=order.id))
    return render_template("admin/orders/correct.html", order=order, form=form,
                           cancelled=cancelled)


def _correction_refusal(error: DomainError | PaymentDeclined) -> str:
    """The refusal as the owner should read it.

    OutOfStock's own text speaks to the shopper (「数量を減らすか…」); the owner
    setting a キャンセル order or a cancelled line back needs to add stock instead.
    """
    if isinstance(error, OutOfStock):
        return (f"「{error.item_name}」は在庫が不足しています。商品情報で在庫数を"
                "増やしてから、もう一度訂正してください。")
    return error.message


def _apply_correction(order: Order, target: OrderStatus, cancelled: set[int], memo: str) -> None:
    """Memo, items and status through the rules; a refusal raises before the commit.

    Items change while the order can still take it: after restoring a キャンセル
    order, before cancelling or completing one. An order that becomes キャンセル here
    has its money settled like any 取消; a charged order whose lines were cancelled gets
    the difference refunded; an authorised card is captured (its exact total) before
    the order becomes 注文完了.
    """
    by = actor()
    order.update_memo(memo or "", by)
    if target == OrderStatus.CANCELLED:  # the whole order goes: its lines with it
        if order.status != OrderStatus.CANCELLED:
            order.correct_status(db.session, target, by)
            settle_cancellation(order, by)
        return
    if order.status == OrderStatus.CANCELLED:  # back first; then its lines may change
        order.correct_status(db.session, target, by)
    for item in order.items:
        if item.id in cancelled and not item.cancelled:
            order.cancel_item(db.session, item, by)
        elif item.id not in cancelled and item.cancelled:
            order.restore_item(db.session, item, by)
    settle_item_changes(order, by)
    capture_before_completing(db.session, order, target, by)
    order.correct_status(db.session, target, by)
