"""Every way an order becomes キャンセル settles its card payment, as 詳細 then shows.

Paths: 取消 (P11), 訂正 → キャンセル (P10), the expiry of 仮注文 (``ktaishop
expire-orders`` and the worker's periodic run) and several orders at once. A card
authorisation (与信済) is voided at the gateway; a charge (決済完了) is refunded and the
order says 返金済 with the amount (until issue #19 it stayed charged, 返金待ち); 代引き
is left as it was.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import html as lxml_html

from ktaishop.mail import worker
from ktaishop.payment import PaymentDeclined, SandboxGateway, cancel_orders, gateway
from models import Order, OrderStatus, TransitionError, Variant, now
from tests.factories import make_order
from tests.foundation.card_orders import charged_card_order, held_card_order

from .support import csrf_token_from


def payment_box(client, order: Order) -> dict[str, str]:
    """詳細's 決済 table as {label: value}."""
    tree = lxml_html.fromstring(client.get(f"/admin/orders/{order.id}").get_data(as_text=True))
    table = tree.xpath('//h2[text()="決済"]/following-sibling::table[1]')[0]
    cells = [cell.text_content().strip() for cell in table.xpath(".//th | .//td")]
    return dict(zip(cells[::2], cells[1::2], strict=True))


def history(client, order: Order) -> list[str]:
    tree = lxml_html.fromstring(client.get(f"/admin/orders/{order.id}").get_data(as_text=True))
    return [td.text_content() for td in tree.xpath('//table[@class="event-log"]//td[3]')]


def cancel(client, order: Order):
    token = csrf_token_from(client.get("/admin/orders").get_data(as_text=True))
    return client.post(f"/admin/orders/{order.id}/cancel", data={"csrf_token": token},
                       follow_redirects=True)


def correct(client, order: Order, status: str):
    page = client.get(f"/admin/orders/{order.id}/correct").get_data(as_text=True)
    return client.post(f"/admin/orders/{order.id}/correct", data={
        "csrf_token": csrf_token_from(page), "status": status, "memo": "",
        "cancel_item": [str(item.id) for item in order.items if item.cancelled],
    }, follow_redirects=True)


def assert_voided_on_detail(client, db, order: Order) -> None:
    db.expire_all()
    assert order.status == OrderStatus.CANCELLED
    assert gateway().voided == {order.payment_reference: order.total}
    assert order.payment_reference not in gateway().captured
    box = payment_box(client, order)
    assert box["決済状態"] == "与信取消" and "返金予定額" not in box
    assert "クレジットカードの与信を取消" in history(client, order)


def assert_refunded_on_detail(client, db, order: Order, charged: int) -> None:
    db.expire_all()
    assert order.status == OrderStatus.CANCELLED
    assert gateway().captured == {order.payment_reference: charged}
    assert gateway().refunded == {order.payment_reference: charged}  # all of it went back
    assert gateway().voided == {}
    box = payment_box(client, order)
    assert box["決済状態"] == "返金済"
    assert box["返金額"] == f"{charged:,}円（カードへ返金済み）"
    assert "返金予定額" not in box
    refunded = f"キャンセルのため返金（{charged:,}円、返金額合計 {charged:,}円）"
    assert refunded in history(client, order)


# -- 取消 (P11) --------------------------------------------------------------------------


def test_cancel_voids_a_guests_card_hold(admin_client, db):
    order = held_card_order(db)
    page = cancel(admin_client, order).get_data(as_text=True)
    assert f"注文番号{order.order_no}の注文を取り消しました。" in page
    assert_voided_on_detail(admin_client, db, order)


def test_cancel_of_a_charged_order_refunds_it_and_shows_the_refund(admin_client, db):
    order = charged_card_order(db)
    charged = order.total
    cancel(admin_client, order)
    assert_refunded_on_detail(admin_client, db, order, charged)


def test_cancel_of_cash_on_delivery_shows_no_payment_change(admin_client, db):
    order = make_order(db, OrderStatus.COMPLETED)
    db.commit()
    cancel(admin_client, order)
    box = payment_box(admin_client, order)
    assert box["決済方法"] == "代引き" and box["決済状態"] == "未決済"
    assert "返金予定額" not in box and "返金額" not in box
    assert gateway().voided == {} and gateway().captured == {} and gateway().refunded == {}


UNREACHABLE = "決済サービスに接続できませんでした。しばらくしてからもう一度お試しください。"


class UnreachableGateway(SandboxGateway):
    def void(self, reference: str) -> None:
        raise PaymentDeclined(UNREACHABLE)


