"""Chromium: the shop owner's round trips through 商品情報, 顧客管理 and 設定.

The storefront side is checked as a docomo handset (KeitaiClient, the real app).
"""

from __future__ import annotations

import io
import re

from PIL import Image
from sqlalchemy import select

from models import (
    CartLine,
    CheckoutDetails,
    Member,
    PaymentMethod,
    Person,
    Product,
    ShopSettings,
    place_order,
)
from tests.admin.catalog.images import TEXT_AS_JPEG, gif, huge_png, jpeg_with_gps, png
from tests.keitai import KeitaiClient

DOCOMO = "DoCoMo/2.0 SH902i(c100;TB;W24H16)"  # i-mode browser 1.0, 240 px wide


def _files(tmp_path, **contents: bytes) -> dict[str, str]:
    paths = {}
    for name, data in contents.items():
        path = tmp_path / name
        path.write_bytes(data)
        paths[name] = str(path)
    return paths


def _shop(handset: KeitaiClient, db, path: str):
    """A page as the handset gets it. The in-thread request shares the test's session:
    forget what it holds (the live server changed rows) and end its read afterwards
    (SQLite serialises transactions, so the live server would wait)."""
    db.expire_all()
    page = handset.get(path)
    db.commit()
    return page


def _save_product(page) -> None:
    page.click("#save")
    page.wait_for_selector(".flash")


def test_product_with_options_images_and_shelves_reaches_a_docomo_handset(
        admin_page, live_server, app, db, shelves, tmp_path):
    page = admin_page
    files = _files(tmp_path, **{"front.png": png(800, 600), "photo.jpg": jpeg_with_gps(),
                                "icon.gif": gif()})
    page.goto(f"{live_server.url}/admin/products/new")
    page.fill("#name", "ボーダーシャツ")
    page.fill("#price", "3980")
    page.fill("#axis-0-name", "サイズ")
    page.fill("#axis-0-values", "S,M,L")
    page.fill("#axis-1-name", "カラー")
    page.fill("#axis-1-values", "白,紺")
    page.click("#rebuild")
    page.wait_for_selector("#stock-5")
    for k, stock in enumerate(("4", "0", "9", "2", "1", "6")):
        page.fill(f"#stock-{k}", stock)
    page.set_input_files("#image1", files["front.png"])
    page.set_input_files("#image2", files["photo.jpg"])
    page.set_input_files("#image3", files["icon.gif"])
    page.get_by_label("Tシャツ").check()
    page.get_by_label("新着").check()
    _save_product(page)
    assert "商品「ボーダーシャツ」を登録しました。" in page.inner_text(".flash")
    assert page.locator("img.thumb").count() == 3
    product = db.scalar(select(Product).where(Product.name == "ボーダーシャツ"))
    product_id = product.id
    assert sorted(s.name for s in product.shelves) == ["Tシャツ", "新着"]
    assert product.total_stock == 22 and len(product.variants) == 6
    db.commit()

    handset = KeitaiClient(app, DOCOMO)
    shop_page = _shop(handset, db, f"/product/{product_id}")
    assert shop_page.status == 200 and shop_page.charset.lower() == "shift_jis"
    assert "ボーダーシャツ" in shop_page.text and "3,980円" in shop_page.text
    assert "在庫あり" in shop_page.text
    image_url = re.search(r'<img src="([^"]+)"', shop_page.text).group(1).replace("&amp;", "&")
    image = _shop(handset, db, image_url)
    with Image.open(io.BytesIO(image.raw)) as scaled:
        assert scaled.width == 240  # 800 px scaled to the SH902i's screen

    # Stock down to 2 in all and 在庫表示 残りわずか: the handset sees 残りわずか.
    page.goto(f"{live_server.url}/admin/products/{product_id}/edit")
    for k, stock in enumerate(("1", "0", "0", "1", "0", "0")):
        page.fill(f"#stock-{k}", stock)
    page.check("input[name=stock_display][value=low]")
    _save_product(page)
    assert "更新しました" in page.inner_text(".flash")
    assert "残りわずか" in _shop(handset, db, f"/product/{product_id}").text
    # 在庫表示 しない: no stock wording at all.
    page.check("input[name=stock_display][value=hide]")
    _save_product(page)
    text = _shop(handset, db, f"/product/{product_id}").text
    assert "残りわずか" not in text and "在庫あり" not in text


