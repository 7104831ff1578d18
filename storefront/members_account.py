"""マイページ: 注文履歴, 会員情報変更, パスワード変更, メルマガ, かんたんログイン設定, 退会.

Every change to the account asks for the current password (a handset may be lent
or lost with the session still open). A new mail address takes effect only from the
link mailed to it: a mistyped address must not cut the member off from the shop.
"""

from __future__ import annotations

from flask import abort, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from carrier_compat.address import address_key, carrier_for_address
from carrier_compat.flask import current_carrier
from ktaishop.extensions import db
from models import MailKind, Member, MemberStatus, Order

from . import bp
from .address import filled_from_postcode, lookup_requested
from .checkout_place import external_url
from .common import flash_message, log_in, log_out, redirect_to, render, require_member
from .forms import clean_person, password_error, row_id
from .member_mail import send_member_mail
from .members import easy_login_available, member_by_email, member_by_subscriber
from .tokens import email_change_for_token, make_email_change_token

WRONG_PASSWORD = "現在のパスワードが違います。"
EMAIL_TAKEN = "このメールアドレスは他の会員が使っています。"
HISTORY_LIMIT = 20
NEWSLETTER_ON = "メルマガを配信します。"
NEWSLETTER_OFF = "メルマガの配信を停止しました。"


@bp.route("/mypage")
def mypage() -> str:
    require_member()
    return render("members/mypage.html", easy_login=easy_login_available())


@bp.route("/mypage/orders")
def my_orders() -> str:
    member = require_member()
    orders = db.session.scalars(
        select(Order).where(Order.member_id == member.id)
        .order_by(Order.ordered_at.desc(), Order.id.desc()).limit(HISTORY_LIMIT)
    ).all()
    return render("members/orders.html", orders=orders)


@bp.route("/mypage/orders/<id:order_id>")
def my_order(order_id: int) -> str:
    member = require_member()
    order = db.session.get(Order, order_id) if row_id(order_id) else None
    if order is None or order.member_id != member.id:
        abort(404)
    return render("members/order.html", order=order)


def _checked_password(member: Member) -> str | None:
    if member.check_password(request.form.get("current_password", "")):
        return None
    return WRONG_PASSWORD


@bp.route("/mypage/profile", methods=["GET", "POST"])
def my_profile() -> Response | str:
    member = require_member()
    if request.method != "POST":  # GET, and HEAD (which must never act)
        values = {k: getattr(member, k) for k in ("name", "kana", "tel", "email", "zip_code",
                                                   "address")}
        return render("members/profile.html", values=values, errors={})
    cleaned = clean_person(request.form)
    if lookup_requested(request.form):
        values, errors = filled_from_postcode(cleaned.values, request.form)
        return render("members/profile.html", values=values, errors=errors)
    other = member_by_email(cleaned.values.get("email", ""))
    if other is not None and other.id != member.id:
        cleaned.errors["email"] = EMAIL_TAKEN
    if message := _checked_password(member):
        cleaned.errors["current_password"] = message
    if not cleaned.ok:
        return render("members/profile.html", values=cleaned.values, errors=cleaned.errors)
    new_email = cleaned.values.pop("email")
    for name, value in cleaned.values.items():
        setattr(member, name, value)
    message = "会員情報を変更しました。"
    if address_key(new_email) != address_key(member.email):
        url = external_url("storefront.email_change",
                           token=make_email_change_token(member, new_email))
        send_member_mail(member, MailKind.EMAIL_CHANGE, url, to=new_email)
        message += ("新しいメールアドレスに確認メールを送りました。メールのURLを開くと、"
                    "メールアドレスの変更が完了します（24時間有効）。")
    db.session.commit()
    flash_message(message)
    return redirect_to("storefront.mypage")


@bp.route("/mypage/email/<token>", methods=["GET", "POST"])
def email_change(token: str) -> str:
    """The link of the メールアドレス変更 mail: works once, without logging in (it may
    open in another browser of the handset). GET shows the change and a button; only
    the POST makes it (mail scanners open links too). The change ends every link mailed
    before it (a パスワード再設定 sent to the old address among them)."""
    found = email_change_for_token(token)
    if found is None:
        return render("members/link_invalid.html")
    member, new_email = found
    other = member_by_email(new_email)
    if other is not None and other.id != member.id:
        return render("members/email_changed.html", email=new_email, error=EMAIL_TAKEN)
    if request.method != "POST":  # GET, and HEAD (which must never act)
        return render("members/email_change.html", token=token, email=new_email)
    old_email = member.email
    member.change_email(new_email, carrier_for_address(new_email))
    send_member_mail(member, MailKind.EMAIL_CHANGED, to=old_email)  # in case it was not them
    try:
        db.session.commit()
    except IntegrityError:  # another member took the address this very moment
        db.session.rollback()
        return render("members/email_changed.html", email=new_email, error=EMAIL_TAKEN)
    return render("members/email_changed.html", email=new_email, error=None)


@bp.route("/mypage/password", methods=["GET", "POST"])
def my_password() -> Response | str:
    member = require_member()
    if request.method != "POST":  # GET, and HEAD (which must never act)
        return render("members/password.html", errors={})
    errors: dict[str, str] = {}
    if message := _checked_password(member):
        errors["current_password"] = message
    if message := password_error(request.form.get("password", ""),
                                 request.form.get("password2", "")):
        errors["password"] = message
    if errors:
        return render("members/password.html", errors=errors)
    member.set_password(request.form["password"])
    db.session.commit()
    log_in(member)  # new fingerprint: other sessions of this member end here
    flash_message("パスワードを変更しました。")
    return redirect_to("storefront.mypage")


@bp.route("/mypage/newsletter", methods=["GET", "POST"])
def my_newsletter() -> Response | str:
    member = require_member()
    if request.method != "POST":  # GET, and HEAD (which must never act)
        return render("members/newsletter.html")
    member.newsletter = request.form.get("newsletter") == "1"
    db.session.commit()
    flash_message(NEWSLETTER_ON if member.newsletter else NEWSLETTER_OFF)
    return redirect_to("storefront.mypage")


@bp.route("/mypage/easy-login", methods=["GET", "POST"])
def my_easy_login() -> Response | str:
    member = require_member()
    if not easy_login_available():
        return render("members/easy_unavailable.html")
    linked = member.subscriber_id is not None
    if request.method != "POST":  # GET, and HEAD (which must never act)
        return render("members/easy_setup.html", linked=linked, error=None)
    if message := _checked_password(member):
        return render("members/easy_setup.html", linked=linked, error=message)
    if request.form.get("action") == "unlink":
        member.subscriber_carrier = member.subscriber_id = None
        flash_message("かんたんログインを解除しました。")
    else:
        holder = member_by_subscriber()
        if holder is not None and holder.id != member.id:
            holder.subscriber_carrier = holder.subscriber_id = None
            db.session.flush()
        carrier = current_carrier()
        member.subscriber_carrier, member.subscriber_id = carrier.name, carrier.subscriber_id
        flash_message("かんたんログインを設定しました。")
    db.session.commit()
    return redirect_to("storefront.mypage")


@bp.route("/mypage/withdraw", methods=["GET", "POST"])
def my_withdraw() -> Response | str:
    member = require_member()
    if request.method != "POST":  # GET, and HEAD (which must never act)
        return render("members/withdraw.html", error=None)
    if message := _checked_password(member):
        return render("members/withdraw.html", error=message)
    member.change_status(MemberStatus.WITHDRAWN)
    db.session.commit()
    log_out()
    flash_message("退会手続きが完了しました。ご利用ありがとうございました。")
    return redirect_to("storefront.top")
