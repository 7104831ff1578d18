"""The import writes exactly what ``Order.register_shipment`` would have flushed."""

from __future__ import annotations

from datetime import datetime

from admin.delivery.upload_plan import apply_plan, plan_import
from ktaishop.extensions import db as _db
from models import SlipDetails

from .conftest import waiting_instructed

DATE = datetime(2008, 10, 21, 14, 28)


def _state(order) -> tuple:
    package = order.package
    return (order.status, package.status, package.delivery_no, package.delivery_date,
            package.shop_code, package.shop_name, package.shop_tel, package.shop_memo,
            [e.action.replace(package.delivery_no, "#")
             for e in order.events if e.actor == "tester"])


def _import(app, text: str) -> None:
    session = _db.new_session()
    plan = plan_import(session, text.encode("cp932"), lock=True)
    assert plan.ok, [str(e) for e in plan.errors]
    apply_plan(plan, "tester")
    session.commit()
    session.close()


def test_bulk_write_matches_a_plain_flush(demo_shop, db, app):
    by_rule, by_import = waiting_instructed(db)[:2]
    order_no = by_import.order_no
    header = "order_no,delivery_no,delivery_date,shop_code,shop_name,shop_tel,shop_memo\r\n"
    for number, name in (("100", "晴海"), ("200", "勝どき")):  # first 出荷済, then an update
        by_rule.register_shipment(SlipDetails(number, DATE, "10", name, "03-1", "memo"),
                                  "tester", by_hand=False)
        db.commit()
        _import(app, header + f"{order_no},{number},2008/10/21 14:28,10,{name},"
                              "03-1,memo\r\n")
        db.expire_all()
        assert _state(by_import) == _state(by_rule)
        db.rollback()
    assert by_import.package.delivery_no == "200"
    assert [e.action for e in by_import.events][-2:] == [
        "荷物状態: 出荷待ち → 出荷済（伝票番号 100）", "配送伝票を更新（伝票番号 200）"]