def test_bad_uploads_in_the_browser_show_messages_and_save_nothing(
        admin_page, live_server, db, tmp_path):
    page = admin_page
    files = _files(tmp_path, **{"photo.jpg": TEXT_AS_JPEG, "big.png": huge_png(20)})
    page.goto(f"{live_server.url}/admin/products/new")
    page.fill("#name", "だめな画像の商品")
    page.fill("#price", "100")
    page.fill("#stock-0", "1")
    page.set_input_files("#image1", files["photo.jpg"])
    page.set_input_files("#image2", files["big.png"])
    _save_product(page)
    errors = page.inner_text(".flash-error")
    assert "商品画像(1)「photo.jpg」: 画像ファイルではありません。" in errors
    assert "商品画像(2)「big.png」: ファイルが大きすぎます" in errors
    assert page.input_value("#name") == "だめな画像の商品"  # the form keeps what was typed
    assert db.scalar(select(Product)) is None
    db.commit()

    csv_path = tmp_path / "products.csv"
    csv_path.write_bytes("コード,商品名,販売価格\r\nok-1,正しい行,100\r\nng-2,,abc\r\n"
                         .encode("cp932"))
    page.goto(f"{live_server.url}/admin/products/csv")
    page.set_input_files("#file", str(csv_path))
    page.click("button.primary")
    errors = page.inner_text(".flash-error")
    assert "1件も登録していません" in errors
    assert "3行目: 商品名を200文字以内で入力してください。" in errors
    assert "3行目: 販売価格「abc」は0〜9,999,999の半角数字にしてください。" in errors
    assert db.scalar(select(Product)) is None


def test_edit_a_member_and_new_orders_follow_changed_fees(admin_page, live_server, small_shop,
                                                          db):
    page = admin_page
    member = db.scalars(select(Member).order_by(Member.id)).first()
    member_id = member.id
    db.commit()
    page.goto(f"{live_server.url}/admin/members/{member_id}/edit")
    page.fill("#name", "佐藤 次郎")
    page.fill("#tel", "080-2222-3333")
    page.uncheck("#newsletter")
    page.click("button.primary")
    page.wait_for_selector(".flash")
    assert "会員「佐藤 次郎」の登録情報を変更しました。" in page.inner_text(".flash")
    assert "080-2222-3333" in page.inner_text("table.detail")
    db.expire_all()
    assert db.get(Member, member_id).newsletter is False
    db.commit()

    page.goto(f"{live_server.url}/admin/settings")
    page.fill("#shipping_fee", "650")
    page.fill("#free_shipping_over", "")
    page.fill("#cod_fee_tiers-0-fee", "330")
    page.click("#save-settings")
    page.wait_for_selector(".flash")
    assert "設定を更新しました。" in page.inner_text(".flash")
    db.expire_all()
    settings = ShopSettings.load(db)
    assert (settings.shipping_fee, settings.free_shipping_over) == (650, None)
    product = db.scalar(select(Product).where(Product.code == "goods000002"))
    details = CheckoutDetails(purchaser=Person("佐藤 次郎", email="jiro@docomo.ne.jp"),
                              payment=PaymentMethod.COD)
    order = place_order(db, [CartLine(product.variants[0].id, 1)], details, guest=False).order
    db.commit()
    assert (order.shipping_fee, order.cod_fee) == (650, 330)
    assert order.total == product.price + 650 + 330
