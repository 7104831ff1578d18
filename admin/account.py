"""アカウント: the logged-in admin's own password and 二段階認証 (TOTP, recovery codes).

Turning 二段階認証 on shows a QR code (segno, inline SVG) of a new secret, kept
pending on the admin's row until a code from the app proves it was scanned; the ten
recovery codes are then shown once. When 設定 requires 二段階認証 for every admin, an
admin without it can open nothing but this screen (and log out) until it is on.
A new password ends every other login of the admin (models.login_sessions).
"""

from __future__ import annotations

import segno
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ktaishop.extensions import db
from models import AdminUser, ShopSettings
from models import two_factor as totp
from models.login_sessions import ADMIN, start_login

from . import bp
from .auth import SESSION_KEY
from .common.audit import audit
from .common.fields import new_admin_password, password_confirmation

# Reachable while 二段階認証 is required but not yet set up.
ENROLMENT_ENDPOINTS = frozenset({"admin.account", "admin.two_factor_setup", "admin.logout",
                                 "admin.login", "admin.login_code", "admin.static"})
WRONG_PASSWORD = "現在のパスワードが違います。"


class PasswordChangeForm(FlaskForm):
    current = PasswordField("現在のパスワード", validators=[
        DataRequired("現在のパスワードを入力してください。")])
    password = new_admin_password()
    confirm = password_confirmation()


class SetupForm(FlaskForm):
    code = StringField("確認コード", validators=[
        DataRequired("認証アプリの確認コードを入力してください。"), Length(max=20)])


class PasswordCheckForm(FlaskForm):
    current = PasswordField("現在のパスワード", validators=[
        DataRequired("現在のパスワードを入力してください。")])


@bp.before_request
def require_two_factor():
    """設定「二段階認証を必須にする」: an admin without it sets it up first."""
    if not current_user.is_authenticated or current_user.totp_enabled \
            or request.endpoint in ENROLMENT_ENDPOINTS:
        return None
    if not ShopSettings.load(db.session).require_two_factor:
        return None
    flash("二段階認証が必須になっています。設定してから管理画面をお使いください。", "error")
    return redirect(url_for("admin.two_factor_setup"))


@bp.route("/account")
def account():
    return render_template("admin/account/account.html", password_form=PasswordChangeForm(),
                           check_form=PasswordCheckForm(),
                           required=ShopSettings.load(db.session).require_two_factor,
                           codes_left=totp.recovery_codes_left(current_user))


@bp.route("/account/password", methods=["POST"])
def account_password():
    form = PasswordChangeForm()
    admin: AdminUser = current_user._get_current_object()  # type: ignore[attr-defined]
    valid = form.validate_on_submit()
    if valid and admin.check_password(form.current.data):
        admin.set_password(form.password.data)
        session[SESSION_KEY] = start_login(db.session, ADMIN, admin)  # this browser stays
        audit("admin_user", admin.login, "パスワードを変更（他のログインは終了）")
        db.session.commit()
        flash("パスワードを変更しました。ほかの場所のログインは終了しました。", "info")
    else:
        for error in [WRONG_PASSWORD] if valid else _errors(form):
            flash(error, "error")
    return redirect(url_for("admin.account"))


@bp.route("/account/two-factor", methods=["GET", "POST"])
def two_factor_setup():
    """The QR code of a new secret, and the code that proves it was scanned."""
    admin: AdminUser = current_user._get_current_object()  # type: ignore[attr-defined]
    if admin.totp_enabled:
        return redirect(url_for("admin.account"))
    if not admin.totp_secret:
        admin.totp_secret = totp.new_secret()
        db.session.commit()
    form = SetupForm()
    if form.validate_on_submit():
        codes = totp.enable(admin, admin.totp_secret, form.code.data or "")
        if codes is not None:
            audit("two_factor", admin.login, "二段階認証を有効にした")
            db.session.commit()
            return render_template("admin/account/recovery_codes.html", codes=codes)
        flash("確認コードが正しくありません。認証アプリの最新のコードを入力してください。", "error")
    shop = ShopSettings.load(db.session)
    uri = totp.provisioning_uri(admin, admin.totp_secret, shop.shop_name)
    qr = Markup(segno.make(uri, error="m").svg_inline(scale=4, title="二段階認証のQRコード"))
    return render_template("admin/account/two_factor_setup.html", form=form, qr=qr,
                           secret=admin.totp_secret)


@bp.route("/account/two-factor/<any(off, codes):action>", methods=["POST"])
def two_factor_change(action: str):
    """二段階認証を解除 (unless required) or new recovery codes; both ask the password."""
    admin: AdminUser = current_user._get_current_object()  # type: ignore[attr-defined]
    form = PasswordCheckForm()
    if not form.validate_on_submit() or not admin.check_password(form.current.data):
        flash(WRONG_PASSWORD, "error")
        return redirect(url_for("admin.account"))
    if action == "codes" and admin.totp_enabled:
        codes = totp.new_recovery_codes(admin)
        audit("two_factor", admin.login, "リカバリーコードを作り直した")
        db.session.commit()
        return render_template("admin/account/recovery_codes.html", codes=codes)
    if ShopSettings.load(db.session).require_two_factor:
        flash("二段階認証が必須になっているため、解除できません。", "error")
        return redirect(url_for("admin.account"))
    totp.disable(admin)
    audit("two_factor", admin.login, "二段階認証を解除した")
    db.session.commit()
    flash("二段階認証を解除しました。", "info")
    return redirect(url_for("admin.account"))


@bp.route("/settings/admins/<id:admin_id>/two-factor/off", methods=["POST"])
def admin_two_factor_off(admin_id: int):
    """Another admin lost the phone and the recovery codes: its 二段階認証 is reset."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    admin = db.session.get(AdminUser, admin_id)
    if admin is None:
        abort(404)
    totp.disable(admin)
    audit("two_factor", admin.login, "ほかの管理ユーザーが二段階認証を解除した")
    db.session.commit()
    flash(f"管理ユーザー「{admin.login}」の二段階認証を解除しました。次のログインで設定し直せます。",
          "info")
    return redirect(url_for("admin.settings") + "#admins")


def _errors(form: FlaskForm) -> list[str]:
    return [error for errors in form.errors.values() for error in errors]
