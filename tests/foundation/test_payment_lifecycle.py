"""Issue #19, money: authorise → capture → void or refund, by the rules and the core service.

The sandbox keeps its books in the database, so two app servers agree; an authorisation
is single-use and bound to one order and one amount; no card order is 注文完了 without a
capture of its exact total; per-item 取消 refunds the part cancelled; an order keeps the
fee rules it was placed under.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ktaishop import create_app
from ktaishop.jobs import expire_orders
from ktaishop.payment import (
    PaymentDeclined,
    authorise_card,
    capture_order,
    gateway,
    settle_item_changes,
)
from models import (
    AuthorisationRefused,
    CardAuthorisation,
    OrderStatus,
    PaymentRecord,
    ShopSettings,
    TransitionError,
)
from models.payment_records import AMOUNT_CHANGED, NOT_AUTHORIZED, claim_authorisation
from tests.factories import make_order

from .card_orders import CARD, charged_card_order, held_card_order


def _actions(order) -> list[str]:
    return [event.action for event in order.events]


def test_two_app_servers_share_the_sandbox_books_and_capture_once(app, db):
    """#17 runs several app processes: a capture made through one is seen by the other."""
    reference = gateway().authorize(CARD, 2000).reference
    db.commit()
    other = create_app(dict(app.config))  # a second app server on the same database
    with other.app_context():
        gateway().capture(reference, 2000, "20260101_0000000001")
        other.extensions["ktaishop.db"].sessions.commit()
        assert gateway().captured == {reference: 2000}
    with pytest.raises(PaymentDeclined, match=NOT_AUTHORIZED):
        gateway().capture(reference, 2000, "20260101_0000000002")  # single-use
    assert gateway().captured == {reference: 2000}
    with other.app_context():
        other.extensions["ktaishop.db"].engine.dispose()


def test_the_sandbox_records_every_operation_and_refuses_what_a_provider_would(db):
    reference = gateway().authorize(CARD, 3000).reference
    with pytest.raises(PaymentDeclined, match=AMOUNT_CHANGED):
        gateway().capture(reference, 3001)
    gateway().capture(reference, 3000)
    with pytest.raises(PaymentDeclined, match="与信取消できません"):
        gateway().void(reference)
    gateway().refund(reference, 1000)
    with pytest.raises(PaymentDeclined, match="返金額が決済額を超えています"):
        gateway().refund(reference, 2001)
    gateway().refund(reference, 2000)
    books = gateway()
    assert (books.authorised, books.captured, books.refunded, books.voided) == (
        {reference: 3000}, {reference: 3000}, {reference: 3000}, {})


def test_an_authorisation_is_claimed_once_for_one_order_and_its_amount(db):
    first = make_order(db, OrderStatus.COMPLETED)
    second = make_order(db, OrderStatus.COMPLETED)
    auth = authorise_card(db, CARD, first.total)
    with pytest.raises(AuthorisationRefused, match=AMOUNT_CHANGED):
        claim_authorisation(db, auth.reference, first.id, first.total + 1)
    claim_authorisation(db, auth.reference, first.id, first.total)
    with pytest.raises(AuthorisationRefused, match=NOT_AUTHORIZED):
        claim_authorisation(db, auth.reference, second.id, second.total)
    db.commit()
    record = db.get(CardAuthorisation, auth.reference)
    assert (record.state, record.order_id, record.amount) == ("claimed", first.id, first.total)
    [logged] = db.scalars(select(PaymentRecord)).all()
    assert (logged.action, logged.order_id, logged.amount) == ("与信", first.id, first.total)


def test_no_card_order_becomes_completed_without_capturing_its_exact_total(db):
    order = held_card_order(db)
    with pytest.raises(TransitionError, match="売上が確定していないため"):
        order.confirm(db, "tester")
    with pytest.raises(TransitionError, match="売上が確定していないため"):
        order.correct_status(db, OrderStatus.COMPLETED, "tester")
    db.rollback()
    assert order.status == OrderStatus.PROVISIONAL and gateway().captured == {}
    capture_order(db, order, "tester")
    order.confirm(db, "tester")
    db.commit()
    assert order.status == OrderStatus.COMPLETED and order.payment_status == "決済完了"
    assert gateway().captured == {order.payment_reference: order.total}
    assert f"クレジットカード決済を確定（{order.total:,}円）" in _actions(order)


