"""売上集計: the period, its tables and ranking, the chart and the CSV, as an owner reads them."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime

import pytest
from lxml import html as lxml_html
from werkzeug.datastructures import MultiDict

from admin.reports.sales import Period, preset_range
from models import OrderStatus, PaymentMethod
from tests.admin.orders.support import add_product, place


def table(page: str, table_id: str) -> dict[str, list[str]]:
    """A report table as {first cell: the other cells}."""
    tree = lxml_html.fromstring(page)
    rows = {}
    for tr in tree.xpath(f'//table[@id="{table_id}"]/tbody/tr'):
        cells = [c.text_content().strip() for c in tr.xpath("th|td")]
        rows[cells[0]] = cells[1:]
    return rows


@pytest.fixture
def sales(db):
    """Orders in October and November 2026: sales, a 仮注文 and a キャンセル."""
    tee = add_product(db, "tee", price=1000, stock=100, name="星Tシャツ")
    mug = add_product(db, "mug", price=1200, stock=100, name="マグカップ")
    strap = add_product(db, "strap", price=300, stock=100, name="ストラップ")

    def order(day, variants, quantity=1, carrier="docomo", payment=PaymentMethod.COD):
        made = place(db, variants, quantity=quantity, payment=payment,
                     ordered_at=datetime.combine(day, datetime.min.time()).replace(hour=10))
        made.carrier = carrier
        return made

    order(date(2026, 10, 30), tee)
    order(date(2026, 11, 2), [tee, mug], carrier="au", payment=PaymentMethod.CARD)
    order(date(2026, 11, 2), strap, quantity=10, carrier="smartphone")
    order(date(2026, 11, 5), mug).instruct_shipping("test")
    order(date(2026, 11, 6), mug).cancel(db, "test")  # not a sale
    provisional = order(date(2026, 11, 7), tee)
    provisional.status = OrderStatus.PROVISIONAL  # not confirmed: not a sale
    db.commit()


def test_sales_by_day_carrier_payment_and_product(admin_client, sales):
    page = admin_client.get("/admin/reports?date_from=2026-11-01&date_to=2026-11-30"
                            "&unit=day").get_data(as_text=True)
    totals = {m: v for m, v in re.findall(
        r'data-measure="(\w+)"><h2>[^<]+</h2>\s*<p><span class="big">([0-9,]+)</span>', page)}
    # 3 sales in November: tee+mug (2,200), 10 straps (3,000), mug (1,200); fees on top.
    assert totals["orders"] == "3" and totals["subtotal"] == "6,400"
    assert int(totals["total"].replace(",", "")) > 6400
    by_day = table(page, "by-time")
    assert len(by_day) == 30  # every day of the month, sold or not
    assert by_day["2026-11-02(月)"][:2] == ["2", "5,200"]
    assert by_day["2026-11-06(金)"][:2] == ["0", "0"]  # the キャンセル is not a sale
    assert by_day["2026-11-07(土)"][:2] == ["0", "0"]  # nor the 仮注文
    carriers = table(page, "by-carrier")
    assert list(carriers) == ["スマートフォン", "au", "docomo"]  # by 売上合計, most first
    assert carriers["docomo"][:2] == ["1", "1,200"]
    payments = table(page, "by-payment")
    assert payments["クレジットカード"][:2] == ["1", "2,200"]
    assert payments["代引き"][:2] == ["2", "4,200"]
    ranking = table(page, "by-product")  # 順位 → code, name, quantity, amount, orders
    assert [r[0] for r in ranking.values()] == ["strap", "mug", "tee"]
    assert ranking["1"] == ["strap", "ストラップ", "10", "3,000", "1"]
    assert ranking["2"][3] == "2,400"

    by_quantity = admin_client.get("/admin/reports?date_from=2026-11-01&date_to=2026-11-30"
                                   "&rank=quantity").get_data(as_text=True)
    assert [r[0] for r in table(by_quantity, "by-product").values()] == ["strap", "mug", "tee"]
    assert "<strong>数量順</strong>" in by_quantity


def test_by_month_and_the_chart(admin_client, sales):
    page = admin_client.get("/admin/reports?date_from=2026-10-01&date_to=2026-11-30"
                            "&unit=month").get_data(as_text=True)
    by_month = table(page, "by-time")
    assert list(by_month) == ["2026年10月", "2026年11月"]
    assert by_month["2026年10月"][:2] == ["1", "1,000"]
    assert by_month["2026年11月"][:2] == ["3", "6,400"]
    bars = re.findall(r'<rect class="bar"[^>]*data-key="([0-9-]+)" data-total="([0-9]+)"', page)
    assert [key for key, _ in bars] == ["2026-10", "2026-11"]
    assert int(bars[1][1]) > int(bars[0][1]) > 1000
    assert "<svg" in page and "売上集計" in page


def test_csv_in_cp932_and_utf8(admin_client, sales):
    query = "date_from=2026-11-01&date_to=2026-11-30&unit=day"
    response = admin_client.get(f"/admin/reports/sales.csv?{query}")
    assert response.headers["Content-Type"] == "text/csv; charset=Shift_JIS"
    assert 'filename="sales_20261101_20261130.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("cp932"), newline="")))
    assert rows[0] == ["区分", "項目", "注文件数", "商品合計", "手数料・配送料", "売上合計",
                       "8%対象額", "8%消費税", "10%対象額", "10%消費税", "数量"]
    assert rows[1][:4] == ["合計", "2026-11-01\uff5e2026-11-30", "3", "6400"]
    assert ["キャリア", "au"] == rows[[r[:2] for r in rows].index(["キャリア", "au"])][:2]
    product = next(r for r in rows if r[0] == "商品" and r[1].startswith("strap"))
    # A product has no fees and no order's tax figures: those cells stay empty.
    assert product == ["商品", "strap ストラップ", "1", "3000", "", "", "", "", "", "", "10"]
    assert response.data.endswith(b"\r\n")
    utf8 = admin_client.get(f"/admin/reports/sales.csv?{query}&encoding=utf-8-sig")
    assert utf8.data.startswith(b"\xef\xbb\xbf")
    assert utf8.data[3:].decode("utf-8") == response.data.decode("cp932")


def test_presets_and_bad_periods(admin_client, db):
    on = date(2026, 12, 9)  # a Wednesday
    assert preset_range("today", on) == (on, on)
    assert preset_range("week", on) == (date(2026, 12, 7), on)
    assert preset_range("month", on) == (date(2026, 12, 1), on)
    assert preset_range("last_month", on) == (date(2026, 11, 1), date(2026, 11, 30))
    assert preset_range("last_month", date(2027, 1, 15)) == (date(2026, 12, 1), date(2026, 12, 31))
    period = Period.from_args(MultiDict({"preset": "last_month", "date_from": "2020-01-01"}), on)
    assert (period.date_from, period.date_to) == (date(2026, 11, 1), date(2026, 11, 30))

    page = admin_client.get("/admin/reports?date_from=2026-12-31&date_to=2026-01-01")
    assert page.status_code == 200
    assert "開始日が終了日より後になっています。" in page.get_data(as_text=True)
    page = admin_client.get("/admin/reports?date_from=きのう").get_data(as_text=True)
    assert "開始日は YYYY-MM-DD の形で入力してください。" in page
    page = admin_client.get("/admin/reports?date_from=2010-01-01&date_to=2026-01-01&unit=day")
    assert "日別の集計は3年までです。" in page.get_data(as_text=True)
    csv_response = admin_client.get("/admin/reports/sales.csv?date_from=x&date_to=2026-01-01")
    assert csv_response.status_code == 400
    assert "開始日は YYYY-MM-DD" in csv_response.get_data(as_text=True)
    assert admin_client.get("/admin/reports?preset=week").status_code == 200


def test_tax_per_rate_in_every_table_and_the_csv(admin_client, db):
    """Both issues in: 売上集計 sums each sale's 消費税 per rate as the order states it."""
    from models import TaxRate

    tea = add_product(db, "tea", price=540, stock=100, name="緑茶")
    tea.product.tax_rate = TaxRate.REDUCED
    mug = add_product(db, "mug", price=1200, stock=100, name="マグカップ")
    when = datetime(2026, 11, 2, 10)
    mixed = place(db, [tea, mug], quantity=2, ordered_at=when)
    mixed.carrier = "docomo"
    db.commit()
    # 8%: 1,080 (80); 10%: 2,400 + the fees, rounded once per rate by the order itself.
    assert (mixed.taxable_8pct, mixed.tax_8pct) == (1080, 80)
    query = "date_from=2026-11-01&date_to=2026-11-30"
    page = admin_client.get(f"/admin/reports?{query}").get_data(as_text=True)
    heads = lxml_html.fromstring(page).xpath('//table[@id="by-carrier"]/thead/tr/th/text()')
    assert ["8%対象額", "8%消費税", "10%対象額", "10%消費税"] == heads[-4:]
    row = table(page, "by-carrier")["docomo"]
    assert row[-4:] == ["1,080", "80", f"{mixed.taxable_10pct:,}", f"{mixed.tax_10pct:,}"]
    body = admin_client.get(f"/admin/reports/sales.csv?{query}&encoding=utf-8-sig").data
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][-5:-1] == ["8%対象額", "8%消費税", "10%対象額", "10%消費税"]
    total = next(r for r in rows if r[0] == "合計")
    assert total[-5:-1] == ["1080", "80", str(mixed.taxable_10pct), str(mixed.tax_10pct)]
