"""設定: the shop-wide settings every other screen reads, and the admin users.

Shop information feeds the 納品書, the mails and the 特定商取引法 page; fees feed
``models.calculate_fees`` for every new order (orders already placed keep their
amounts). Admin users can be added, removed and given a new password; the last admin
can never be removed, and nobody removes the account they are logged in with.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from admin import bp
from admin.common.audit import audit, changed_fields
from ktaishop.extensions import db
from models import AdminUser, ShopSettings
from models.login_sessions import ADMIN, end_every_login

from .forms import (
    AdminAddForm,
    AdminPasswordForm,
    ShopSettingsForm,
    tiers_from,
    time_slots_from,
    wrapping_from,
)

PLAIN_FIELDS = ("shop_name", "seller", "manager", "zip_code", "address", "tel", "fax",
                "returns_policy", "privacy_policy", "shipping_fee", "free_shipping_over",
                "delivery_lead_days", "delivery_range_days", "guest_confirmation",
                "confirmation_hours", "easy_login", "low_stock_threshold", "mail_from",
                "mail_bcc")
SECURITY_FIELDS = ("provisional_limit", "require_two_factor")


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    shop = ShopSettings.load(db.session)
    if request.method == "GET":
        form = ShopSettingsForm(obj=shop)
        form.load(shop)
        return _render(form)
    form = ShopSettingsForm()
    errors: list[str] = []
    valid = form.validate()
    tiers = tiers_from(form, errors)
    wrapping = wrapping_from(form, errors)
    slots = time_slots_from(form, errors)
    if not valid or errors:
        db.session.rollback()
        return _render(form, errors), 400
    for name in PLAIN_FIELDS:
        value = getattr(form, name).data
        setattr(shop, name, value.strip() if isinstance(value, str) else value)
    shop.cod_fee_tiers, shop.wrapping_options, shop.delivery_time_slots = tiers, wrapping, slots
    form.apply_terms(shop)
    for name in SECURITY_FIELDS:
        if getattr(form, name).data is not None:
            setattr(shop, name, getattr(form, name).data)
    shop.sender_name = (form.sender_name.data or "").strip()
    shop.tracking_urls = form.tracking_urls()
    audit("settings", "設定", changed_fields(shop))
    db.session.commit()
    flash("設定を更新しました。これからの注文に使われます。", "info")
    return redirect(url_for("admin.settings"))


def _render(form: ShopSettingsForm, errors: list[str] | None = None):
    messages = list(errors or [])
    for name, field_errors in form.errors.items():
        if name in ("cod_fee_tiers", "wrapping_options"):
            field_errors = [e for row in field_errors for es in row.values() for e in es]
        messages += [e for e in field_errors if isinstance(e, str)]
    admins = db.session.scalars(select(AdminUser).order_by(AdminUser.login)).all()
    return render_template("admin/settings/settings.html", form=form,
                           errors=list(dict.fromkeys(messages)), admins=admins,
                           add_form=AdminAddForm(formdata=None),
                           password_form=AdminPasswordForm(formdata=None))


@bp.route("/settings/admins", methods=["POST"])
def admin_add():
    form = AdminAddForm()
    if form.validate_on_submit():
        login = form.login.data.strip()
        if db.session.scalar(select(AdminUser.id).where(AdminUser.login == login)):
            flash(f"ログインID「{login}」はすでに使われています。", "error")
        else:
            admin = AdminUser(login=login)
            admin.set_password(form.password.data)
            db.session.add(admin)
            audit("admin_user", login, "管理ユーザーを追加")
            db.session.commit()
            flash(f"管理ユーザー「{login}」を追加しました。", "info")
    else:
        _flash_errors(form)
    return redirect(url_for("admin.settings") + "#admins")


@bp.route("/settings/admins/<id:admin_id>/delete", methods=["POST"])
def admin_delete(admin_id: int):
    if not FlaskForm().validate_on_submit():
        abort(400)
    # Lock every admin row: two admins removing each other at once must not leave none.
    admins = db.session.scalars(select(AdminUser).with_for_update()).all()
    admin = next((a for a in admins if a.id == admin_id), None)
    if admin is None:
        abort(404)
    if admin.id == current_user.id:
        flash("ログイン中の自分自身は削除できません。", "error")
    elif len(admins) <= 1:
        flash("最後の管理ユーザーは削除できません。", "error")
    else:
        db.session.delete(admin)
        end_every_login(db.session, ADMIN, admin.id)
        audit("admin_user", admin.login, "管理ユーザーを削除（ログインはすべて終了）")
        db.session.commit()
        flash(f"管理ユーザー「{admin.login}」を削除しました。", "info")
    db.session.rollback()
    return redirect(url_for("admin.settings") + "#admins")


@bp.route("/settings/admins/<id:admin_id>/password", methods=["POST"])
def admin_password(admin_id: int):
    admin = db.session.get(AdminUser, admin_id)
    if admin is None:
        abort(404)
    form = AdminPasswordForm()
    if form.validate_on_submit():
        admin.set_password(form.password.data)  # every login of that admin ends
        audit("admin_user", admin.login, "パスワードを変更（ログインはすべて終了）")
        db.session.commit()
        flash(f"管理ユーザー「{admin.login}」のパスワードを変更しました。", "info")
    else:
        _flash_errors(form)
    return redirect(url_for("admin.settings") + "#admins")


def _flash_errors(form: FlaskForm) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")
