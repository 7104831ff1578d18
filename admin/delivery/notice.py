"""出荷通知メール送信 (P22): the confirm screen (OK), then the sending, slice by slice.

Each POST sends one slice (``SHIPPING_NOTICE_SLICE`` in the config, default
``notice_mail.SLICE`` orders) and, while packages are
left, answers with a progress page whose form posts the next slice (by itself when
JavaScript runs, by a button otherwise). Counters and failures ride along in the form;
the packages themselves are claimed in the database, so a resubmitted or duplicated
form can never notify anyone twice.
"""

from __future__ import annotations

import re

from flask import current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from admin import bp
from admin.common.records import actor
from ktaishop.extensions import db
from models import MailKind, Order, OutboxMessage, OutboxStatus

from .forms import NoticeForm
from .notice_mail import SLICE, count_shipped, has_template, send_notices, shipped_orders

_IDS = re.compile(r"^[0-9,]{0,20000}$")


@bp.route("/delivery/notice")
def delivery_notice():
    """The confirm step: who will get the notice; OK sends, 戻る goes back."""
    orders = shipped_orders(db.session)
    return render_template("admin/delivery/notice_confirm.html", orders=orders,
                           total=count_shipped(db.session), form=NoticeForm(),
                           template_ok=has_template(db.session))


def _int(name: str) -> int:
    value = request.form.get(name, "0")
    return int(value) if value.isdigit() and len(value) < 12 else 0


def _failed_ids() -> list[int]:
    text = request.form.get("failed", "")
    return [int(v) for v in text.split(",") if v] if _IDS.match(text) else []


@bp.route("/delivery/notice", methods=["POST"])
def delivery_notice_send():
    form = NoticeForm()
    if not form.validate_on_submit():
        flash("画面の有効期限が切れました。もう一度「出荷通知メール送信」を押してください。",
              "error")
        return redirect(url_for("admin.delivery"))
    if not has_template(db.session):
        flash("メール設定に出荷通知のテンプレートがないため送信できません。", "error")
        return redirect(url_for("admin.delivery"))
    size = int(current_app.config.get("SHIPPING_NOTICE_SLICE", SLICE))
    batch = send_notices(db.session, actor(), after_id=_int("after_id"), limit=size)
    sent = _int("sent") + len(batch.sent)
    failed = _failed_ids() + [outcome.order_id for outcome in batch.failed]
    if batch.remaining:
        return render_template("admin/delivery/notice_progress.html", form=form, sent=sent,
                               failed=failed, after_id=batch.last_id, remaining=batch.remaining)
    return render_template("admin/delivery/notice_result.html", sent=sent,
                           failures=_failures(failed))


def _failures(order_ids: list[int]) -> list[tuple[Order, str]]:
    """The orders whose notice failed, with the mail server's answer."""
    if not order_ids:
        return []
    orders = db.session.scalars(select(Order).where(Order.id.in_(order_ids))
                                .order_by(Order.id)).all()
    reasons: dict[int, str] = {}
    rows = db.session.execute(
        select(OutboxMessage.order_id, OutboxMessage.last_error)
        .where(OutboxMessage.order_id.in_(order_ids),
               OutboxMessage.kind == MailKind.SHIPPING_NOTICE,
               OutboxMessage.status == OutboxStatus.FAILED)
        .order_by(OutboxMessage.id)
    )
    for order_id, error in rows:
        reasons[order_id] = error
    return [(order, reasons.get(order.id, "")) for order in orders]
