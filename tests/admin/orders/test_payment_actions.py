"""Issue #19, money at the admin: 売上確定 and 与信取消 on 詳細, 訂正 that captures, refuses
or refunds, and the refund shown on 詳細, the 納品書, the 決済ログ, the 操作ログ and mail.
"""

from __future__ import annotations

from datetime import timedelta

from lxml import html as lxml_html
from sqlalchemy import select

from ktaishop.payment import gateway
from models import AuditEntry, Order, OrderStatus, ShopSettings, now
from models.merge import order_merge_values
from tests.foundation.card_orders import charged_card_order, held_card_order

from .support import csrf_token_from
from .test_cancel_money import correct, history, payment_box


def payment_log(client, order: Order) -> list[list[str]]:
    tree = lxml_html.fromstring(client.get(f"/admin/orders/{order.id}").get_data(as_text=True))
    return [[td.text_content().strip() for td in row.xpath("./td")]
            for row in tree.xpath('//table[@class="payment-log"]/tbody/tr')]


def press(client, order: Order, action: str):
    page = client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    return client.post(f"/admin/orders/{order.id}/{action}",
                       data={"csrf_token": csrf_token_from(page)}, follow_redirects=True)


def audit_details(db, action: str) -> list[str]:
    return [e.detail for e in db.scalars(select(AuditEntry).where(AuditEntry.action == action))]


def test_correcting_a_provisional_card_order_to_completed_captures_its_total(admin_client, db):
    order = held_card_order(db)
    page = correct(admin_client, order, "completed").get_data(as_text=True)
    assert "注文を訂正しました。" in page
    db.expire_all()
    assert order.status == OrderStatus.COMPLETED and order.payment_status == "決済完了"
    assert gateway().captured == {order.payment_reference: order.total}
    assert payment_box(admin_client, order)["決済状態"] == "決済完了"
    assert ["売上確定", f"{order.total:,}円"] == payment_log(admin_client, order)[-1][1:3]
    assert audit_details(db, "order_correct") == [
        f"注文状態: 注文完了（売上確定 {order.total:,}円）"]


def test_capture_on_the_detail_page_confirms_a_provisional_order(admin_client, db):
    order = held_card_order(db)
    page = press(admin_client, order, "capture").get_data(as_text=True)
    assert f"注文番号{order.order_no}の売上を確定しました（{order.total:,}円）。" in page
    db.expire_all()
    assert order.status == OrderStatus.COMPLETED and order.payment_status == "決済完了"
    assert gateway().captured == {order.payment_reference: order.total}
    assert "注文状態: 仮注文 → 注文完了（注文確定）" in history(admin_client, order)
    assert audit_details(db, "order_payment") == [f"売上確定 {order.total:,}円"]
    again = press(admin_client, order, "capture").get_data(as_text=True)  # pressed twice
    assert "与信済のカード決済ではないため、売上を確定できません。" in again
    assert gateway().captured == {order.payment_reference: order.total}


def test_void_on_the_detail_page_releases_the_card_and_the_order(admin_client, db):
    order = held_card_order(db)
    assert "売上確定" in admin_client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    page = press(admin_client, order, "void").get_data(as_text=True)
    assert f"注文番号{order.order_no}の与信を取り消し、注文を取り消しました。" in page
    db.expire_all()
    assert order.status == OrderStatus.CANCELLED and order.payment_status == "与信取消"
    assert gateway().voided == {order.payment_reference: order.total}
    assert [row[1] for row in payment_log(admin_client, order)] == ["与信取消"]
    assert audit_details(db, "order_payment") == [f"与信取消 {order.total:,}円（注文を取消）"]
    assert 'class="primary capture"' not in page  # nothing left to capture
    again = press(admin_client, order, "void").get_data(as_text=True)  # a stale tab
    assert f"注文番号{order.order_no}: 与信済のカード決済ではありません。" in again
    assert gateway().voided == {order.payment_reference: order.total}
    assert len(audit_details(db, "order_payment")) == 1


def test_an_order_cancelled_by_expiry_is_not_restored_to_completed(admin_client, db, runner):
    order = held_card_order(db)
    order.confirm_expires_at = now() - timedelta(minutes=1)
    db.commit()
    runner.invoke(args=["expire-orders"])
    page = correct(admin_client, order, "completed").get_data(as_text=True)
    assert "カードの与信を取り消した注文は、注文完了に戻せません。" in page
    db.expire_all()
    assert order.status == OrderStatus.CANCELLED and gateway().captured == {}


def test_cancelling_a_line_of_a_charged_order_refunds_it_everywhere(admin_client, db):
    ShopSettings.load(db).shop_name = "テスト商店"
    order = charged_card_order(db)  # 1,000 円 x 2 + 500 円 x 1 + 配送料 800 円
    charged = order.total
    strap = order.items[1]
    page = admin_client.get(f"/admin/orders/{order.id}/correct").get_data(as_text=True)
    admin_client.post(f"/admin/orders/{order.id}/correct", data={
        "csrf_token": csrf_token_from(page), "status": "completed", "memo": "",
        "cancel_item": [str(strap.id)]}, follow_redirects=True)
    db.expire_all()
    assert (order.total, order.refunded_amount) == (charged - 500, 500)
    assert gateway().refunded == {order.payment_reference: 500}
    box = payment_box(admin_client, order)
    assert box["決済状態"] == "決済完了" and box["返金額"] == "500円（カードへ返金済み）"
    assert ["返金", "500円"] == payment_log(admin_client, order)[-1][1:3]
    assert "商品取消のため一部返金（500円、返金額合計 500円）" in history(admin_client, order)
    assert audit_details(db, "order_correct") == ["注文状態: 注文完了（返金 500円）"]
    invoice = lxml_html.fromstring(
        admin_client.get(f"/admin/orders/{order.id}/invoice").get_data(as_text=True))
    refunded = invoice.xpath('//tr[@class="refunded"]/td')[-1].text_content()
    still = invoice.xpath('//tr[@class="charged"]/td')[-1].text_content()
    assert (refunded, still) == ("500", f"{charged - 500:,}")
    values = order_merge_values(order, ShopSettings.load(db))
    assert values["refund_summary"] == (f"ご返金額：500円（クレジットカードへ返金）\n"
                                        f"ご請求額：{charged - 500:,}円")


def test_an_order_left_refund_due_is_refunded_from_the_detail_page(admin_client, db):
    """Orders cancelled before this version stay 返金待ち (migration 0011): one button."""
    order = charged_card_order(db)
    order.cancel(db, "tester", "取消")
    order.payment_status, order.refund_due = "返金待ち", order.paid_amount
    db.commit()
    charged = order.paid_amount
    page = press(admin_client, order, "refund").get_data(as_text=True)
    assert f"返金待ちの金額（{charged:,}円）を返金しました。" in page
    db.expire_all()
    assert (order.payment_status, order.refund_due, order.refunded_amount) == (
        "返金済", 0, charged)
    assert gateway().refunded == {order.payment_reference: charged}
    assert audit_details(db, "order_payment") == [f"返金 {charged:,}円（返金待ち）"]
    again = press(admin_client, order, "refund").get_data(as_text=True)
    assert "返金待ちの注文ではありません。" in again
