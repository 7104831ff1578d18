"""Browsing on a handset: numbered shelves, paging on # and *, images, 在庫表示, stock races."""

from __future__ import annotations

import hashlib
import io
import re

from PIL import Image
from sqlalchemy import select

from ktaishop.extensions import db
from models import KeitaiSession, Product, Shelf, ShopSettings, Variant

from .flows import to_confirmation
from .shop import DOCOMO_UA, IPHONE_UA, Shopper, link_to, seed_shop


def add_products(app, shelf_id: int, count: int) -> None:
    with app.app_context():
        shelf = db.session.get(Shelf, shelf_id)
        for i in range(count):
            product = Product(code=f"X{i:03d}", name=f"商品{i:02d}", price=100 + i,
                              priority=-i, shelves=[shelf])
            product.variants = [Variant(stock=1)]
            db.session.add(product)
        for i in range(10):
            db.session.add(Shelf(name=f"棚{i}", position=10 + i))
        db.session.commit()


def test_top_shelves_have_accesskeys_and_shelf_pages_on_hash_and_star(app):
    catalog = seed_shop(app)
    add_products(app, catalog.shelf_id, 7)
    phone = Shopper(app, DOCOMO_UA)
    top = phone.get("/")
    keys = re.findall(r'accesskey="(\d)"[^>]*>\[\d\]([^<]+)<', top.text)
    assert [k for k, _ in keys if k != "0"] == [str(i) for i in range(1, 10)]
    assert keys[0] == ("1", "Tシャツ") and "棚9" in top.text  # the 11th shelf, without a key
    first = phone.get(link_to(top, f"/shelf/{catalog.shelf_id}"))
    assert "1/2" in first.text and 'accesskey="#"' in first.text and "前へ" not in first.text
    names = re.findall(r">(白Tシャツ|マグカップ|商品\d\d)</a>", first.text)
    assert names == ["白Tシャツ", "マグカップ", "商品00", "商品01", "商品02"]  # by 優先度
    assert "1,980円</span>(税込)" in first.text and "/image/" in first.text
    second = phone.get(re.search(r'href="([^"]+)" accesskey="#"', first.text).group(1)
                       .replace("&amp;", "&"))
    assert "2/2" in second.text and 'accesskey="*"' in second.text and "商品06" in second.text
    assert all(len(page.raw) < phone.carrier.page_limit_bytes for page in phone.pages)


def test_product_images_are_scaled_for_the_handset(app):
    catalog = seed_shop(app)
    phone = Shopper(app, DOCOMO_UA)
    product = phone.get(f"/product/{catalog.product_id}")
    src = re.search(r'<img src="([^"]+)"', product.text).group(1).replace("&amp;", "&")
    image = phone.client.get(src)
    assert image.status == 200 and image.headers["Content-Type"] in ("image/gif", "image/jpeg")
    assert Image.open(io.BytesIO(image.raw)).width <= 240
    more = phone.get(link_to(product, f"/product/{catalog.product_id}/images"))
    assert f"/image/{catalog.product_id}/2" in more.text
    smartphone = Shopper(app, IPHONE_UA, cookies=True)
    big = smartphone.client.get(f"/image/{catalog.product_id}/1")
    assert big.status == 200 and big.headers["Content-Type"].startswith("image/")
    assert phone.client.get(f"/image/{catalog.product_id}/3").status == 404


def test_stock_display_follows_the_shop_setting(app):
    catalog = seed_shop(app)
    phone = Shopper(app, IPHONE_UA, cookies=True)
    with app.app_context():
        product = db.session.get(Product, catalog.plain_id)
        product.stock_display = "low"
        product.variants[0].stock = 2
        db.session.commit()
    assert "在庫：残りわずか" in phone.get(f"/product/{catalog.plain_id}").text
    with app.app_context():
        db.session.get(Product, catalog.plain_id).stock_display = "hide"
        db.session.commit()
    assert "在庫：" not in phone.get(f"/product/{catalog.plain_id}").text
    with app.app_context():
        product = db.session.get(Product, catalog.plain_id)
        product.stock_display, product.variants[0].stock = "show", 0
        db.session.commit()
    page = phone.get(f"/product/{catalog.plain_id}")
    assert "在庫：在庫切れ" in page.text and "カートに入れる" not in page.text


def test_sold_out_between_cart_and_order_names_the_item(app):
    catalog = seed_shop(app)
    phone = Shopper(app, DOCOMO_UA)
    confirm = to_confirmation(phone, catalog.plain_id, catalog.plain_variant_id, quantity="3")
    with app.app_context():
        db.session.get(Variant, catalog.plain_variant_id).stock = 2
        db.session.commit()
    cart = phone.submit(confirm, {}, action_contains="/checkout/place")
    assert "「マグカップ」は在庫が不足しています" in cart.text
    assert "在庫が不足しています（残り2）" in cart.text
    with app.app_context():
        assert db.session.get(Variant, catalog.plain_variant_id).stock == 2


def test_sessions_are_stored_as_digests_and_footer_pages_use_settings(app):
    seed_shop(app)
    with app.app_context():
        settings = ShopSettings.load(db.session)
        settings.returns_policy = "到着後7日以内に限り返品可"
        db.session.commit()
    phone = Shopper(app, DOCOMO_UA)
    page = phone.get("/law")
    assert "株式会社テスト" in page.text and "到着後7日以内に限り返品可" in page.text
    assert "代引き手数料" in page.text and "03-0000-0000" in page.text
    form = phone.get("/login")  # a form: the CSRF token starts a session
    key = re.search(r"ksid=([A-Za-z0-9_-]{43})", form.text).group(1)
    with app.app_context():
        digests = db.session.scalars(select(KeitaiSession.key_digest)).all()
    assert digests == [hashlib.sha256(key.encode()).hexdigest()]
