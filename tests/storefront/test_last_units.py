"""50 shoppers press 注文する at once for the last 5 units: exactly 5 orders."""

from __future__ import annotations

import re
import secrets
import threading
from html import unescape

from sqlalchemy import func, select

from ktaishop.extensions import db
from models import Order, ShopSettings, Variant

from .flows import to_confirmation
from .shop import DOCOMO_UA, IPHONE_UA, Shopper, seed_shop

BUYERS = 50
HANDSETS = 10  # cookie-less docomo buyers who walk the whole checkout (database sessions)
UNITS = 5
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def smartphone_buyers(app, catalog, count: int) -> list:
    """One smartphone walks to the confirmation page; the others get a copy of its
    session (cart, details, CSRF secret) with a checkout token of their own."""
    first = Shopper(app, IPHONE_UA, cookies=True)
    confirm = to_confirmation(first, catalog.plain_id, catalog.plain_variant_id)
    with first.client.client.session_transaction() as session:
        template = dict(session)
    csrf = unescape(CSRF.search(confirm.text).group(1))
    buyers = []
    for _ in range(count):
        shopper = Shopper(app, IPHONE_UA, cookies=True)
        token = secrets.token_urlsafe(24)
        with shopper.client.client.session_transaction() as session:
            session.update(template)
            session["checkout"] = template["checkout"] | {"token": token}
        buyers.append((shopper, {"csrf_token": csrf, "checkout_token": token}))
    return buyers


def test_fifty_buyers_for_the_last_five_units(app):
    catalog = seed_shop(app, stock=UNITS)
    with app.app_context():
        # Every buyer here is one shopper (copies of one session, one mail address):
        # the limit of waiting 仮注文 per shopper (test_holds.py) is turned off, so the
        # race for the last units is what is tested.
        ShopSettings.load(db.session).provisional_limit = 0
        db.session.commit()
    buyers: list = smartphone_buyers(app, catalog, BUYERS - HANDSETS)
    for _ in range(HANDSETS):
        phone = Shopper(app, DOCOMO_UA)
        buyers.append((phone, to_confirmation(phone, catalog.plain_id,
                                              catalog.plain_variant_id)))
    start = threading.Barrier(BUYERS)
    answers: list[str] = [""] * BUYERS

    def buy(index: int) -> None:
        shopper, prepared = buyers[index]
        start.wait(30)
        if isinstance(prepared, dict):
            page = shopper.client.post("/checkout/place", prepared)
            page = shopper.client.follow(page) if page.status == 302 else page
        else:
            page = shopper.submit(prepared, {}, action_contains="/checkout/place")
        answers[index] = page.text

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(BUYERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    won = [a for a in answers if "仮注文を受け付けました" in a]
    lost = [a for a in answers if "「マグカップ」は在庫が不足しています" in a]
    assert len(won) == UNITS and len(lost) == BUYERS - UNITS
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == UNITS
        assert db.session.get(Variant, catalog.plain_variant_id).stock == 0
        numbers = db.session.scalars(select(Order.order_no)).all()
        assert len(set(numbers)) == UNITS
