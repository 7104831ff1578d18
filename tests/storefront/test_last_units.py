"""50 shoppers press 注文する at once for the last 5 units: exactly 5 orders."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from ktaishop.extensions import db
from models import Order, Variant

from .flows import to_confirmation
from .shop import DOCOMO_UA, IPHONE_UA, Shopper, seed_shop

BUYERS = 50
UNITS = 5


def test_fifty_buyers_for_the_last_five_units(app):
    catalog = seed_shop(app, stock=UNITS)
    buyers = []
    for i in range(BUYERS):
        # Half cookie-less docomo handsets (database sessions), half smartphones.
        shopper = Shopper(app, DOCOMO_UA) if i % 2 else Shopper(app, IPHONE_UA, cookies=True)
        buyers.append((shopper, to_confirmation(shopper, catalog.plain_id,
                                                catalog.plain_variant_id)))
    start = threading.Barrier(BUYERS)
    answers: list[str] = [""] * BUYERS

    def buy(index: int) -> None:
        shopper, confirm = buyers[index]
        start.wait(30)
        answers[index] = shopper.submit(confirm, {}, action_contains="/checkout/place").text

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
