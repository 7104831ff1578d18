"""What cancelling does to an order's money: the rule (models) and the core service.

A card authorisation is voided at the gateway, a charge is refunded (what is left of
it) and the order says 返金済 with the amount, 代引き is left alone; several orders go
all or nothing. (Until issue #19 a charge stayed charged and the order said 返金待ち:
the refund never happened.)
"""

from __future__ import annotations

import pytest

from ktaishop.payment import cancel_order, cancel_orders, gateway, settle_cancellation
from models import Order, OrderStatus, Settlement, TransitionError, Variant
from tests.factories import make_order

from .card_orders import charged_card_order, held_card_order


def _actions(order: Order) -> list[str]:
    return [event.action for event in order.events]


def test_cancelling_a_held_card_voids_the_authorisation(db):
    order = held_card_order(db)
    reference, total = order.payment_reference, order.total
    cancel_order(db, order, "tester")
    db.commit()
    db.expire_all()
    assert order.status == OrderStatus.CANCELLED and order.payment_status == "与信取消"
    assert gateway().voided == {reference: total}
    assert reference not in gateway().captured
    assert "クレジットカードの与信を取消" in _actions(order)
    assert order.refund_due == 0


def test_a_cancelled_charged_order_gets_back_everything_it_was_charged(db):
    order = charged_card_order(db)
    charged = order.total
    order.cancel_item(db, order.items[1], "tester")  # the rule alone: no refund yet
    assert order.total < charged
    cancel_order(db, order, "tester")
    db.commit()
    db.expire_all()
    assert order.status == OrderStatus.CANCELLED
    assert order.payment_status == "返金済" and order.refunded_amount == charged
    assert gateway().captured[order.payment_reference] == charged
    assert gateway().refunded == {order.payment_reference: charged}
    assert gateway().voided == {}
    assert f"キャンセルのため返金（{charged:,}円、返金額合計 {charged:,}円）" in _actions(order)


def test_cash_on_delivery_cancellation_touches_no_money(db):
    order = make_order(db, OrderStatus.COMPLETED, quantity=2)
    cancel_order(db, order, "tester")
    db.commit()
    assert order.payment_status == "未決済" and order.refund_due == 0
    assert gateway().voided == {} and gateway().captured == {} and gateway().refunded == {}
    assert not [a for a in _actions(order) if "与信" in a or "返金" in a]


def test_settling_needs_a_cancelled_order_and_settles_once(db):
    order = held_card_order(db)
    with pytest.raises(TransitionError, match="キャンセルされていない注文"):
        settle_cancellation(order, "tester")
    assert order.payment_status == "与信済"
    order.cancel(db, "tester", "取消")
    assert order.payment_status == "与信済"  # the rule alone leaves the money as it is
    assert order.settle_cancellation("tester") is Settlement.VOID
    logged = len(order.events)
    assert order.settle_cancellation("tester") is Settlement.NOTHING
    assert len(order.events) == logged


def test_setting_a_refund_due_order_back_means_no_refund(db):
    """An order cancelled before refunds were made (返金待ち, migration 0011 keeps it so)."""
    order = charged_card_order(db)
    order.cancel(db, "tester", "取消")
    order.payment_status, order.refund_due = "返金待ち", order.paid_amount
    order.correct_status(db, OrderStatus.COMPLETED, "tester")
    db.commit()
    assert order.status == OrderStatus.COMPLETED
    assert order.payment_status == "決済完了" and order.refund_due == 0
    assert order.paid_amount == order.total
    assert "注文を元に戻したため返金待ちを解除（決済完了）" in _actions(order)


def test_a_refunded_order_cannot_be_set_back(db):
    order = charged_card_order(db)
    cancel_order(db, order, "tester")
    db.commit()
    with pytest.raises(TransitionError, match="返金済みのカード決済の注文は、注文完了に戻せません"):
        order.correct_status(db, OrderStatus.COMPLETED, "tester")
    db.rollback()
    assert order.status == OrderStatus.CANCELLED and order.payment_status == "返金済"


def test_many_orders_cancel_together_each_settled_by_its_payment(db):
    held, charged = held_card_order(db), charged_card_order(db)
    cash = make_order(db, OrderStatus.INSTRUCTED)
    db.commit()
    cancel_orders(db, [held, charged, cash], "tester", "一括取消")
    db.commit()
    db.expire_all()
    assert [o.status for o in (held, charged, cash)] == [OrderStatus.CANCELLED] * 3
    assert [o.payment_status for o in (held, charged, cash)] == ["与信取消", "返金済", "未決済"]
    assert gateway().voided == {held.payment_reference: held.total}
    assert gateway().captured == {charged.payment_reference: charged.total}
    assert gateway().refunded == {charged.payment_reference: charged.total}
    assert "注文状態: 仮注文 → キャンセル（一括取消）" in _actions(held)
    assert "注文状態: 出荷指示 → キャンセル（一括取消）" in _actions(cash)


def test_many_orders_are_all_or_nothing_and_the_gateway_hears_nothing_of_a_refusal(db):
    held = held_card_order(db, stock=5, quantity=2)
    done = make_order(db, OrderStatus.DONE)
    db.commit()
    with pytest.raises(TransitionError, match="完了した注文は取り消せません。"):
        cancel_orders(db, [held, done], "tester", "一括取消")
    db.rollback()
    assert gateway().voided == {} and gateway().refunded == {}
    db.expire_all()
    assert held.status == OrderStatus.PROVISIONAL and held.payment_status == "与信済"
    assert db.get(Variant, held.items[0].variant_id).stock == 5 - 2  # still held for it
