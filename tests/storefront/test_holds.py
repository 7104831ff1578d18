"""Hole 3 (issue #13): unconfirmed guest orders (仮注文) cannot hold a shop's stock hostage.

At most ``provisional_limit`` (2) waiting 仮注文 per mail address and per handset; the
hold time is a setting (3 hours by default); the owner sees and releases holds.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ktaishop.extensions import db
from models import Order, ShopSettings, Variant

from .flows import to_confirmation
from .shop import BUYER, DOCOMO_UA, IPHONE_UA, Shopper, seed_shop

GATEWAY_IP = "210.153.84.10"  # inside docomo's published i-mode gateway range
REFUSED = "確認待ちのご注文（仮注文）がすでに2件あります"


def place(shopper: Shopper, catalog, buyer=None):
    confirm = to_confirmation(shopper, catalog.plain_id, catalog.plain_variant_id,
                              buyer=buyer)
    return shopper.submit(confirm, {}, action_contains="/checkout/place")


def stock(app, catalog) -> int:
    with app.app_context():
        return db.session.get(Variant, catalog.plain_variant_id).stock


def test_one_address_holds_at_most_two_unconfirmed_orders(app):
    catalog = seed_shop(app, stock=5)
    for _ in range(2):
        placed = place(Shopper(app, IPHONE_UA, cookies=True), catalog)
        assert "仮注文を受け付けました" in placed.text
    third = place(Shopper(app, IPHONE_UA, cookies=True, remote_addr="192.0.2.9"), catalog)
    assert REFUSED in third.text and "仮注文を受け付けました" not in third.text
    assert stock(app, catalog) == 3  # the refused order holds nothing

    other_buyer = BUYER | {"email": "hanako@ezweb.ne.jp"}
    fine = place(Shopper(app, IPHONE_UA, cookies=True, remote_addr="192.0.2.10"), catalog,
                 other_buyer)
    assert "仮注文を受け付けました" in fine.text


def test_one_handset_holds_at_most_two_whatever_address_it_types(app):
    catalog = seed_shop(app, stock=5)
    handset = {"headers": {"X-DCMGUID": "hoarder01"}, "remote_addr": GATEWAY_IP}
    for n in range(2):
        buyer = BUYER | {"email": f"made-up-{n}@docomo.ne.jp"}
        assert "仮注文を受け付けました" in place(Shopper(app, DOCOMO_UA, **handset), catalog,
                                                 buyer).text
    third = place(Shopper(app, DOCOMO_UA, **handset), catalog,
                  BUYER | {"email": "made-up-3@docomo.ne.jp"})
    assert REFUSED in third.text

    # Other handsets behind the same gateway address are not held back by it.
    neighbour = Shopper(app, DOCOMO_UA, headers={"X-DCMGUID": "neighbour"},
                        remote_addr=GATEWAY_IP)
    assert "仮注文を受け付けました" in place(neighbour, catalog,
                                             BUYER | {"email": "jiro@docomo.ne.jp"}).text


def test_the_hold_time_is_a_setting_and_an_expired_hold_does_not_count(app):
    catalog = seed_shop(app, stock=5)
    with app.app_context():
        assert ShopSettings.load(db.session).confirmation_hours == 3  # the default
        ShopSettings.load(db.session).confirmation_hours = 1
        db.session.commit()
    place(Shopper(app, IPHONE_UA, cookies=True), catalog)
    with app.app_context():
        order = db.session.scalar(select(Order))
        assert order.confirm_expires_at - order.ordered_at == timedelta(hours=1)
        order.confirm_expires_at = order.ordered_at - timedelta(minutes=1)
        db.session.commit()
    place(Shopper(app, IPHONE_UA, cookies=True), catalog)
    third = place(Shopper(app, IPHONE_UA, cookies=True), catalog)
    assert "仮注文を受け付けました" in third.text  # the expired one holds nothing
