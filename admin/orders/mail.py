"""メール送信 for one order (P12–P14): a template read in (読み込み), edited, sent now.

What was sent is kept in the order's メール送信履歴 (P9) with its full text.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from admin import bp
from admin.common.audit import audit
from admin.common.records import order_or_404
from ktaishop.extensions import db
from ktaishop.mail.outbox import send_now
from models import MailKind, MailTemplate, Order, ShopSettings, queue_mail
from models.merge import order_merge_values, render_merge

from .forms import MailForm, split_addresses


def _templates() -> list[MailTemplate]:
    return list(db.session.scalars(
        select(MailTemplate).where(MailTemplate.kind != MailKind.NEWSLETTER)
        .order_by(MailTemplate.id)
    ))


def _prefill(form: MailForm, order: Order, template: MailTemplate | None) -> None:
    """読み込み: the template's 件名/FROM/本文 with the order's 差込情報 filled in."""
    settings = ShopSettings.load(db.session)
    form.bcc.data = settings.mail_bcc
    form.mail_from.data = settings.mail_from
    if template is not None:
        values = order_merge_values(order, settings)
        form.subject.data = render_merge(template.subject, values)
        form.mail_from.data = template.mail_from or settings.mail_from
        form.body.data = render_merge(template.body, values)


@bp.route("/orders/<id:order_id>/mail", methods=["GET", "POST"])
def orders_mail(order_id: int):
    order = order_or_404(order_id)
    templates = _templates()
    chosen = request.args.get("template", "")
    form = MailForm()
    if request.method == "GET":
        template = next((t for t in templates if str(t.id) == chosen), None)
        _prefill(form, order, template)
    elif form.validate_on_submit():
        error = _send(order, form)
        if error is None:
            flash("メールを送信しました。", "info")
            return redirect(url_for("admin.orders_detail", order_id=order.id))
        flash(f"メールを送信できませんでした。{error}", "error")
    return render_template("admin/orders/mail.html", order=order, form=form,
                           templates=templates, chosen=chosen)


def _send(order: Order, form: MailForm) -> str | None:
    """Queue the mail and deliver it now; the Japanese error text, or None when sent.

    The row is added and sent in one transaction (send_now marks it ``sending``
    before the SMTP talk), so no worker can pick it up and send it a second time;
    a failed send is committed as failed and nothing is written to メール送信履歴.
    """
    message = queue_mail(
        db.session, to=order.purchaser_email, mail_from=form.mail_from.data,
        subject=form.subject.data, body=form.body.data,
        cc=", ".join(split_addresses(form.cc.data or "")),
        bcc=form.bcc.data or "", kind=MailKind.GENERAL, order_id=order.id,
    )
    error = send_now(db.session, message)
    audit("order_mail", order.order_no, f"{message.subject}（{error or '送信しました'}）")
    db.session.commit()
    return error
