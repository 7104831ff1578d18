"""メール設定 (P13, P27): the shop's mail templates - list, 汎用メール追加, 編集, 削除, preview.

受注確認 and 出荷通知 are always there and can be edited but not deleted. Merge
fields (差込情報) are plain substitutions: unknown ones and line breaks in the subject
or FROM are refused with a message, and the preview shows exactly the text that
would be sent, on a real order or a sample one.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from admin import bp
from admin.common.audit import audit
from admin.common.fields import no_line_breaks
from carrier_compat.address import is_valid_address
from ktaishop.extensions import db
from models import MailKind, MailTemplate, Order, ShopSettings, summarize
from models.merge import MERGE_FIELDS, order_merge_values, render_merge, unknown_fields

from .profiles import PROFILE_CARRIERS, mail_profile_form, template_previews

# The kinds the shop always has (created on first visit when missing).
REQUIRED_KINDS = (MailKind.ORDER_CONFIRMATION, MailKind.SHIPPING_NOTICE)
_DISPLAY = re.compile(r"^\s*(?P<name>[^<>]*?)\s*<(?P<addr>[^<>]+)>\s*$")


def known_fields_only(_form: FlaskForm, field) -> None:
    unknown = unknown_fields(field.data or "")
    if unknown:
        names = "、".join("{{" + name + "}}" for name in unknown)
        raise ValidationError(f"{field.label.text}に使えない差込情報があります: {names}")


def mail_address(_form: FlaskForm, field) -> None:
    """A bare address or ``名前 <address>``."""
    value = (field.data or "").strip()
    match = _DISPLAY.match(value)
    address = match.group("addr") if match else value
    if not is_valid_address(address):
        raise ValidationError("FROMのメールアドレスが正しくありません。")


class MailTemplateForm(FlaskForm):
    subject = StringField("件名", validators=[
        DataRequired("件名を入力してください。"),
        Length(max=200, message="件名は200文字以内です。"), no_line_breaks, known_fields_only])
    mail_from = StringField("FROM", validators=[
        DataRequired("FROMを入力してください。"),
        Length(max=254, message="FROMのメールアドレスが長すぎます。"), no_line_breaks,
        mail_address])
    body = TextAreaField("本文", validators=[
        DataRequired("本文を入力してください。"),
        Length(max=20000, message="本文は20000文字以内で入力してください。"), known_fields_only])


class ActionForm(FlaskForm):
    """CSRF only: 汎用メール追加 and 削除 buttons."""


def ensure_required_templates() -> None:
    """受注確認 and 出荷通知 rows exist (empty FROM falls back to the shop's)."""
    missing = [k for k in REQUIRED_KINDS if MailTemplate.for_kind(db.session, k) is None]
    for kind in missing:
        db.session.add(MailTemplate(kind=kind, subject=kind.label, body=""))
    if missing:
        db.session.commit()


@bp.route("/mail-templates")
def mail_templates():
    """The list: メール種別, メールタイトル, fromメールアドレス, アクション."""
    ensure_required_templates()
    templates = db.session.scalars(select(MailTemplate).order_by(MailTemplate.id)).all()
    settings = ShopSettings.load(db.session)
    return render_template("admin/mail/list.html", templates=templates, form=ActionForm(),
                           shop_from=settings.mail_from,
                           profile_form=mail_profile_form(settings),
                           profile_carriers=PROFILE_CARRIERS)


@bp.route("/mail-templates/add", methods=["POST"])
def mail_template_add():
    """汎用メール追加: a new, empty 汎用メール, opened for editing."""
    if not ActionForm().validate_on_submit():
        abort(400)
    template = MailTemplate(kind=MailKind.GENERAL, subject="", body="",
                            mail_from=ShopSettings.load(db.session).mail_from)
    db.session.add(template)
    audit("mail_template", "汎用メール", "追加")
    db.session.commit()
    flash("汎用メールを追加しました。件名・FROM・本文を入力して更新してください。", "info")
    return redirect(url_for("admin.mail_template_edit", template_id=template.id))


def _template_or_404(template_id: int) -> MailTemplate:
    template = db.session.get(MailTemplate, template_id)
    if template is None:
        abort(404)
    return template


@bp.route("/mail-templates/<id:template_id>/edit", methods=["GET", "POST"])
def mail_template_edit(template_id: int):
    template = _template_or_404(template_id)
    form = MailTemplateForm(obj=template)
    if form.validate_on_submit():
        template.subject = form.subject.data.strip()
        template.mail_from = form.mail_from.data.strip()
        template.body = form.body.data.replace("\r\n", "\n")
        audit("mail_template", f"{template.kind_enum.label}「{template.subject}」", "変更")
        db.session.commit()
        flash(f"{template.kind_enum.label}「{template.subject}」を更新しました。", "info")
        return redirect(url_for("admin.mail_templates"))
    return render_template("admin/mail/edit.html", template=template, form=form,
                           fields=MERGE_FIELDS)


@bp.route("/mail-templates/<id:template_id>/delete", methods=["POST"])
def mail_template_delete(template_id: int):
    template = _template_or_404(template_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if not template.kind_enum.deletable:
        flash(f"{template.kind_enum.label}のメールは削除できません（編集はできます）。", "error")
        return redirect(url_for("admin.mail_templates"))
    db.session.delete(template)
    audit("mail_template", f"{template.kind_enum.label}「{template.subject}」", "削除")
    db.session.commit()
    flash(f"汎用メール「{template.subject}」を削除しました。", "info")
    return redirect(url_for("admin.mail_templates"))


@bp.route("/mail-templates/preview", methods=["POST"])
def mail_template_preview():
    """JSON ``{subject, body, errors, order, carriers}``: the text as it would be sent,
    and per carrier what the phone shows and the size in each mail profile."""
    form = MailTemplateForm()
    form.validate()
    errors = [e for name in ("subject", "body") for e in getattr(form, name).errors]
    order_no = (request.form.get("order_no") or "").strip()
    settings = ShopSettings.load(db.session)
    order = db.session.scalar(select(Order).where(Order.order_no == order_no)) if order_no else None
    if order_no and order is None:
        errors.append(f"注文番号 {order_no} の注文はありません。見本の注文で表示しています。")
    values = order_merge_values(order or sample_order(), settings, SAMPLE_EXTRA)
    subject = render_merge(form.subject.data or "", values)
    body = render_merge(form.body.data or "", values)
    carriers = template_previews(subject=subject, body=body,
                                 mail_from=(form.mail_from.data or "").strip()
                                 or settings.mail_from)
    return jsonify(subject=subject, body=body, errors=errors,
                   order=order.order_no if order else "見本の注文", carriers=carriers)


SAMPLE_EXTRA = {
    "confirm_url": "https://shop.example/confirm/サンプル",
    "confirm_expires": "2008-10-22 14:54:49",
    "unsubscribe_url": "https://shop.example/unsubscribe/サンプル",
}


def sample_order() -> SimpleNamespace:
    """A made-up order for the preview when the shop has none to show."""
    from datetime import date, datetime

    item = SimpleNamespace(name="Tシャツ", option_text="サイズ:M", unit_price=2000, quantity=1,
                           reduced_rate=False)
    return SimpleNamespace(
        order_no="20081021_0000000004", ordered_at=datetime(2008, 10, 21, 14, 54, 49),
        status_enum=SimpleNamespace(label="注文完了"), purchaser_name="小林 亮子",
        purchaser_kana="コバヤシ リョウコ", purchaser_email="ryoko@docomo.ne.jp",
        purchaser_tel="090-0000-0000", purchaser_zip="1046022",
        purchaser_address="東京都中央区晴海1-8-10", recipient_name="小林 亮子",
        recipient_zip="1046022", recipient_address="東京都中央区晴海1-8-10",
        recipient_tel="090-0000-0000", active_items=[item], subtotal=2000, cod_fee=315,
        shipping_fee=800, wrapping_fee=0, total=3115,
        payment=SimpleNamespace(label="代引き"), delivery_date=date(2008, 10, 23),
        delivery_time="午前中", wrapping="", note="", package=None,
        tax_summary=summarize([(10, 2000)], 1115, "floor"),
    )