def test_a_capture_never_exceeds_the_authorisation(db):
    order = held_card_order(db)
    order.authorised_amount = order.total - 1  # e.g. a line restored after the hold
    with pytest.raises(TransitionError, match="与信額"):
        capture_order(db, order, "tester")
    assert gateway().captured == {}


def test_an_expired_orders_voided_card_cannot_be_restored(db):
    order = held_card_order(db)
    order.confirm_expires_at = order.ordered_at - timedelta(minutes=1)
    db.commit()
    expire_orders(db)
    assert order.status == OrderStatus.CANCELLED and order.payment_status == "与信取消"
    with pytest.raises(TransitionError, match="与信を取り消した注文は、注文完了に戻せません"):
        order.correct_status(db, OrderStatus.COMPLETED, "tester")
    db.rollback()
    assert order.status == OrderStatus.CANCELLED and gateway().captured == {}


def test_per_item_cancel_refunds_the_lines_part_and_cannot_be_undone(db):
    order = charged_card_order(db)  # 1,000 円 x 2 and 500 円 x 1, charged its total
    charged = order.total
    order.cancel_item(db, order.items[1], "tester")
    assert settle_item_changes(order, "tester") == charged - order.total == 500
    db.commit()
    assert order.payment_status == "決済完了" and order.refunded_amount == 500
    assert gateway().refunded == {order.payment_reference: 500}
    assert "商品取消のため一部返金（500円、返金額合計 500円）" in _actions(order)
    logged = db.scalars(select(PaymentRecord).where(PaymentRecord.action == "返金")).all()
    assert [(r.order_id, r.amount, r.note) for r in logged] == [(order.id, 500, "商品取消")]
    order.restore_item(db, order.items[1], "tester")
    with pytest.raises(TransitionError, match="決済済みの金額 2,800円 を超える"):
        settle_item_changes(order, "tester")  # the card cannot be charged again
    db.rollback()
    assert gateway().refunded == {order.payment_reference: 500}


def test_corrections_keep_the_fees_the_order_was_placed_under(db):
    settings = ShopSettings.load(db)
    settings.free_shipping_over, settings.shipping_fee = 2000, 800
    order = charged_card_order(db)  # 2,500 円 of goods: shipping free then
    assert order.shipping_fee == 0
    settings.free_shipping_over, settings.shipping_fee = None, 1500  # "for future orders"
    db.commit()
    order.cancel_item(db, order.items[1], "tester")  # 2,000 円 left: still free by its rule
    assert (order.subtotal, order.shipping_fee, order.total) == (2000, 0, 2000)
    order.restore_item(db, order.items[1], "tester")
    order.cancel_item(db, order.items[0], "tester")  # 500 円 left: its own 800 円, not 1,500
    assert (order.shipping_fee, order.total) == (800, 1300)


def test_an_order_placed_before_fee_rules_were_kept_keeps_the_fees_it_was_charged(db):
    order = charged_card_order(db)
    order.fee_rules = None  # as migration 0011 leaves older orders
    order.shipping_fee, order.total = 700, order.subtotal + 700
    ShopSettings.load(db).shipping_fee = 1500
    order.cancel_item(db, order.items[1], "tester")
    assert (order.shipping_fee, order.total) == (700, 2000 + 700)


def test_open_authorisations_of_abandoned_checkouts_are_voided(db):
    fresh = authorise_card(db, CARD, 1000)
    stale = authorise_card(db, CARD, 2000)
    db.get(CardAuthorisation, stale.reference).created_at -= timedelta(hours=4)
    db.commit()
    expire_orders(db)
    assert gateway().voided == {stale.reference: 2000}
    assert db.get(CardAuthorisation, stale.reference).state == "released"
    assert db.get(CardAuthorisation, fresh.reference).state == "open"
