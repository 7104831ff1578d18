"""Members, getting in: 会員登録 (mail verification), ログイン/ログアウト, パスワード再設定,
かんたんログイン. The member's own pages are in members_account.

Registration (issue #19): the form asks for the details, never a password. The mailed
link opens a page where whoever holds the mailbox sets the password (POST; opening the
link changes nothing, as mail scanners open links too). A registration waiting for its
link is not replaced by another one for the same address (that one mails the link
again), so nobody can slip their own password into someone else's account. A member
who withdrew (退会) no longer holds the address: registering it again makes a new
member, and the old one keeps its orders, never reattached.
"""

from __future__ import annotations

from datetime import timedelta

from flask import redirect, request
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from carrier_compat.address import address_key, carrier_for_address, is_valid_address
from carrier_compat.flask import current_carrier
from ktaishop.clients import client_key
from ktaishop.extensions import db, limiter
from ktaishop.ratelimit import MAIL_PER_ADDRESS, MAIL_PER_CLIENT
from models import MailKind, Member, MemberStatus, now
from models.login_sessions import MEMBER
from models.throttle import check_password, login_keys

from . import bp
from .address import filled_from_postcode, lookup_requested
from .checkout_place import external_url
from .common import (
    current_member,
    flash_message,
    log_in,
    log_out,
    next_url,
    redirect_to,
    render,
    shop,
)
from .forms import INVALID_EMAIL, clean_person, email_text, password_error, typed_address
from .member_mail import send_member_mail
from .tokens import MAX_AGE, PASSWORD_RESET, REGISTRATION, make_token, member_for_token

LOGIN_FAILED = "メールアドレスかパスワードが違います。"


def member_by_email(email: str) -> Member | None:
    """The member (not withdrawn) holding ``email``, however the address is spelled."""
    return db.session.scalar(select(Member).where(
        func.lower(Member.email) == address_key(email),
        Member.status != MemberStatus.WITHDRAWN))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(MAIL_PER_ADDRESS, key_func=lambda: typed_address("email"), methods=["POST"])
@limiter.limit(MAIL_PER_CLIENT, key_func=client_key, methods=["POST"])
def register() -> Response | str:
    """会員登録. The answer is the same page for every address; what happens is told by
    mail: a new address gets the confirmation link (again, while one waits), an
    address already registered a note saying how to log in or reset the password (the
    page must not reveal who is a member)."""
    nxt = request.values.get("next", "")
    if request.method != "POST":  # GET, and HEAD (which must never act)
        return render("members/register.html", values={"newsletter": "1"}, errors={}, next=nxt)
    cleaned = clean_person(request.form)
    if lookup_requested(request.form):
        values, errors = filled_from_postcode(cleaned.values, request.form)
        values["newsletter"] = "1" if request.form.get("newsletter") == "1" else ""
        return render("members/register.html", values=values, errors=errors, next=nxt)
    newsletter = request.form.get("newsletter") == "1"
    if not cleaned.ok:
        values = cleaned.values | {"newsletter": "1" if newsletter else ""}
        return render("members/register.html", values=values, errors=cleaned.errors, next=nxt)
    existing = member_by_email(cleaned.values["email"])
    if existing is not None and not existing.is_pending:
        _tell_already_registered(existing)
    elif existing is not None and not _lapsed(existing):
        _send_link(existing)  # the waiting registration stays as it is
    else:
        _register(existing, cleaned.values, newsletter)
    try:
        db.session.commit()
    except IntegrityError:  # the same address registered by a parallel request: its mail goes
        db.session.rollback()
    return render("members/register_sent.html", email=cleaned.values["email"])


def _lapsed(pending: Member) -> bool:
    """A registration whose link has expired unused: a new one may take its place."""
    return pending.created_at + timedelta(seconds=MAX_AGE[REGISTRATION]) < now()


def _register(lapsed: Member | None, values: dict[str, str], newsletter: bool) -> None:
    member = lapsed or Member(email=values["email"])
    if lapsed is None:
        db.session.add(member)
    for name, value in values.items():
        setattr(member, name, value)
    member.carrier = carrier_for_address(member.email)
    member.newsletter, member.status, member.email_verified_at = newsletter, "active", None
    member.password_hash, member.created_at = "", now()
    member.end_links()  # a lapsed registration's links stay dead
    db.session.flush()
    _send_link(member)


def _send_link(member: Member) -> None:
    url = external_url("storefront.verify", token=make_token(REGISTRATION, member))
    send_member_mail(member, MailKind.MEMBER_REGISTRATION, url)


def _tell_already_registered(member: Member) -> None:
    """Mail the address's owner instead of answering on the page."""
    if member.status == MemberStatus.SUSPENDED or not member.is_active_member:
        kind = MailKind.REGISTRATION_REFUSED
    else:
        kind = MailKind.ALREADY_REGISTERED
    send_member_mail(member, kind, external_url("storefront.password_reset"))


