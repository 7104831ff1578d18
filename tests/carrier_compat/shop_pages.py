"""The storefront's real keitai pages, as a handset walks the shop, before and after the
keitai output pipeline.

:func:`walk_the_shop` drives the real app (real templates, real database) with
:class:`tests.storefront.shop.Shopper` and returns every HTML page it was served, each
with the text the views rendered (what ``carrier_compat.pipeline.keitai_page`` was given)
and the bytes the handset received. The CSS comparison test and the before/after check of
a refactoring of the pipeline both read these pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import carrier_compat.flask as keitai_flask
from carrier_compat.base import Carrier
from carrier_compat.detection import detect
from ktaishop.extensions import db
from models import Member
from tests.keitai import KeitaiPage
from tests.storefront.flows import COD_OPTIONS
from tests.storefront.shop import BUYER, PASSWORD, Shopper, link_to, seed_shop

MEMBER_EMAIL = "hanako@docomo.ne.jp"
PERSON = ("name", "kana", "tel", "zip_code", "address")


@dataclass(frozen=True)
class ServedPage:
    """One HTML response to a handset: the request path, the page as rendered, the bytes
    sent, and the carrier it was built for."""

    path: str
    rendered: str
    served: bytes
    carrier: Carrier


@contextmanager
def served_pages() -> Iterator[list[ServedPage]]:
    """Record every page the keitai layer builds while the block runs."""
    from flask import request

    pages: list[ServedPage] = []
    real = keitai_flask.keitai_page

    def recording(text: str, carrier: Carrier, *args: Any, **kwargs: Any) -> bytes:
        body = real(text, carrier, *args, **kwargs)
        pages.append(ServedPage(request.path, text, body, carrier))
        return body

    keitai_flask.keitai_page = recording  # type: ignore[assignment]
    try:
        yield pages
    finally:
        keitai_flask.keitai_page = real  # type: ignore[assignment]


def walk_the_shop(app: Any, user_agent: str) -> list[ServedPage]:
    """Every page a guest and a member see: top, shelf, product, cart, each checkout step
    (an error page included), the order done page, the member pages and the shop pages."""
    catalog = seed_shop(app)
    _make_member(app)
    cookies = detect({"HTTP_USER_AGENT": user_agent}).supports_cookie
    with served_pages() as pages:
        _guest_walk(Shopper(app, user_agent, cookies=cookies), catalog)
        _member_walk(Shopper(app, user_agent, cookies=cookies), catalog)
    return pages


def _guest_walk(guest: Shopper, catalog: Any) -> None:
    top = guest.get("/")
    guest.get(link_to(top, f"/shelf/{catalog.shelf_id}"))
    guest.get(f"/product/{catalog.product_id}/images")
    product = guest.get(f"/product/{catalog.product_id}")
    cart = guest.submit(product, {"variant_id": str(catalog.variant_id), "quantity": "1"},
                        action_contains="/cart/add")
    start = guest.get(link_to(cart, "/checkout"))
    info = guest.get(link_to(start, "/checkout/guest"))
    refused = guest.submit(info, {"name": "", "tel": "abc"})  # the page with error messages
    recipient = guest.submit(refused, BUYER | {"same": "0"})
    options = guest.submit(recipient, {name: BUYER[name] for name in PERSON})
    confirm = guest.submit(options, COD_OPTIONS)
    guest.submit(confirm, {}, action_contains="/checkout/place")
    for path in ("/law", "/privacy", "/contact", "/register", "/password/reset"):
        guest.get(path)


def _member_walk(member: Shopper, catalog: Any) -> None:
    mypage = member.submit(member.get("/login"), {"email": MEMBER_EMAIL, "password": PASSWORD})
    product = member.get(_with_key(mypage, f"/product/{catalog.plain_id}"))
    cart = member.submit(product, {"quantity": "2"}, action_contains="/cart/add")
    info = member.get(link_to(cart, "/checkout"))
    options = member.submit(info, {"same": "1"} | _prefilled(info.text))
    confirm = member.submit(options, COD_OPTIONS)
    done = member.submit(confirm, {}, action_contains="/checkout/place")
    # Checkout moved the session to a new key (issue #13): on from the latest page.
    orders = member.get(_with_key(done, "/mypage/orders"))
    member.get(link_to(orders, "/mypage/orders/"))
    for path in ("/mypage/profile", "/mypage/password", "/mypage/newsletter",
                 "/mypage/easy-login", "/mypage/withdraw", "/mypage", "/easy-login"):
        member.get(_with_key(done, path))


def _with_key(page: KeitaiPage, path: str) -> str:
    """*path* with the session key *page* carries, if any (a cookie-less handset)."""
    key = re.search(r"ksid=([A-Za-z0-9_-]+)", page.text)
    return path if key is None else f"{path}?ksid={key.group(1)}"


def _prefilled(page: str) -> dict[str, str]:
    values = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page))
    return {name: values[name] for name in (*PERSON, "email") if name in values}


def _make_member(app: Any) -> None:
    with app.app_context():
        member = Member(email=MEMBER_EMAIL, name="鈴木 花子", kana="スズキ ハナコ",
                        tel="0312345678", zip_code="1000001", address="東京都千代田区1-1",
                        carrier="docomo", email_verified_at=datetime(2026, 1, 1))
        member.set_password(PASSWORD)
        db.session.add(member)
        db.session.commit()
