"""``models.shipments.register_shipments``: the CSV's set-based 出荷結果, the same rule as
``Order.register_shipment`` (same changes, same events, same refusals), all or nothing."""

from __future__ import annotations

from datetime import datetime

import pytest

from ktaishop.extensions import db as _db
from models import OrderStatus, SlipDetails, TransitionError, now
from models.shipments import decide_for, load_shipment_targets, register_shipments, write_shipments

from .conftest import orders_in, snapshot, waiting_instructed

DATE = datetime(2008, 10, 21, 14, 28)


def _state(order) -> tuple:
    """What a clerk sees of an order after 出荷結果: statuses, slip, the history's lines."""
    package = order.package
    return (order.status, package.status, package.delivery_no, package.delivery_date,
            package.shop_code, package.shop_name, package.shop_tel, package.shop_memo,
            [e.action.replace(package.delivery_no, "#")
             for e in order.events if e.actor == "tester"])


def _register(slips: dict[str, SlipDetails]):
    session = _db.new_session()
    try:
        result = register_shipments(session, slips, "tester")
        session.commit()
        return result
    finally:
        session.close()


def test_same_changes_and_events_as_the_rule_one_order_at_a_time(demo_shop, db):
    by_rule, by_set = waiting_instructed(db)[:2]
    steps = [SlipDetails("100", DATE, "10", "晴海", "03-1", "memo"),  # 出荷待ち → 出荷済
             SlipDetails("200", DATE, "10", "勝どき", "03-1", "memo"),  # slip updated
             SlipDetails("200", DATE, "10", "勝どき", "03-1", "memo"),  # the same again
             SlipDetails("200", None, "10", "勝どき", "03-1", "memo")]  # no date: keep it
    counts = [(1, 0, 0), (0, 1, 0), (0, 0, 1), (0, 0, 1)]  # shipped, updated, unchanged
    for slip, expected in zip(steps, counts, strict=True):
        changed = by_rule.register_shipment(slip, "tester", by_hand=False)
        db.commit()
        result = _register({by_set.order_no: slip})
        assert result.ok and result.changed == changed
        assert (len(result.shipped), len(result.updated), len(result.unchanged)) == expected
        db.expire_all()
        assert _state(by_set) == _state(by_rule)
    assert [e.action for e in by_set.events if e.actor == "tester"] == [
        "荷物状態: 出荷待ち → 出荷済（伝票番号 100）", "配送伝票を更新（伝票番号 200）"]


def test_a_first_slip_without_a_date_is_registered_now(demo_shop, db):
    order = waiting_instructed(db)[0]
    number = order.order_no
    db.rollback()  # on SQLite every transaction holds the write lock
    before = now()
    assert _register({number: SlipDetails("300")}).shipped == [number]
    db.expire_all()
    assert order.package.status == "shipped"
    assert before.replace(microsecond=0) <= order.package.delivery_date <= now()


def test_one_refused_or_unknown_order_writes_nothing(demo_shop, db):
    waiting = waiting_instructed(db)[0]
    cancelled = orders_in(db, OrderStatus.CANCELLED)[0]
    notified = orders_in(db, OrderStatus.DONE)[0]
    # The messages are the rule's own: what Order.register_shipment raises.
    messages = {}
    for order in (cancelled, notified):
        with pytest.raises(TransitionError) as raised:
            order.register_shipment(SlipDetails("1"), "tester", by_hand=False)
        messages[order.order_no] = raised.value.message
    numbers = waiting.order_no, cancelled.order_no, notified.order_no
    before = snapshot(db)  # ends the session's transaction: SQLite's write lock is free

    unknown = "20990101_0000099999"
    result = _register({numbers[0]: SlipDetails("1"), numbers[1]: SlipDetails("2"),
                        numbers[2]: SlipDetails("3"), unknown: SlipDetails("4")})
    assert not result.ok and result.changed == 0
    assert result.shipped == [numbers[0]]  # what it would have done
    assert result.refused == messages
    assert "キャンセル" in messages[numbers[1]]
    assert result.missing == [unknown]
    assert snapshot(db) == before


def test_a_refused_decision_is_never_written(demo_shop, db):
    number = orders_in(db, OrderStatus.CANCELLED)[0].order_no
    db.rollback()
    session = _db.new_session()
    try:
        target = load_shipment_targets(session, [number], lock=True)[number]
        decision = decide_for(target, SlipDetails("1"), DATE)
        assert decision.refusal is not None
        with pytest.raises(ValueError):
            write_shipments(session, [(target, decision)], "tester")
    finally:
        session.rollback()
        session.close()


def test_an_unlocked_plan_is_judged_again_when_applied(demo_shop, db):
    """apply_plan on a plan read without locks reads the orders again, locked, and
    refuses (nothing written) an order cancelled in between."""
    from admin.delivery.upload_plan import apply_plan, plan_import

    first, second = waiting_instructed(db)[:2]
    data = (f"order_no,delivery_no\r\n{first.order_no},11\r\n{second.order_no},22\r\n"
            ).encode("cp932")
    db.rollback()
    session = _db.new_session()
    try:
        plan = plan_import(session, data)
        assert plan.ok and len(plan.to_ship) == 2
        session.rollback()  # the preview's transaction ends (on SQLite: its write lock)
        second.cancel(db, "another admin")
        db.commit()
        before = snapshot(db)
        with pytest.raises(TransitionError) as raised:
            apply_plan(plan, "tester")
        assert "キャンセル" in raised.value.message
    finally:
        session.rollback()
        session.close()
    assert snapshot(db) == before
