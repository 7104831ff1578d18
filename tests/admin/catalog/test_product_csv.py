"""Product CSV: export as Excel opens it, import by コード, line-numbered all-or-nothing."""

from __future__ import annotations

import io

from sqlalchemy import select

from models import Product, Variant
from tests.admin.conftest import form_token

HEADER = "コード,商品名,販売価格,優先度,商品説明,在庫表示,公開,商品陳列棚,オプション,在庫数\r\n"


def _import(client, text: str, encoding: str = "cp932"):
    token = form_token(client, "/admin/products/csv")
    return client.post("/admin/products/csv/import", content_type="multipart/form-data",
                       data={"csrf_token": token,
                             "file": (io.BytesIO(text.encode(encoding)), "products.csv")})


def test_export_is_cp932_with_one_row_per_combination(admin_client, small_shop, db):
    product = db.scalar(select(Product).where(Product.code == "goods000001"))
    product.name = "=HYPERLINK(\"http://evil\")"
    db.commit()
    response = admin_client.get("/admin/products/csv/export")
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    text = response.data.decode("cp932")
    lines = text.split("\r\n")
    # 税率 and 販売期限 (issue #14) and 出力時在庫数 (issue #19) added at the end
    assert lines[0] == HEADER.strip() + ",税率,販売期限,出力時在庫数"
    assert "'=HYPERLINK(\"\"http://evil\"\")" in text  # neutralised for Excel
    assert any(",サイズ:M," in line for line in lines)
    assert sum(1 for line in lines[1:] if line) == sum(
        len(p.variants) for p in db.scalars(select(Product)))


def test_import_creates_and_updates_by_code(admin_client, small_shop, db):
    existing = db.scalar(select(Product).where(Product.code == "goods000001"))
    variant_ids = {v.option_text: v.id for v in existing.variants}
    db.commit()
    text = HEADER + (
        "goods000001,カラフル星Tシャツ（改）,1200,5,新しい説明,残りわずか表示,公開,Tシャツ,サイズ:S,7\r\n"
        "goods000001,カラフル星Tシャツ（改）,1200,5,新しい説明,残りわずか表示,公開,Tシャツ,サイズ:M,0\r\n"
        "new-cap,キャップ,\"1,980\",0,,表示する,非公開,,カラー:赤,3\r\n"
        "new-cap,キャップ,\"1,980\",0,,表示する,非公開,,カラー:青,4\r\n"
    )
    response = _import(admin_client, text)
    assert response.status_code == 302, response.get_data(as_text=True)
    page = admin_client.get("/admin/products").get_data(as_text=True)
    assert "商品CSVを取り込みました（新規 1 件、更新 1 件）。" in page
    db.expire_all()
    updated = db.scalar(select(Product).where(Product.code == "goods000001"))
    assert (updated.name, updated.price, updated.stock_display) == (
        "カラフル星Tシャツ（改）", 1200, "low")
    assert [(v.id, v.option_text, v.stock) for v in updated.variants] == [
        (variant_ids["サイズ:S"], "サイズ:S", 7), (variant_ids["サイズ:M"], "サイズ:M", 0)]
    cap = db.scalar(select(Product).where(Product.code == "new-cap"))
    assert cap.price == 1980 and not cap.published
    assert cap.option_axes == [{"name": "カラー", "values": ["赤", "青"]}]


def test_bad_rows_are_listed_by_line_and_nothing_changes(admin_client, small_shop, db):
    before = [(p.code, p.name, p.price) for p in db.scalars(select(Product).order_by(Product.id))]
    stock_before = [v.stock for v in db.scalars(select(Variant).order_by(Variant.id))]
    db.commit()
    text = HEADER + (
        "goods000001,名前を変える,1000,0,,表示する,公開,,サイズ:S,1\r\n"
        "\r\n"
        "goods000002,価格がおかしい,千円,0,,表示する,公開,,,1\r\n"
        "bad code!,コードがおかしい,100,0,,表示する,公開,,,1\r\n"
        "goods000003,棚がない,100,0,,表示する,公開,存在しない棚,,1\r\n"
        "goods000004,在庫がおかしい,100,0,,たくさん,公開,,,-5\r\n"
    )
    response = _import(admin_client, text)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "1件も登録していません" in page
    assert "4行目: 販売価格「千円」は0〜9,999,999の半角数字にしてください。" in page
    assert "5行目: コードは半角英数字と - _ の40文字以内で入力してください。" in page
    assert "6行目: 商品陳列棚「存在しない棚」がありません。" in page
    assert "7行目: 在庫表示は「表示する」「表示しない」「残りわずか表示」" in page
    assert "7行目: 在庫数は0〜999,999の半角数字にしてください。" in page
    db.expire_all()
    assert [(p.code, p.name, p.price)
            for p in db.scalars(select(Product).order_by(Product.id))] == before
    assert [v.stock for v in db.scalars(select(Variant).order_by(Variant.id))] == stock_before


def test_a_file_that_is_not_csv_gets_a_clear_message(admin_client, db):
    token = form_token(admin_client, "/admin/products/csv")
    response = admin_client.post(
        "/admin/products/csv/import", content_type="multipart/form-data",
        data={"csrf_token": token, "file": (io.BytesIO(b"PK\x03\x04xlsx..."), "products.xlsx")})
    assert response.status_code == 400
    assert "Excelブック（.xlsx）などのCSVではないファイルです。" in response.get_data(as_text=True)
    response = _import(admin_client, "商品名,販売価格\r\nシャツ,100\r\n")
    assert "必須の見出し コード がありません。" in response.get_data(as_text=True)
    assert db.scalar(select(Product)) is None


def test_export_then_import_round_trips_unchanged(admin_client, small_shop, db):
    exported = admin_client.get("/admin/products/csv/export?encoding=utf-8-sig").data
    before = [(p.code, p.name, p.price, p.description, [s.name for s in p.shelves],
               [(v.id, v.option_text, v.stock) for v in p.variants])
              for p in db.scalars(select(Product).order_by(Product.id))]
    db.commit()
    token = form_token(admin_client, "/admin/products/csv")
    response = admin_client.post("/admin/products/csv/import", content_type="multipart/form-data",
                                 data={"csrf_token": token,
                                       "file": (io.BytesIO(exported), "products.csv")})
    assert response.status_code == 302
    db.expire_all()
    after = [(p.code, p.name, p.price, p.description, [s.name for s in p.shelves],
              [(v.id, v.option_text, v.stock) for v in p.variants])
             for p in db.scalars(select(Product).order_by(Product.id))]
    assert after == before
