"""商品情報's 税率 and 販売期限: in the form and in the product CSV."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from models import Product, ShopSettings
from tests.admin.conftest import form_token, product_data

from .test_product_csv import _import

CSV_HEADER = "コード,商品名,販売価格,税率,販売期限\r\n"


def test_a_new_product_gets_the_shops_default_rate_and_a_sale_end(admin_client, db, shelves):
    ShopSettings.load(db).default_tax_rate = 8
    db.commit()
    page = admin_client.get("/admin/products/new").get_data(as_text=True)
    assert '<option selected value="8">軽減税率 8%</option>' in page
    token = form_token(admin_client, "/admin/products/new")
    response = admin_client.post("/admin/products/new", data=product_data(
        token, tax_rate="8", sale_ends_at="２０２６/１２/３１ ２３:５９"))
    assert response.status_code == 302
    product = db.scalar(select(Product).where(Product.code == "tee001"))
    assert product.tax_rate == 8
    assert product.sale_ends_at == datetime(2026, 12, 31, 23, 59, 59)
    edit = admin_client.get(f"/admin/products/{product.id}/edit").get_data(as_text=True)
    assert 'value="2026-12-31 23:59"' in edit


def test_rate_and_sale_end_change_and_clear(admin_client, db, shelves):
    token = form_token(admin_client, "/admin/products/new")
    admin_client.post("/admin/products/new", data=product_data(
        token, tax_rate="8", sale_ends_at="2026-12-31"))
    product = db.scalar(select(Product).where(Product.code == "tee001"))
    assert product.sale_ends_at == datetime(2026, 12, 31, 23, 59, 59)  # the whole day
    product_id = product.id
    db.commit()
    url = f"/admin/products/{product_id}/edit"
    response = admin_client.post(url, data=product_data(form_token(admin_client, url),
                                                        tax_rate="10", sale_ends_at=""))
    assert response.status_code == 302
    db.expire_all()
    product = db.get(Product, product_id)
    assert (product.tax_rate, product.sale_ends_at) == (10, None)


def test_bad_rate_or_sale_end_is_refused_in_japanese(admin_client, db, shelves):
    token = form_token(admin_client, "/admin/products/new")
    response = admin_client.post("/admin/products/new", data=product_data(
        token, tax_rate="5", sale_ends_at="来週の金曜"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "税率を選んでください。" in page
    assert ("販売期限は「2026-12-31 23:59」の形（日付だけならその日の終わりまで）で"
            "入力してください。") in page
    assert 'value="来週の金曜"' in page  # shown again as typed
    response = admin_client.post("/admin/products/new", data=product_data(
        token, sale_ends_at="2026-02-30 10:00"))
    assert "販売期限は「2026-12-31 23:59」の形" in response.get_data(as_text=True)
    assert db.scalar(select(Product)) is None


def test_csv_carries_rate_and_sale_end(admin_client, db):
    ShopSettings.load(db).default_tax_rate = 10
    db.commit()
    response = _import(admin_client, CSV_HEADER + (
        "tea-1,緑茶,540,8,2026/12/31 23:59\r\n"
        "choco-1,チョコ,648,軽減税率 8%,\r\n"
        "mug-1,マグカップ,1200,,\r\n"))
    assert response.status_code == 302, response.get_data(as_text=True)
    products = {p.code: p for p in db.scalars(select(Product))}
    assert (products["tea-1"].tax_rate, products["tea-1"].sale_ends_at) == (
        8, datetime(2026, 12, 31, 23, 59, 59))
    assert (products["choco-1"].tax_rate, products["choco-1"].sale_ends_at) == (8, None)
    assert products["mug-1"].tax_rate == 10  # empty: 設定's rate
    exported = admin_client.get("/admin/products/csv/export").data.decode("cp932")
    assert "tea-1,緑茶,540,0,,表示する,公開,,,0,8,2026-12-31 23:59" in exported
    assert "mug-1,マグカップ,1200,0,,表示する,公開,,,0,10," in exported


def test_csv_with_a_bad_rate_or_date_changes_nothing(admin_client, db):
    response = _import(admin_client, CSV_HEADER + (
        "tea-1,緑茶,540,5%,\r\n"
        "tea-2,ほうじ茶,540,8,明日\r\n"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "2行目: 税率「5%」は 10 か 8 にしてください。" in page
    assert "3行目: 販売期限は「2026-12-31 23:59」の形" in page
    assert db.scalar(select(Product)) is None
