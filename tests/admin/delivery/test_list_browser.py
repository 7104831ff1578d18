"""配送一覧 in Chromium: a long メモ gives way, names, dates and slip numbers stay on one
line, 配送業者 says who carries the parcel, and the help names no button the browser lacks."""

from __future__ import annotations

from sqlalchemy import select

from ktaishop.extensions import db as _db
from models import Order, OrderStatus


def test_columns_stay_on_one_line_beside_a_long_memo(demo_shop, admin_page, live_server,
                                                     tmp_path):
    with demo_shop.app_context():
        orders = _db.session.scalars(select(Order).where(
            Order.status.in_([OrderStatus.INSTRUCTED, OrderStatus.DONE]))).all()
        for order in orders:
            order.memo = "お客様より電話あり。配送日の確認済み。" * 4
            order.recipient_name = "長谷川 美津子"
        _db.session.commit()
    page = admin_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/admin/delivery")
    heights = page.evaluate("""() => {
        const rows = [...document.querySelectorAll("table.delivery-list tbody tr[data-order-no]")];
        const line = parseFloat(getComputedStyle(document.body).fontSize) * 2;
        const out = [];
        for (const row of rows) {
            for (const i of [0, 1, 3, 4, 5]) {  // 注文番号, 注文日, 受取人, 配送業者, 伝票番号
                const cell = row.cells[i];
                const range = document.createRange();
                range.selectNodeContents(cell);
                out.push([cell.textContent.trim(), range.getClientRects().length, line]);
            }
        }
        return out;
    }""")
    assert heights and all(lines <= 1 for _, lines, _ in heights), heights
    memo = page.locator("table.delivery-list td.memo[title]").first
    assert memo.evaluate("e => e.scrollWidth > e.clientWidth")  # cut, whole on hover
    assert memo.get_attribute("title").startswith("お客様より電話あり。")
    headers = page.locator("table.delivery-list thead th").all_inner_texts()
    assert "配送業者" in headers and "配送種別" not in headers
    companies = set(page.locator("table.delivery-list td.company").all_inner_texts())
    assert {"ヤマト運輸", "佐川急便", "日本郵便"} <= companies
    assert "配送料" not in companies
    assert "参照" not in page.inner_text("#upload-help")
    page.screenshot(path=str(tmp_path / "delivery.png"), full_page=True)
