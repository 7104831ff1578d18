"""注文一覧 in Chromium as an owner met it: the keyword hint fits its box, both downloads
choose the character set the same way, 注文情報ダウンロード shows the new states by
itself, and 一括操作 asks first, then says what it did and what it refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ktaishop.extensions import db as _db
from models import Order, OrderStatus


@pytest.fixture
def orders(small_shop, live_server):
    """The small shop's orders by status, read before the browser starts."""
    with live_server.app.app_context():
        rows = _db.session.execute(select(Order.id, Order.order_no, Order.status)
                                   .order_by(Order.id)).all()
    by_status: dict[str, list[tuple[int, str]]] = {}
    for order_id, order_no, status in rows:
        by_status.setdefault(status, []).append((order_id, order_no))
    return by_status


def status_of(page, order_no: str) -> str:
    return page.locator(f'tr[data-order-no="{order_no}"] td:nth-child(5)').inner_text()


def test_keyword_hint_fits_and_both_downloads_use_radios(admin_page, live_server, orders):
    page = admin_page
    page.goto(f"{live_server.url}/admin/orders")
    fits = page.evaluate("""() => {
        const box = document.getElementById("keyword");
        const style = getComputedStyle(box);
        const canvas = document.createElement("canvas").getContext("2d");
        canvas.font = style.font;
        const room = box.clientWidth - parseFloat(style.paddingLeft)
            - parseFloat(style.paddingRight);
        return [canvas.measureText(box.placeholder).width, room];
    }""")
    assert fits[0] <= fits[1], fits  # the whole hint shows, nothing cut off
    for form in ("#instruct-download", "#download-form"):
        radios = page.locator(f"{form} input[type=radio][name=encoding]")
        assert radios.count() == 2 and page.locator(f"{form} select").count() == 0
        assert radios.first.is_checked()  # Shift_JIS (CP932) first, checked, on both
    assert "「注文」を押して" not in page.inner_text("main")


def test_instruct_download_updates_the_list_by_itself(admin_page, live_server, orders):
    page = admin_page
    page.goto(f"{live_server.url}/admin/orders")
    completed = [no for _, no in orders[OrderStatus.COMPLETED]]
    assert {status_of(page, no) for no in completed} == {"注文完了"}
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_download() as info:
        page.click("button:has-text('注文情報ダウンロード')")
    assert info.value.suggested_filename.endswith("_orders.csv")
    page.wait_for_selector("text=ダウンロードしました。ダウンロードした注文は「出荷指示」になっています。")
    assert {status_of(page, no) for no in completed} == {"出荷指示"}  # no menu click needed

    page.once("dialog", lambda dialog: dialog.accept())  # nothing left: said on the page
    page.click("button:has-text('注文情報ダウンロード')")
    page.wait_for_selector("text=注文状態が「注文完了」の注文はありません。")


def test_bulk_status_change_asks_then_reports(admin_page, live_server, orders, tmp_path):
    page = admin_page
    page.goto(f"{live_server.url}/admin/orders?status=completed&status=cancelled")
    (first_id, first), (second_id, second) = orders[OrderStatus.COMPLETED][:2]
    cancelled_id, cancelled = orders[OrderStatus.CANCELLED][0]
    for order_id in (first_id, second_id, cancelled_id):
        page.check(f'input[name=id][value="{order_id}"]')
    assert page.inner_text("#bulk-count") == "3件を選択中"
    assert page.is_visible("#bulk-status") and not page.is_visible("#bulk-template")
    page.select_option("#bulk-status", label="出荷指示")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.click("#bulk-submit")
    page.wait_for_selector("text=2件の注文の注文状態を「出荷指示」にしました。")
    assert asked == ["チェックした3件の注文を注文状態を「出荷指示」に変更します。よろしいですか？"]
    assert (f"注文番号{cancelled}: 注文状態を「キャンセル」から「出荷指示」には変更できません。"
            in page.inner_text("main"))
    page.screenshot(path=str(tmp_path / "bulk.png"), full_page=True)
    page.goto(f"{live_server.url}/admin/orders?status=instructed")
    assert status_of(page, first) == status_of(page, second) == "出荷指示"

    page.select_option("#bulk-action", label="メール送信")  # the template list appears
    assert page.is_visible("#bulk-template") and not page.is_visible("#bulk-status")
    page.check(f'input[name=id][value="{first_id}"]')
    page.click("#print-invoices")  # 納品書 shares the ticks and asks nothing
    page.wait_for_selector("section.sheet")
    assert page.locator("section.sheet").count() == 1 and first in page.inner_text(".meta")
