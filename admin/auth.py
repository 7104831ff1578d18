"""Admin login and logout: per-client throttling, 二段階認証, logins that can be ended.

A login is a row in ``login_sessions`` (models.login_sessions) named by a token in the
admin's cookie; Flask-Login's user loader accepts the cookie only while that row
stands and the admin's password has not changed since. Logout, a new password (set by
the admin or by another) and removal of the admin end every login of that admin, so a
copied cookie opens nothing afterwards.

Wrong passwords are throttled per client and per (account, client), with growing
waits instead of a lock (models.throttle). Unknown accounts get the same answer after
the same work. With 二段階認証 on, the password leads to a second page asking for the
authenticator's code or a recovery code (admin.account sets it up).
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ktaishop.clients import client_key
from ktaishop.extensions import db, login_manager
from models import AdminUser, now
from models import two_factor as totp
from models.login_sessions import ADMIN, end_every_login, is_current, logged_in_id, start_login
from models.people import WRONG_LOGIN
from models.throttle import (
    THROTTLED,
    check_password,
    login_keys,
    record_failure,
    record_success,
    wait_text,
    wait_time,
)

from . import bp
from .common.audit import audit

SESSION_KEY = "admin_login"  # the login token in the admin's session
PENDING_KEY = "admin_pending"  # password checked, waiting for the second step
PENDING_TIME = timedelta(minutes=5)
WRONG_CODE = "確認コードが正しくありません。"


class LoginForm(FlaskForm):
    login = StringField(
        "ログインID", validators=[DataRequired("ログインIDを入力してください。"), Length(max=50)]
    )
    password = PasswordField(
        "パスワード", validators=[DataRequired("パスワードを入力してください。"), Length(max=200)]
    )


class CodeForm(FlaskForm):
    code = StringField("確認コード", validators=[
        DataRequired("確認コードを入力してください。"), Length(max=20)])


@login_manager.user_loader
def load_admin(user_id: str) -> AdminUser | None:
    """The admin of this cookie's login, while that login stands."""
    found = logged_in_id(db.session, ADMIN, session.get(SESSION_KEY))
    if found is None or str(found[0]) != user_id:
        return None
    admin = db.session.get(AdminUser, found[0])
    return admin if is_current(admin, found[1]) else None


def safe_next(target: str | None) -> str:
    """Only a path on this site; anything with a scheme or host goes to the dashboard."""
    if target:
        parts = urlsplit(target)
        same_site = not parts.scheme and not parts.netloc
        if same_site and target.startswith("/") and not target.startswith("//") \
                and "\\" not in target:
            return target
    return url_for("admin.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        typed = form.login.data or ""
        keys = login_keys(ADMIN, typed, client_key())
        admin = db.session.scalar(select(AdminUser).where(AdminUser.login == typed))
        message = check_password(db.session, keys, admin, form.password.data or "", WRONG_LOGIN)
        if message is None and admin.totp_enabled:
            session[PENDING_KEY] = {"id": admin.id, "at": now().isoformat()}
            db.session.commit()
            return redirect(url_for("admin.login_code", next=request.args.get("next")))
        if message is None:
            return _complete_login(admin)
        audit("login_failed", typed, message, actor=typed)
        db.session.commit()
        flash(message, "error")
    return render_template("admin/login.html", form=form)


def _complete_login(admin: AdminUser):
    session.pop(PENDING_KEY, None)
    session[SESSION_KEY] = start_login(db.session, ADMIN, admin)
    login_user(admin)
    audit("login", admin.login, "二段階認証" if admin.totp_enabled else "", actor=admin.login)
    db.session.commit()
    return redirect(safe_next(request.args.get("next")))


def _pending_admin() -> AdminUser | None:
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    try:
        started = now().fromisoformat(str(pending.get("at")))
    except ValueError:
        return None
    if now() - started > PENDING_TIME:
        return None
    admin = db.session.get(AdminUser, pending.get("id") or 0)
    return admin if admin is not None and admin.totp_enabled else None


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    """二段階認証: the code from the authenticator app, or a recovery code."""
    admin = _pending_admin()
    if admin is None:
        session.pop(PENDING_KEY, None)
        flash("もう一度ログインしてください。", "error")
        return redirect(url_for("admin.login"))
    form = CodeForm()
    if form.validate_on_submit():
        keys = login_keys(ADMIN + "-code", admin.login, client_key())
        wait = wait_time(db.session, keys)
        if wait:
            flash(THROTTLED.format(wait=wait_text(wait)), "error")
        elif totp.verify(admin, form.code.data or ""):
            record_success(db.session, keys)
            return _complete_login(admin)
        else:
            record_failure(db.session, keys)
            audit("login_failed", admin.login, WRONG_CODE, actor=admin.login)
            flash(WRONG_CODE, "error")
        db.session.commit()
    return render_template("admin/login_code.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Ends every login of this admin, here and anywhere else."""
    end_every_login(db.session, ADMIN, current_user.id)
    audit("logout", current_user.login)
    db.session.commit()
    logout_user()
    session.pop(SESSION_KEY, None)
    flash("ログアウトしました。", "info")
    return redirect(url_for("admin.login"))
