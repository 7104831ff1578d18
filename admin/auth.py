"""Admin login and logout, with throttling after repeated failures."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ktaishop.extensions import db, login_manager
from models import AdminUser
from models.people import WRONG_LOGIN

from . import bp


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
    if admin is None:
        return WRONG_LOGIN
    return admin.attempt_login(password)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash("ログアウトしました。", "info")
    return redirect(url_for("admin.login"))
