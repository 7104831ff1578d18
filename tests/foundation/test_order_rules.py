"""The manual's status machine: every allowed and every forbidden transition."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from models import (
    CORRECTABLE_PAIRS,
    MailKind,
    OrderStatus,
    OutboxMessage,
    OutOfStock,
    PackageStatus,
    ShopSettings,
    SlipDetails,
    TransitionError,
)
from tests.factories import add_templates, make_order, make_product

S = OrderStatus
ALL_PAIRS = [(a, b) for a, b in itertools.product(S, S) if a != b]

# 訂正 (P10, P24): the moves the screen offers, as the manual and ../shared/DESIGN.md describe them.
EXPECTED_CORRECTIONS = {
    (S.PROVISIONAL, S.COMPLETED), (S.PROVISIONAL, S.CANCELLED),
    (S.COMPLETED, S.INSTRUCTED), (S.COMPLETED, S.CANCELLED),
    (S.INSTRUCTED, S.COMPLETED), (S.INSTRUCTED, S.DONE), (S.INSTRUCTED, S.CANCELLED),
    (S.CANCELLED, S.COMPLETED),
}


def test_the_correction_table_is_the_manuals():
    assert set(CORRECTABLE_PAIRS) == EXPECTED_CORRECTIONS


@pytest.mark.parametrize(("start", "target"), ALL_PAIRS, ids=lambda s: s.value)
def test_correction(db, start, target):
    order = make_order(db, start)
    allowed = (start, target) in EXPECTED_CORRECTIONS
    if allowed:
        order.correct_status(db, target, "admin")
        assert order.status == target
        assert f"{start.label} → {target.label}" in order.events[-1].action
    else:
        with pytest.raises(TransitionError) as raised:
            order.correct_status(db, target, "admin")
        assert order.status == start
        assert "変更できません" in raised.value.message


def test_guest_confirmation_makes_the_order_complete_and_queues_mail(db):
    add_templates(db)
    order = make_order(db, S.PROVISIONAL)
    assert order.confirm_token_digest and order.confirm_expires_at
    order.confirm(db, "guest")
    db.flush()
    assert order.status == S.COMPLETED and order.confirm_token_digest is None
    kinds = db.scalars(select(OutboxMessage.kind).where(OutboxMessage.order_id == order.id)
                       .order_by(OutboxMessage.id)).all()
    assert kinds == [MailKind.GUEST_CONFIRMATION, MailKind.ORDER_CONFIRMATION]
    with pytest.raises(TransitionError):
        order.confirm(db, "guest")  # a second click does nothing more


@pytest.mark.parametrize("start", [S.PROVISIONAL, S.INSTRUCTED, S.DONE, S.CANCELLED])
def test_download_takes_only_completed_orders(db, start):
    order = make_order(db, start)
    with pytest.raises(TransitionError):
        order.instruct_shipping("admin")


def test_download_marks_the_regular_path(db):
    order = make_order(db, S.COMPLETED)
    order.instruct_shipping("admin")
    assert order.status == S.INSTRUCTED and order.instructed_by_download


def test_manual_instruction_is_irregular_and_blocks_per_order_shipment(db):
    order = make_order(db, S.INSTRUCTED, by_hand=True)
    assert not order.instructed_by_download
    with pytest.raises(TransitionError) as raised:
        order.register_shipment(SlipDetails("555"), "admin", by_hand=True)
    assert "訂正で出荷指示にした注文" in raised.value.message
    assert order.register_shipment(SlipDetails("555"), "admin", by_hand=False)  # CSV is fine
    assert order.package.status == PackageStatus.SHIPPED


@pytest.mark.parametrize("start", [S.PROVISIONAL, S.COMPLETED, S.CANCELLED])
def test_shipment_needs_an_instructed_order(db, start):
    order = make_order(db, start)
    with pytest.raises(TransitionError):
        order.register_shipment(SlipDetails("1"), "admin", by_hand=False)
    assert order.package.status == PackageStatus.WAITING


def test_reregistering_the_same_slip_changes_nothing(db):
    order = make_order(db, S.INSTRUCTED, shipped=True)
    slip = order.package.delivery_no, order.package.delivery_date
    assert not order.register_shipment(SlipDetails("1234"), "admin", by_hand=False)
    assert (order.package.delivery_no, order.package.delivery_date) == slip
    assert order.register_shipment(SlipDetails("9999"), "admin", by_hand=False)


def test_shipping_notice_completes_the_order(db):
    order = make_order(db, S.INSTRUCTED, shipped=True)
    order.mark_shipping_notified("admin")
    assert order.status == S.DONE and order.package.status == PackageStatus.NOTIFIED
    with pytest.raises(TransitionError):
        order.mark_shipping_notified("admin")  # never twice
    with pytest.raises(TransitionError):
        order.register_shipment(SlipDetails("2"), "admin", by_hand=False)


def test_notice_needs_a_shipped_package(db):
    order = make_order(db, S.INSTRUCTED)
    with pytest.raises(TransitionError):
        order.mark_shipping_notified("admin")


def test_shipped_orders_cannot_be_cancelled_or_set_back(db):
    order = make_order(db, S.INSTRUCTED, shipped=True)
    for target in (S.CANCELLED, S.COMPLETED):
        with pytest.raises(TransitionError):
            order.correct_status(db, target, "admin")


def test_cancel_releases_stock_and_restore_takes_it_again(db):
    product = make_product(db, stock=5)
    order = make_order(db, S.COMPLETED, product=product, quantity=3)
    assert product.variants[0].stock == 2
    order.cancel(db, "admin")
    assert product.variants[0].stock == 5
    order.correct_status(db, S.COMPLETED, "admin")
    assert order.status == S.COMPLETED and product.variants[0].stock == 2


def test_restore_fails_cleanly_when_stock_is_gone(db):
    product = make_product(db, stock=2)
    order = make_order(db, S.CANCELLED, product=product, quantity=2)
    make_order(db, S.COMPLETED, product=product, quantity=2)
    with pytest.raises(OutOfStock) as raised:
        order.correct_status(db, S.COMPLETED, "admin")
    assert "在庫が不足" in raised.value.message


def test_item_cancel_recomputes_totals_and_releases_stock(db):
    settings = ShopSettings.load(db)
    settings.free_shipping_over = None
    a, b = make_product(db, "a", price=1000, stock=5), make_product(db, "b", price=500, stock=5)
    order = make_order(db, S.COMPLETED, product=a)
    order.items.append(type(order.items[0])(code="b", name="b", unit_price=500, quantity=2,
                                            variant_id=b.variants[0].id))
    order.items[-1].reserve(db)
    order.recompute_totals(settings)
    assert order.subtotal == 2000
    order.cancel_item(db, order.items[-1], "admin")
    assert order.subtotal == 1000 and b.variants[0].stock == 5
    assert order.total == 1000 + settings.shipping_fee + settings.cod_fee(1000 + 800)
    with pytest.raises(TransitionError) as raised:  # the last line: 取消 the order instead
        order.cancel_item(db, order.items[0], "admin")
    assert "「取消」を使ってください" in raised.value.message
    assert order.subtotal == 1000 and not order.items[0].cancelled
