"""Issue #19 in Chromium: 詳細's 売上確定 and 与信取消 ask first (the admin's CSP allows the
confirm script), then charge or release the card, as the 決済ログ then shows."""

from __future__ import annotations

from ktaishop.extensions import db as _db
from ktaishop.payment import gateway
from models import Order
from tests.foundation.card_orders import held_card_order


def _held(app) -> tuple[int, int]:
    with app.app_context():
        order = held_card_order(_db.session)
        return order.id, order.total


def test_capture_asks_then_charges_and_the_log_shows_it(admin_page, live_server):
    order_id, total = _held(live_server.app)
    page = admin_page
    asked: list[str] = []
    accept = {"yes": False}

    def answer(dialog) -> None:
        asked.append(dialog.message)
        dialog.accept() if accept["yes"] else dialog.dismiss()

    page.on("dialog", answer)
    page.goto(f"{live_server.url}/admin/orders/{order_id}")
    page.get_by_role("button", name=f"売上確定（{total:,}円）").click()
    assert asked == [f"カードの売上を確定します（{total:,}円）。仮注文は注文完了になります。"
                     "よろしいですか?"]
    with live_server.app.app_context():
        assert gateway().captured == {}  # dismissed: nothing happened
    accept["yes"] = True
    page.get_by_role("button", name=f"売上確定（{total:,}円）").click()
    page.wait_for_selector("text=の売上を確定しました")
    log = page.locator("table.payment-log tbody tr")
    assert [log.nth(i).locator("td").nth(1).inner_text() for i in range(log.count())] == [
        "売上確定"]
    assert page.locator("td.payment-status").inner_text() == "決済完了"
    with live_server.app.app_context():
        order = _db.session.get(Order, order_id)
        assert gateway().captured == {order.payment_reference: total}
        assert order.status == "completed"


def test_void_asks_then_releases_the_card_and_cancels(admin_page, live_server):
    order_id, total = _held(live_server.app)
    page = admin_page
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server.url}/admin/orders/{order_id}")
    page.get_by_role("button", name="与信取消（注文を取消）").click()
    page.wait_for_selector("text=の与信を取り消し、注文を取り消しました。")
    assert page.locator("td.payment-status").inner_text() == "与信取消"
    assert page.get_by_role("button", name=f"売上確定（{total:,}円）").count() == 0
    with live_server.app.app_context():
        order = _db.session.get(Order, order_id)
        assert gateway().voided == {order.payment_reference: total}
        assert order.status == "cancelled"
