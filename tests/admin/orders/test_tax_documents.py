"""消費税 per rate where the shop reads it: 詳細, 訂正 (per-item 取消 recomputes), the order
CSVs (four columns at the end) and the 納品書, a 適格請求書 when 設定 has a 登録番号."""

from __future__ import annotations

import pytest
from lxml import html as lxml_html
from sqlalchemy import select

from models import Order, PaymentMethod, Product, ShopSettings, TaxRate, Variant

from .support import csrf_token_from, place, read_csv

# The 31 columns as they were before the tax columns: same names, same places.
FORMER_HEADER = [
    "order_no", "order_datetime", "status", "purchaser_name", "purchaser_kana",
    "purchaser_email", "purchaser_tel", "purchaser_zip", "purchaser_address", "recipient_name",
    "recipient_kana", "recipient_tel", "recipient_zip", "recipient_address", "delivery_date",
    "delivery_time", "wrapping", "note", "payment_method", "payment_status",
    "payment_reference", "paid_at", "items", "item_quantity", "subtotal", "cod_fee",
    "shipping_fee", "wrapping_fee", "total", "memo", "carrier",
]
TAX_HEADER = ["taxable_8pct", "tax_8pct", "taxable_10pct", "tax_10pct"]


@pytest.fixture
def mixed_order(db) -> Order:
    """EC-CUBE's example as one 代引き order: 1,080円 and 108円 at 8%, 1,100円 at 10%,
    配送料 800円 and 代引き手数料 315円 (10%); the shop as on the manual's 納品書."""
    settings = ShopSettings.load(db)
    settings.shop_name, settings.seller = "LK EC SHOP", "株式会社ケータイ通販"
    settings.zip_code, settings.address = "1046022", "東京都中央区晴海1-8-10"
    settings.tel, settings.fax = "03-0000-0000", "03-0000-0001"
    settings.free_shipping_over = None
    products = [
        Product(code="food-1", name="ご当地チョコレート", price=1080, tax_rate=TaxRate.REDUCED,
                variants=[Variant(option_text="", stock=10)]),
        Product(code="food-2", name="緑茶ティーバッグ", price=108, tax_rate=TaxRate.REDUCED,
                variants=[Variant(option_text="", stock=10)]),
        Product(code="mug-1", name="マグカップ", price=1100,
                variants=[Variant(option_text="", stock=10)]),
    ]
    db.add_all(products)
    db.flush()
    order = place(db, [p.variants[0] for p in products], payment=PaymentMethod.COD)
    db.commit()
    return order


def tax_rows(page_html: str) -> list[str]:
    tree = lxml_html.fromstring(page_html)
    return [" ".join(cell.text_content().strip() for cell in tr if cell.text_content().strip())
            for tr in tree.xpath('//tr[@class="tax-rate"]')]


def test_detail_shows_marks_and_tax_per_rate(admin_client, mixed_order):
    page = admin_client.get(f"/admin/orders/{mixed_order.id}").get_data(as_text=True)
    # 8%: 1,188 → 88; 10%: 1,100 + 800 + 315 = 2,215 → 201.36… → 201 (切り捨て).
    assert tax_rows(page) == ["8%対象 1,188円 うち消費税 88", "10%対象 2,215円 うち消費税 201"]
    tree = lxml_html.fromstring(page)
    names = [td.text_content().strip()
             for td in tree.xpath('//table[@class="order-items"]/tbody/tr/td[2]')]
    assert names[:3] == ["ご当地チョコレート ※", "緑茶ティーバッグ ※", "マグカップ"]
    assert "※は軽減税率対象商品です" in page


