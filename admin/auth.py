"""Admin login and logout, with throttling after repeated failures."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ktaishop.extensions import db, login_manager
from models import AdminUser, now

from . import bp

MAX_FAILURES = 5
LOCK_TIME = timedelta(minutes=15)


class LoginForm(FlaskForm):
    login = StringField(
        "ログインID", validators=[DataRequired("ログインIDを入力してください。"), Length(max=50)]
    )
    password = PasswordField(
        "パスワード", validators=[DataRequired("パスワードを入力してください。"), Length(max=200)]
    )


@login_manager.user_loader
def load_admin(user_id: str) -> AdminUser | None:
    return db.session.get(AdminUser, int(user_id)) if user_id.isdigit() else None


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
        admin = db.session.scalar(select(AdminUser).where(AdminUser.login == form.login.data))
        message = check_login(admin, form.password.data or "")
        db.session.commit()
        if message is None:
            login_user(admin)
            return redirect(safe_next(request.args.get("next")))
        flash(message, "error")
    return render_template("admin/login.html", form=form)


def check_login(admin: AdminUser | None, password: str) -> str | None:
    """None when the password is right; else the message to show (throttled)."""
    wrong = "ログインIDまたはパスワードが正しくありません。"
    if admin is None:
        return wrong
    if admin.locked_until and admin.locked_until > now():
        return (
            "ログインの失敗が続いたため、しばらくログインできません。"
            "15分ほど待ってからお試しください。"
        )
    if not admin.check_password(password):
        admin.failed_logins += 1
        if admin.failed_logins >= MAX_FAILURES:
            admin.locked_until = now() + LOCK_TIME
            admin.failed_logins = 0
        return wrong
    admin.failed_logins = 0
    admin.locked_until = None
    return None


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash("ログアウトしました。", "info")
    return redirect(url_for("admin.login"))
