"""Helpers every storefront page shares: rendering, the shop settings, the member.

A member's login is a row in ``login_sessions`` (models.login_sessions), named by a
token in the session (``member_login``), the same mechanism as the admin's: logout
ends every login of the member, a new password ends every login made before it, and
停止 or 退会 ends them at the next request. A copied cookie or URL key opens nothing
afterwards.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import abort, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from carrier_compat.flask import current_carrier, regenerate_session
from ktaishop.extensions import db
from models import Member, ShopSettings
from models.login_sessions import MEMBER, end_every_login, is_current, logged_in_id, start_login

LOGIN_KEY = "member_login"  # the login token in the session
# Where ``next`` may lead after login/registration (never a URL from the request).
NEXT_ENDPOINTS = {
    "checkout": "storefront.checkout_info",
    "mypage": "storefront.mypage",
    "cart": "storefront.cart",
}


def shop() -> ShopSettings:
    if "shop_settings" not in g:
        g.shop_settings = ShopSettings.load(db.session)
    return g.shop_settings


def render(template: str, **context: Any) -> str:
    """A storefront page on this request's face, with the shop and the shopper's bits.

    While a catalog page is rendered for the page cache the shopper's values are held
    back (storefront.page_cache): the page shows them only through shopper parts.
    """
    from .faces import page_template
    from .page_cache import held_back_values, rendering_for_cache

    shopper = held_back_values() if rendering_for_cache() else shopper_values()
    return render_template(page_template(template), shop=shop(), **shopper, **context)


def shopper_context() -> dict[str, Any]:
    """What a page shows of this shopper: the member, the cart count, a one-shot notice.

    Everything personal on a page comes from here and shows only through the shopper
    parts (``shopper_part()``: _nav, _menu, _welcome, _notice, _shopper, _csrf), so a
    cached catalog page can take it in afterwards.
    """
    from .cart_store import cart_count

    return {"member": current_member(), "cart_count": cart_count(), "notice": pop_notice()}


def shopper_values() -> dict[str, Any]:
    """:func:`shopper_context`, worked out once per request (the notice is popped once)."""
    if "shopper" not in g:
        g.shopper = shopper_context()
    return g.shopper


def password_fingerprint(member: Member) -> str:
    return hashlib.sha256(member.password_hash.encode()).hexdigest()[:16]


def current_member() -> Member | None:
    """The logged-in, active member of this session, or None."""
    if "member" in g:
        return g.member
    member = None
    found = logged_in_id(db.session, MEMBER, session.get(LOGIN_KEY))
    if found is not None:
        member = db.session.get(Member, found[0])
        if member is None or not member.is_active_member or not is_current(member, found[1]):
            member = None
    if member is None and LOGIN_KEY in session:
        session.pop(LOGIN_KEY, None)
    g.member = member
    return member


def log_in(member: Member) -> None:
    """Start a member's login: a new session key (fixation), the cart kept.

    Adds the login row to the request's transaction and commits it.
    """
    regenerate_session()
    session[LOGIN_KEY] = start_login(db.session, MEMBER, member)
    db.session.commit()
    g.member = member


def log_out(member: Member | None = None) -> None:
    """End every login of the member (this one and any copy of it); commits."""
    member = member or current_member()
    if member is not None:
        end_every_login(db.session, MEMBER, member.id)
        db.session.commit()
    session.pop(LOGIN_KEY, None)
    session.pop("checkout", None)
    regenerate_session()
    g.member = None


def require_member() -> Member:
    member = current_member()
    if member is None:
        abort(redirect(url_for("storefront.login", next="mypage")))
    return member


def next_url(default: str = "storefront.mypage") -> str:
    endpoint = NEXT_ENDPOINTS.get(request.values.get("next", ""), default)
    return url_for(endpoint)


def carrier_name() -> str:
    """The carrier name stored on orders and members (willcom counts as pc mail-wise)."""
    return current_carrier().name


def redirect_to(endpoint: str, **values: Any) -> Response:
    return redirect(url_for(endpoint, **values))


def flash_message(text: str) -> None:
    """A one-shot notice shown on the next page (kept in the session, not a cookie)."""
    session["notice"] = text


def pop_notice() -> str | None:
    return session.pop("notice", None)