def test_a_void_the_gateway_refuses_cancels_nothing(admin_client, app, db):
    order = held_card_order(db, stock=5, quantity=2)
    app.extensions["ktaishop.payment"] = UnreachableGateway()
    page = cancel(admin_client, order).get_data(as_text=True)
    assert f"注文番号{order.order_no}: {UNREACHABLE}" in page
    db.expire_all()
    assert order.status == OrderStatus.PROVISIONAL and order.payment_status == "与信済"
    assert db.get(Variant, order.items[0].variant_id).stock == 5 - 2
    page = correct(admin_client, order, "cancelled").get_data(as_text=True)
    assert UNREACHABLE in page
    db.expire_all()
    assert order.status == OrderStatus.PROVISIONAL
    assert payment_box(admin_client, order)["決済状態"] == "与信済"


# -- 訂正 → キャンセル (P10, P24) ---------------------------------------------------------


def test_correcting_to_cancelled_voids_a_guests_card_hold(admin_client, db):
    order = held_card_order(db)
    page = correct(admin_client, order, "cancelled").get_data(as_text=True)
    assert "注文を訂正しました。" in page
    assert_voided_on_detail(admin_client, db, order)


def test_correcting_to_cancelled_refunds_and_the_refunded_order_stays_cancelled(
        admin_client, db):
    order = charged_card_order(db)
    charged = order.total
    correct(admin_client, order, "cancelled")
    assert_refunded_on_detail(admin_client, db, order, charged)
    page = correct(admin_client, order, "completed").get_data(as_text=True)
    assert "返金済みのカード決済の注文は、注文完了に戻せません。" in page  # nothing to charge
    db.expire_all()
    assert order.status == OrderStatus.CANCELLED
    assert payment_box(admin_client, order)["決済状態"] == "返金済"
    assert gateway().refunded == {order.payment_reference: charged}


def test_saving_a_cancelled_order_again_settles_nothing_twice(admin_client, db):
    order = charged_card_order(db)
    correct(admin_client, order, "cancelled")
    correct(admin_client, order, "cancelled")  # e.g. a memo saved on the キャンセル order
    refunds = [a for a in history(admin_client, order) if "返金" in a]
    assert len(refunds) == 1
    assert gateway().refunded == {order.payment_reference: order.paid_amount}


# -- the expiry of 仮注文 ----------------------------------------------------------------


def _expire(db, order: Order) -> None:
    order.confirm_expires_at = now() - timedelta(minutes=1)
    db.commit()


def test_the_expiry_command_voids_the_card_hold(admin_client, db, runner):
    order = held_card_order(db)
    _expire(db, order)
    result = runner.invoke(args=["expire-orders"])
    assert "1 件" in result.output
    assert_voided_on_detail(admin_client, db, order)
    moved = "注文状態: 仮注文 → キャンセル（確認期限切れの仮注文を取消）"
    assert moved in history(admin_client, order)


def test_the_workers_periodic_run_voids_the_card_hold(admin_client, db):
    order = held_card_order(db)
    fresh = held_card_order(db)  # its link is still valid
    _expire(db, order)
    worker.Housekeeping().run(db)  # a sending run's first round
    assert_voided_on_detail(admin_client, db, order)
    assert fresh.status == OrderStatus.PROVISIONAL
    assert payment_box(admin_client, fresh)["決済状態"] == "与信済"


# -- several orders at once ---------------------------------------------------------------


def test_cancelling_several_orders_settles_each(admin_client, db):
    held, charged = held_card_order(db), charged_card_order(db)
    cancel_orders(db, [held, charged], "tester", "一括取消")
    db.commit()
    db.expire_all()
    boxes = [payment_box(admin_client, o) for o in (held, charged)]
    assert [box["決済状態"] for box in boxes] == ["与信取消", "返金済"]
    assert boxes[1]["返金額"] == f"{charged.total:,}円（カードへ返金済み）"
    assert gateway().voided == {held.payment_reference: held.total}
    assert gateway().captured == {charged.payment_reference: charged.total}
    assert gateway().refunded == {charged.payment_reference: charged.total}


def test_several_orders_with_one_refused_change_nothing(admin_client, db):
    held, charged = held_card_order(db), charged_card_order(db)
    done = make_order(db, OrderStatus.DONE)
    db.commit()
    with pytest.raises(TransitionError):
        cancel_orders(db, [held, charged, done], "tester", "一括取消")
    db.rollback()
    boxes = [payment_box(admin_client, o) for o in (held, charged)]
    assert [box["決済状態"] for box in boxes] == ["与信済", "決済完了"]
    assert gateway().voided == {} and gateway().refunded == {}
    assert gateway().captured == {charged.payment_reference: charged.total}
