"""Stock and order numbers under concurrent checkout, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from ktaishop.extensions import db as database
from models import (
    CartLine,
    CheckoutDetails,
    Order,
    OutOfStock,
    Variant,
    place_order,
    reserve_stock,
)
from tests.factories import BUYER, make_product


def _in_threads(app, count: int, work):
    """Run ``work(session, n)`` in ``count`` threads at once, each with its own session."""
    start = threading.Barrier(count)

    def run(n: int):
        with app.app_context():
            session = database.new_session()
            try:
                start.wait()
                result = work(session, n)
                session.commit()
                return result
            except OutOfStock:
                session.rollback()
                return None
            finally:
                session.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_fifty_reservations_of_the_last_five_units(app, db):
    variant_id = make_product(db, stock=5).variants[0].id
    db.commit()
    results = _in_threads(app, 50, lambda s, n: reserve_stock(s, variant_id, 1, "T") or True)
    assert results.count(True) == 5
    db.expire_all()
    assert db.get(Variant, variant_id).stock == 0


def test_fifty_checkouts_of_the_last_five_units_make_five_orders(app, db):
    variant_id = make_product(db, stock=5).variants[0].id
    db.commit()

    def buy(session, n):
        details = CheckoutDetails(purchaser=BUYER, checkout_token=f"token-{n}")
        return place_order(session, [CartLine(variant_id, 1)], details, guest=False).order.order_no

    numbers = [n for n in _in_threads(app, 50, buy) if n]
    assert len(numbers) == 5
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Order)) == 5
    assert db.get(Variant, variant_id).stock == 0


def test_order_numbers_are_unique_under_concurrent_checkout(app, db):
    variant_id = make_product(db, stock=1000).variants[0].id
    db.commit()

    def buy(session, n):
        details = CheckoutDetails(purchaser=BUYER)
        return place_order(session, [CartLine(variant_id, 1)], details, guest=False).order.order_no

    numbers = _in_threads(app, 30, buy)
    assert len(set(numbers)) == 30
    assert all(re.fullmatch(r"\d{8}_\d{10}", n) for n in numbers)
    assert sorted(int(n[-10:]) for n in numbers) == list(range(1, 31))
