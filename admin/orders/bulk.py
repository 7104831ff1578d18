"""一括操作 on 注文一覧: for the ticked orders, change 注文状態, 取消, or queue a mail.

Each order goes through the rule one order would (訂正's table and moves, 取消, a
mail template) inside its own savepoint: a refused order is listed with the rule's
reason and rolled back alone, the others are applied and committed together. Every
move to キャンセル goes through ``ktaishop.payment.cancel_orders``, so card holds are
voided and refunds recorded the one way. Each change is written in the order's history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import flash, redirect
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from admin import bp
from admin.common.records import actor
from ktaishop.extensions import db
from ktaishop.payment import PaymentDeclined, cancel_orders, capture_before_completing
from models import DomainError, MailTemplate, Order, OrderStatus
from models.mail import queue_template_mail

from .forms import BulkForm
from .views import _back_to_list, _correction_refusal

MAX_BULK = 200
MAX_REFUSALS_SHOWN = 50


@dataclass
class BulkOutcome:
    """What one 一括操作 did, by order number."""

    done: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (order_no, reason)


def each_order(orders: list[Order], apply: Callable[[Order], bool]) -> BulkOutcome:
    """``apply`` to each order in a savepoint of its own; True when it changed something.

    A rule's refusal (DomainError) or the gateway's (PaymentDeclined) rolls that order
    back and is listed; the others stay applied, for the caller to commit.
    """
    outcome = BulkOutcome()
    for order in orders:
        order_no = order.order_no
        try:
            with db.session.begin_nested():
                changed = apply(order)
        except (DomainError, PaymentDeclined) as error:
            outcome.refused.append((order_no, _correction_refusal(error)))
        else:
            (outcome.done if changed else outcome.unchanged).append(order_no)
    return outcome


def change_status(orders: list[Order], target: OrderStatus, by: str) -> BulkOutcome:
    """訂正's status move for each order; to キャンセル through ``cancel_orders``."""
    def apply(order: Order) -> bool:
        if order.status == target:
            return False
        order.check_correction(target)
        if target == OrderStatus.CANCELLED:
            cancel_orders(db.session, [order], by, "一括操作でキャンセル")
        else:
            capture_before_completing(db.session, order, target, by)
            order.correct_status(db.session, target, by)
        return True

    return each_order(orders, apply)


def cancel_all(orders: list[Order], by: str) -> BulkOutcome:
    """取消 (P11) for each order: キャンセル, stock back, money settled."""
    def apply(order: Order) -> bool:
        cancel_orders(db.session, [order], by, "一括取消")
        return True

    return each_order(orders, apply)


def mail_all(orders: list[Order], template: MailTemplate, by: str) -> BulkOutcome:
    """The template filled in for each order, queued to its purchaser and noted on it."""
    def apply(order: Order) -> bool:
        message = queue_template_mail(db.session, order, template)
        order.log_action(by, f"一括メール送信: {message.subject}")
        return True

    return each_order(orders, apply)


def ticked_orders(ids: list[int]) -> list[Order]:
    """The ticked orders, locked in id order (two admins never deadlock), oldest first."""
    return list(db.session.scalars(
        select(Order).where(Order.id.in_(ids[:MAX_BULK])).order_by(Order.id)
        .options(selectinload(Order.items), selectinload(Order.package))
        .with_for_update(of=Order).execution_options(populate_existing=True)))


def run(form: BulkForm, orders: list[Order]) -> tuple[str, BulkOutcome]:
    """Do what the form asks: (what was done, as it follows 「N件の注文」; the outcome)."""
    by = actor()
    if form.action.data == "cancel":
        return "を取り消しました", cancel_all(orders, by)
    if form.action.data == "mail":
        template = db.session.get(MailTemplate, form.template_id())
        if template is None:
            raise DomainError("送信するメールのテンプレートを選んでください。")
        return (f"の購入者へ「{template.subject}」のメールを送ります（送信待ち）",
                mail_all(orders, template, by))
    if form.action.data != "status":
        raise DomainError("一括操作を選んでください。")
    try:
        target = OrderStatus(form.status.data)
    except ValueError:
        raise DomainError("変更後の注文状態を選んでください。") from None
    return f"の注文状態を「{target.label}」にしました", change_status(orders, target, by)


@bp.route("/orders/bulk", methods=["POST"])
def orders_bulk():
    """一括操作: the ticked orders (``id``), then back to the list and search shown."""
    form = BulkForm()
    back = _back_to_list(form.next.data)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(back)
    orders = ticked_orders(form.ids())
    if not orders:
        flash("一括操作する注文にチェックを付けてください。", "error")
        return redirect(back)
    try:
        what, outcome = run(form, orders)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(back)
    db.session.commit()
    flash_outcome(what, outcome)
    return redirect(back)


def flash_outcome(what: str, outcome: BulkOutcome) -> None:
    """One line for what was applied, one per refused order (with the rule's reason)."""
    if outcome.done:
        flash(f"{len(outcome.done)}件の注文{what}。", "info")
    if outcome.unchanged:
        flash(f"{len(outcome.unchanged)}件はすでにその状態のため変更していません。", "info")
    if outcome.refused:
        flash(f"{len(outcome.refused)}件は変更できませんでした（ほかの注文には反映済みです）。",
              "error")
    for order_no, reason in outcome.refused[:MAX_REFUSALS_SHOWN]:
        flash(f"注文番号{order_no}: {reason}", "error")
    if len(outcome.refused) > MAX_REFUSALS_SHOWN:
        flash(f"ほか{len(outcome.refused) - MAX_REFUSALS_SHOWN}件", "error")