@bp.route("/register/verify/<token>", methods=["GET", "POST"])
def verify(token: str) -> str:
    """The registration link: GET shows the page and the password form; only the POST
    (the person holding the mailbox) sets the password and completes the registration."""
    member = member_for_token(REGISTRATION, token)
    if member is None or not member.is_pending:
        return render("members/link_invalid.html")
    if request.method != "POST":  # GET, and HEAD (which must never act)
        return render("members/verify.html", token=token, pending=member, error=None)
    password = request.form.get("password", "")
    if message := password_error(password, request.form.get("password2", "")):
        return render("members/verify.html", token=token, pending=member, error=message)
    member.set_password(password)  # the link is used: its fingerprint moved on
    member.email_verified_at = now()
    db.session.commit()
    return render("members/verified.html", already=False)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str:
    nxt = request.values.get("next", "")
    if request.method != "POST":  # GET, and HEAD (which must never act)
        if current_member() is not None:
            return redirect_to("storefront.mypage")
        return render("members/login.html", email="", error=None, next=nxt)
    email = email_text(request.form.get("email"))
    member = member_by_email(email)
    if member is not None and not member.is_active_member:
        member = None  # 停止 and 退会 answer as an unknown address does
    keys = login_keys(MEMBER, email, client_key())  # per client, and per address and client
    error = check_password(db.session, keys, member, request.form.get("password", ""),
                           LOGIN_FAILED)
    db.session.commit()  # a wrong password counts towards the throttle
    if error is not None:
        return render("members/login.html", email=email, error=error, next=nxt)
    if member.email_verified_at is None:
        error = "メールアドレスの確認が済んでいません。登録確認メールのURLを開いてください。"
        return render("members/login.html", email=email, error=error, next=nxt)
    log_in(member)
    flash_message(f"{member.name}様、ようこそ。")
    return redirect(next_url())


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    log_out()
    flash_message("ログアウトしました。")
    return redirect_to("storefront.top")


@bp.route("/password/reset", methods=["GET", "POST"])
@limiter.limit(MAIL_PER_ADDRESS, key_func=lambda: typed_address("email"), methods=["POST"])
@limiter.limit(MAIL_PER_CLIENT, key_func=client_key, methods=["POST"])
def password_reset() -> str:
    if request.method != "POST":  # GET, and HEAD (which must never act)
        return render("members/reset_request.html")
    email = email_text(request.form.get("email"))
    if not email or not is_valid_address(email):
        # Only the form of the address is judged here, never whether it is a member's.
        error = "メールアドレスを入力してください。" if not email else INVALID_EMAIL
        return render("members/reset_request.html", email=email, error=error)
    member = member_by_email(email)
    if member is not None and member.is_active_member and member.email_verified_at:
        url = external_url("storefront.password_reset_token",
                           token=make_token(PASSWORD_RESET, member))
        send_member_mail(member, MailKind.PASSWORD_RESET, url)
        db.session.commit()
    # The same answer either way: the page must not reveal who is a member.
    return render("members/reset_sent.html")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def password_reset_token(token: str) -> Response | str:
    member = member_for_token(PASSWORD_RESET, token)
    if member is None or not member.is_active_member:
        return render("members/link_invalid.html")
    if request.method != "POST":  # GET, and HEAD (which must never act)
        return render("members/reset_form.html", token=token, error=None)
    password = request.form.get("password", "")
    if message := password_error(password, request.form.get("password2", "")):
        return render("members/reset_form.html", token=token, error=message)
    member.set_password(password)
    db.session.commit()
    log_out()
    flash_message("パスワードを変更しました。新しいパスワードでログインしてください。")
    return redirect_to("storefront.login")


def easy_login_available() -> bool:
    """かんたんログイン: the shop turned it on and the request came through a carrier gateway."""
    return bool(shop().easy_login) and current_carrier().subscriber_id is not None


def member_by_subscriber() -> Member | None:
    carrier = current_carrier()
    return db.session.scalar(select(Member).where(
        Member.subscriber_carrier == carrier.name,
        Member.subscriber_id == carrier.subscriber_id,
    ))


@bp.route("/easy-login", methods=["GET", "POST"])
def easy_login() -> Response | str:
    if not easy_login_available():
        return render("members/easy_unavailable.html")
    if request.method != "POST":  # GET, and HEAD (which must never act)
        return render("members/easy_login.html")
    member = member_by_subscriber()
    if member is None or not member.is_active_member or member.email_verified_at is None:
        return render("members/easy_login.html",
                      error="この端末はまだ登録されていません。パスワードでログインしてから設定してください。")
    log_in(member)
    flash_message(f"{member.name}様、ようこそ。")
    return redirect_to("storefront.mypage")
