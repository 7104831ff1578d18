"""The catalog page cache: one cached page per carrier profile, each shopper's own parts.

Catalog pages (top, shelf, product, search) are cached before the keitai layer with the
shopper's parts left open (storefront.page_cache); the version in the database moves
with every catalog change (models.page_cache), so a change shows on the next request of
every app instance, even one whose memory held the old page.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
from urllib.parse import quote_from_bytes

import pytest
from sqlalchemy import select, update

from ktaishop import create_app
from ktaishop.extensions import db
from models import (
    CachedPage,
    Product,
    Shelf,
    ShopSettings,
    StockDisplay,
    Variant,
    now,
    reserve_stock,
)
from models.page_cache import read_version

from .shop import DOCOMO_UA, IPHONE_UA, PASSWORD, Shopper, seed_shop
from .test_account import EMAIL, make_member

KSID = re.compile(r"ksid=([A-Za-z0-9_-]{43})")
MEMBER_NAME = "佐藤 次郎"


def second_app(app):
    """Another app instance (another server) on the same database, with its own memory."""
    keys = ("TESTING", "DATABASE_URL", "MAIL_URL", "IMAGE_DIR", "SECRET_KEY", "BASE_URL",
            "SERVER_NAME")
    return create_app({key: app.config[key] for key in keys})


def version(app) -> int:
    with app.app_context():
        return read_version(db.session.connection())


def stored_pages(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(CachedPage.body)))


def visit(shopper: Shopper, path: str):
    """GET ``path`` in this shopper's session: a cookie-less handset carries its key, as
    the links of its last page would."""
    last = shopper.client.last
    key = KSID.search(last.text) if last is not None else None
    if key is not None:
        path += ("&" if "?" in path else "?") + f"ksid={key.group(1)}"
    return shopper.get(path)


def put_in_cart(shopper: Shopper, product_id: int, quantity: str = "1"):
    page = visit(shopper, f"/product/{product_id}")
    return shopper.submit(page, {"quantity": quantity}, action_contains="/cart/add")


def log_in(shopper: Shopper):
    return shopper.submit(visit(shopper, "/login"), {"email": EMAIL, "password": PASSWORD})


def test_shoppers_share_a_cached_page_with_their_own_cart_key_and_login(app):
    catalog = seed_shop(app)
    make_member(app)
    shelf = f"/shelf/{catalog.shelf_id}"
    member_phone, guest_phone = Shopper(app, DOCOMO_UA), Shopper(app, DOCOMO_UA)
    member_smartphone = Shopper(app, IPHONE_UA, cookies=True)
    guest_smartphone = Shopper(app, IPHONE_UA, cookies=True)
    for shopper in (member_phone, member_smartphone):
        put_in_cart(shopper, catalog.plain_id, "2")
        log_in(shopper)
    guest_phone.get("/")  # a session of its own, with an empty cart
    before = len(stored_pages(app))
    pages = {name: visit(shopper, shelf) for name, shopper in (
        ("member_phone", member_phone), ("guest_phone", guest_phone),
        ("member_smartphone", member_smartphone), ("guest_smartphone", guest_smartphone))}
    # One entry per carrier profile, whoever looked.
    assert len(stored_pages(app)) == before + 2
    for name, page in pages.items():
        assert page.status == 200 and "マグカップ" in page.text
        cart = "カート(2)" if name.startswith("member") else "カート(0)"
        assert cart in page.text, (name, page.text)
        assert ("マイページ" in page.text) == name.startswith("member")
        assert ("ログイン" in page.text) != name.startswith("member")
    assert pages["member_phone"].charset == "Shift_JIS"
    member_key = KSID.search(visit(member_phone, "/").text).group(1)
    assert set(KSID.findall(pages["member_phone"].text)) == {member_key}
    assert member_key not in pages["guest_phone"].text  # (a guest with nothing kept has
    # no key yet; once the cart holds something, links carry its own)
    guest_cart = put_in_cart(guest_phone, catalog.plain_id)
    guest_key = KSID.search(guest_cart.text).group(1)
    guest_shelf = visit(guest_phone, shelf)
    assert guest_key != member_key and "カート(1)" in guest_shelf.text
    assert set(KSID.findall(guest_shelf.text)) == {guest_key}
    assert "ksid" not in pages["member_smartphone"].text


def test_a_members_name_never_reaches_another_shopper_or_the_store(app):
    catalog = seed_shop(app)
    make_member(app)
    for user_agent, cookies in ((DOCOMO_UA, False), (IPHONE_UA, True)):
        member = Shopper(app, user_agent, cookies=cookies)
        log_in(member)
        assert f"{MEMBER_NAME}様" in visit(member, "/").text or user_agent == IPHONE_UA
        guest = Shopper(app, user_agent, cookies=cookies)
        for path in ("/", f"/shelf/{catalog.shelf_id}", f"/product/{catalog.product_id}",
                     "/search?q=%E3%83%9E%E3%82%B0"):
            visit(member, path)
            page = visit(guest, path)
            assert page.status == 200 and MEMBER_NAME not in page.text
            assert "ログイン" in page.text and "マイページ" not in page.text
    bodies = stored_pages(app)
    assert bodies and not any(MEMBER_NAME in body for body in bodies)
    assert not any(re.search(r'name="csrf_token" value="[^"]', body) for body in bodies)


def test_every_shopper_gets_their_own_form_token_from_a_cached_product_page(app):
    catalog = seed_shop(app)
    first, second = Shopper(app, DOCOMO_UA), Shopper(app, DOCOMO_UA)
    tokens = []
    for shopper in (first, second, first):
        page = visit(shopper, f"/product/{catalog.plain_id}")
        tokens.append(re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1))
    assert tokens[0] != tokens[1]
    cart = first.submit(first.client.last, {"quantity": "1"}, action_contains="/cart/add")
    assert "カート(1)" in cart.text or "マグカップ" in cart.text


@pytest.mark.parametrize("user_agent, cookies", [(DOCOMO_UA, False), (IPHONE_UA, True)])
def test_catalog_changes_show_on_the_next_request_of_every_app(app, user_agent, cookies):
    catalog = seed_shop(app)
    other = second_app(app)
    here, there = Shopper(app, user_agent, cookies=cookies), Shopper(other, user_agent,
                                                                       cookies=cookies)
    pages = ("/", f"/shelf/{catalog.shelf_id}", f"/product/{catalog.plain_id}")

    def both_show(*texts: str, absent: str = "") -> None:
        for shopper in (here, there):
            for path in pages:
                shopper.get(path)  # into the memory of both apps, at this version
        for shopper in (here, there):
            shown = " ".join(shopper.get(path).text for path in pages)
            for text in texts:
                assert text in shown, (text, shopper.client.client.application)
            assert not absent or absent not in shown

    both_show("1,200円", "テスト商店", "Tシャツ", "在庫あり")
    with app.app_context():  # 価格
        db.session.get(Product, catalog.plain_id).price = 1500
        db.session.commit()
    both_show("1,500円", absent="1,200円")
    with app.app_context():  # 商品陳列棚
        db.session.get(Shelf, catalog.shelf_id).name = "夏のTシャツ"
        db.session.commit()
    both_show("夏のTシャツ")
    with app.app_context():  # 設定
        ShopSettings.load(db.session).shop_name = "新しい商店"
        db.session.commit()
    both_show("新しい商店", absent="テスト商店")
    with app.app_context():  # the last units bought: 在庫切れ
        reserve_stock(db.session, catalog.plain_variant_id, 10, "マグカップ")
        db.session.commit()
    both_show("在庫切れ", absent="在庫あり")
    other.extensions["ktaishop.db"].engine.dispose()


def test_a_purchase_moves_the_version_only_when_the_shown_stock_changes(app):
    catalog = seed_shop(app, stock=10)
    with app.app_context():
        db.session.get(Product, catalog.plain_id).stock_display = StockDisplay.LOW
        db.session.commit()
    start = version(app)

    def buy(quantity: int) -> int:
        with app.app_context():
            reserve_stock(db.session, catalog.plain_variant_id, quantity, "マグカップ")
            db.session.commit()
        return version(app)

    assert buy(1) == start  # 10 → 9: 在庫あり still
    assert buy(5) == start  # 9 → 4: 在庫あり still
    low = buy(1)  # 4 → 3: 残りわずか (threshold 3)
    assert low > start
    assert buy(1) == low  # 3 → 2: 残りわずか still
    assert buy(2) > low  # 2 → 0: 在庫切れ
    phone = Shopper(app, DOCOMO_UA)
    assert "在庫切れ" in phone.get(f"/product/{catalog.plain_id}").text


def test_a_guest_checkout_that_leaves_the_label_alone_keeps_the_cached_pages(app):
    from .flows import to_confirmation

    catalog = seed_shop(app, stock=50)
    phone = Shopper(app, DOCOMO_UA)
    phone.get(f"/shelf/{catalog.shelf_id}")
    start = version(app)
    confirm = to_confirmation(phone, catalog.plain_id, catalog.plain_variant_id)
    done = phone.submit(confirm, {}, action_contains="/checkout/place")
    assert done.status == 200
    assert version(app) == start and stored_pages(app)


def test_cached_keitai_pages_are_valid_xhtml_mp_in_shift_jis(app):
    catalog = seed_shop(app)
    for _ in range(3):  # made, then from the store, then from memory (and its memos)
        phone = Shopper(app, DOCOMO_UA)  # checks the DTD and the charset of every page
        for path in ("/", f"/shelf/{catalog.shelf_id}", f"/product/{catalog.product_id}",
                     "/search?q=%94%92"):  # 「白」 in Shift_JIS
            page = phone.get(path)
            assert page.status == 200 and page.charset == "Shift_JIS"
            assert page.raw.startswith(b'<?xml version="1.0" encoding="Shift_JIS"?>')
    assert len(stored_pages(app)) == 4


def test_a_shift_jis_search_hits_its_own_entry(app):
    seed_shop(app)
    phone = Shopper(app, DOCOMO_UA)
    mug = "マグ".encode("cp932")
    shirt = "シャツ".encode("cp932")
    for _ in range(2):
        found = phone.get(f"/search?q={quote_from_bytes(mug)}")
        assert "マグカップ" in found.text and "白Tシャツ" not in found.text
        other = phone.get(f"/search?q={quote_from_bytes(shirt)}")
        assert "白Tシャツ" in other.text and "マグカップ" not in other.text
    smartphone = Shopper(app, IPHONE_UA, cookies=True)
    assert "マグカップ" in smartphone.get("/search?q=%E3%83%9E%E3%82%B0").text
    assert len(stored_pages(app)) == 3  # two keitai searches, one smartphone search


def test_errors_and_pages_past_the_end_are_never_stored(app):
    catalog = seed_shop(app)
    phone = Shopper(app, DOCOMO_UA)
    assert phone.get("/product/99999").status == 404
    assert phone.get(f"/shelf/{catalog.shelf_id}?page=9").status == 404
    assert phone.get("/shelf/99999").status == 404
    assert stored_pages(app) == []


def test_a_product_page_is_made_again_when_its_sale_ends(app):
    catalog = seed_shop(app)
    with app.app_context():
        db.session.get(Product, catalog.plain_id).sale_ends_at = now() + timedelta(seconds=2)
        db.session.commit()
    phone = Shopper(app, IPHONE_UA, cookies=True)
    assert "販売期限" in phone.get(f"/product/{catalog.plain_id}").text
    with app.app_context():
        assert db.session.scalar(select(CachedPage.valid_until)) is not None
    time.sleep(3.1)  # the clock passes the end; the catalog does not change
    assert "販売期間は終了しました" in phone.get(f"/product/{catalog.plain_id}").text


def test_a_bulk_change_of_variants_moves_the_version(app):
    catalog = seed_shop(app)
    start = version(app)
    with app.app_context():
        db.session.execute(update(Variant).where(Variant.id == catalog.plain_variant_id)
                           .values(stock=0))
        db.session.commit()
    assert version(app) > start


def test_clear_page_cache_empties_the_store_and_moves_the_version(app, runner):
    catalog = seed_shop(app)
    Shopper(app, IPHONE_UA, cookies=True).get(f"/shelf/{catalog.shelf_id}")
    start = version(app)
    result = runner.invoke(args=["clear-page-cache"])
    assert result.exit_code == 0 and "消去しました" in result.output
    assert stored_pages(app) == [] and version(app) > start


def test_a_template_reading_the_shopper_outside_a_part_is_never_cached(app):
    """The guard itself: while a page is rendered for the cache, `member` raises."""
    from jinja2 import UndefinedError

    from storefront.page_cache import held_back_values

    seed_shop(app)
    for source in ("{% if member %}{{ member.name }}{% endif %}", "{{ cart_count }}",
                   "{{ session.get('cart') }}", "{{ current_user.is_authenticated }}"):
        with pytest.raises(UndefinedError):
            app.jinja_env.from_string(source).render(**held_back_values())


def test_the_products_own_label_moves_the_version_when_no_option_crosses(app):
    catalog = seed_shop(app)
    with app.app_context():
        shirt = db.session.get(Product, catalog.product_id)
        shirt.stock_display = StockDisplay.LOW
        for variant in shirt.variants:
            variant.stock = 2  # each 残りわずか already; the product (4) 在庫あり
        db.session.commit()
    phone = Shopper(app, DOCOMO_UA)
    assert "在庫：在庫あり" in phone.get(f"/product/{catalog.product_id}").text
    start = version(app)
    with app.app_context():
        reserve_stock(db.session, catalog.variant_id, 1, "白Tシャツ")  # M 2 → 1, total 3
        db.session.commit()
    assert version(app) > start
    assert "在庫：残りわずか" in phone.get(f"/product/{catalog.product_id}").text