def test_item_cancel_in_correction_recomputes_the_tax(admin_client, db, mixed_order):
    url = f"/admin/orders/{mixed_order.id}/correct"
    form_page = admin_client.get(url).get_data(as_text=True)
    assert tax_rows(form_page)[0] == "8%対象 1,188円 うち消費税 88"
    chocolate = mixed_order.items[0].id
    response = admin_client.post(url, data={
        "csrf_token": csrf_token_from(form_page), "status": mixed_order.status, "memo": "",
        "cancel_item": str(chocolate)}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "注文を訂正しました。" in page
    # 8%: 108 → 8; 10%: 1,100 + 800 + 315 = 2,215 → 201 (the fees stay: 代引き tier 315).
    assert tax_rows(page) == ["8%対象 108円 うち消費税 8", "10%対象 2,215円 うち消費税 201"]
    db.expire_all()
    order = db.get(Order, mixed_order.id)
    assert (order.taxable_8pct, order.tax_8pct, order.total) == (108, 8, 2323)


def test_order_csvs_end_with_the_four_tax_columns(admin_client, db, mixed_order):
    search = admin_client.get("/admin/orders/download?encoding=utf-8-sig")
    rows = read_csv(search.data, "utf-8-sig")
    header = list(rows[0])
    assert header == FORMER_HEADER + TAX_HEADER
    assert [rows[0][name] for name in TAX_HEADER] == ["1188", "88", "2215", "201"]
    token = csrf_token_from(admin_client.get("/admin/orders").get_data(as_text=True))
    instructed = admin_client.post("/admin/orders/instruct-download",
                                   data={"csrf_token": token, "encoding": "cp932"})
    rows = read_csv(instructed.data)
    assert list(rows[0]) == FORMER_HEADER + TAX_HEADER
    assert rows[0]["order_no"] == mixed_order.order_no
    assert [rows[0][name] for name in TAX_HEADER] == ["1188", "88", "2215", "201"]


def invoice_text(page) -> str:
    return " ".join(page.locator("section.sheet").first.inner_text().split())


def test_invoice_is_a_qualified_invoice_with_a_registration_number(
        admin_page, live_server, db, mixed_order, tmp_path):
    settings = ShopSettings.load(db)
    settings.invoice_number = "T7000012050002"
    db.commit()
    admin_page.goto(f"{live_server.url}/admin/orders/{mixed_order.id}/invoice")
    text = invoice_text(admin_page)
    assert admin_page.locator("h1").first.inner_text() == "納品書"
    assert admin_page.locator(".invoice-kind").first.inner_text() == "（適格請求書）"
    assert "株式会社ケータイ通販" in text and "登録番号 T7000012050002" in text
    assert "発行日" in text and mixed_order.order_no in text
    lines = admin_page.locator("table.lines tbody tr").all_inner_texts()
    assert any(line.startswith("food-1\tご当地チョコレート ※") for line in lines), lines
    assert any(line.startswith("mug-1\tマグカップ\t") for line in lines), lines
    assert admin_page.locator("tr.tax-rate").all_inner_texts() == [
        "8%対象 1,188円 うち消費税\t88", "10%対象 2,215円 うち消費税\t201"]
    assert "※は軽減税率対象商品です" in text
    admin_page.screenshot(path=str(tmp_path / "invoice.png"), full_page=True)
    assert (tmp_path / "invoice.png").stat().st_size > 0


def test_invoice_without_a_registration_number_says_nothing_of_it(
        admin_page, live_server, db, mixed_order):
    mug = db.scalar(select(Variant).join(Product).where(Product.code == "mug-1"))
    second = place(db, mug, quantity=2)
    db.commit()
    admin_page.goto(f"{live_server.url}/admin/orders/invoices?id={mixed_order.id}&id={second.id}")
    sheets = admin_page.locator("section.sheet")
    assert sheets.count() == 2
    whole = admin_page.locator("body").inner_text()
    for word in ("適格請求書", "登録番号", "インボイス", "発行日"):
        assert word not in whole
    # Each sheet carries its own order's figures: the mugs alone are 10% only.
    second_rows = sheets.nth(1).locator("tr.tax-rate").all_inner_texts()
    # 2,200 + 配送料 800 + 代引き手数料 315 = 3,315 → 301.36… → 301
    assert second_rows == ["10%対象 3,315円 うち消費税\t301"]
    assert "※は軽減税率対象商品です" not in sheets.nth(1).inner_text()

