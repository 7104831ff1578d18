"""検索: the box on every page of both faces, Japanese folding, paging, nothing unpublished."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, text

from ktaishop.extensions import db
from ktaishop.migrate import upgrade
from models import Product, Shelf, Variant
from models.search import fold, search_terms, searchable_text

from .shop import AU_UA, DOCOMO_UA, IPHONE_UA, PC_UA, Shopper, link_to, seed_shop


def names(page) -> list[str]:
    """The products a result page lists (a photo grid's names, or a keitai list's links)."""
    if 'class="grid"' in page.text:
        return re.findall(r'<span class="name">([^<]+)<', page.text)
    return re.findall(r'<a href="/product/\d+[^"]*">([^<]+)</a>', page.text)


@pytest.mark.parametrize("query", ["ﾃｨｰｼｬﾂ", "てぃーしゃつ", "ティーシャツ", "Ｔシャツ", "tしゃつ",
                                   "白 しゃつ", "t001", "綿100"])
@pytest.mark.parametrize("ua", [DOCOMO_UA, AU_UA, IPHONE_UA], ids=["docomo", "au", "iphone"])
def test_full_and_half_width_and_kana_find_the_same_product(app, ua, query):
    seed_shop(app)
    phone = Shopper(app, ua, cookies=ua == IPHONE_UA)
    top = phone.get("/")
    results = phone.get(f"/search?q={query}") if ua == IPHONE_UA else _typed(phone, top, query)
    assert names(results) == ["白Tシャツ"], results.text
    assert "」の検索結果：1件" in results.text  # (keitai input arrives normalised)


def _typed(phone: Shopper, page, query: str):
    """The handset's own search form (GET, in its charset, with its session key)."""
    action = re.search(r'<form action="([^"]*/search[^"]*)" method="get">', page.text).group(1)
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"',
                             page.text.split(action, 1)[1].split("</form>", 1)[0]))
    from urllib.parse import urlencode
    query_string = urlencode([(k, v) for k, v in hidden.items()]
                             + [("q", phone.carrier.encode(query))])
    return phone.get(f"/search?{query_string}")


def search(phone: Shopper, query: str, **more: str):
    """``/search?q=`` as the handset sends it: the words in its own charset."""
    from urllib.parse import urlencode

    return phone.get("/search?" + urlencode({"q": phone.carrier.encode(query), **more}))


def test_every_page_has_the_search_box_on_both_faces(app):
    catalog = seed_shop(app)
    for ua, cookies in ((DOCOMO_UA, False), (IPHONE_UA, True), (PC_UA, True)):
        phone = Shopper(app, ua, cookies=cookies)
        for path in ("/", f"/shelf/{catalog.shelf_id}", f"/product/{catalog.product_id}",
                     "/cart", "/login", "/law", "/search?q=zzz"):
            page = phone.get(path)
            assert re.search(r'<form[^>]*action="/search[^"]*" method="get"', page.text), (ua, path)
            assert 'name="q"' in page.text


def test_no_match_blank_query_and_like_characters(app):
    seed_shop(app)
    phone = Shopper(app, DOCOMO_UA)
    assert "該当する商品がありません" in search(phone, "存在しない").text
    blank = search(phone, " ")
    assert names(blank) == [] and "キーワードを入力して" in blank.text
    assert names(search(phone, "%")) == ["白Tシャツ"]  # 綿100%: a % typed is a %, not "anything"
    assert names(search(phone, "_")) == []
    long = search(phone, "あ" * 5000)
    assert long.status == 200 and names(long) == []  # long input is cut, not a 500


def test_results_are_paged_and_unpublished_products_never_show(app):
    catalog = seed_shop(app)
    with app.app_context():
        shelf = db.session.get(Shelf, catalog.shelf_id)
        for i in range(14):
            product = Product(code=f"C{i:03d}", name=f"カップ{i:02d}", price=500, priority=-i,
                              shelves=[shelf], published=i != 3)
            product.variants = [Variant(stock=1)]
            db.session.add(product)
        db.session.commit()
    phone = Shopper(app, DOCOMO_UA)
    first = search(phone, "かっぷ")
    assert "の検索結果：14件" in first.text  # 13 カップ and the マグカップ, not the hidden one
    assert "1/3" in first.text and 'accesskey="#"' in first.text
    last = phone.get(link_to(phone.get(link_to(first, "page=2")), "page=3"))
    assert "3/3" in last.text and "カップ03" not in first.text + last.text
    smartphone = Shopper(app, IPHONE_UA, cookies=True)
    grid = smartphone.get("/search?q=かっぷ")
    assert len(names(grid)) == 12 and "1/2" in grid.text  # a photo grid pages by twelve
    assert "2/2" in smartphone.get("/search?q=かっぷ&page=99").text  # past the end: the last


def test_the_stored_search_text_follows_every_change_of_the_product(app):
    seed_shop(app)
    phone = Shopper(app, DOCOMO_UA)
    assert names(search(phone, "ぼーだー")) == []
    with app.app_context():
        product = db.session.query(Product).filter_by(code="M001").one()
        product.description = "ボーダー柄のマグ"
        db.session.commit()
    assert names(search(phone, "ぼーだー")) == ["マグカップ"]


def test_folding_rules():
    assert fold("ﾃｨｰｼｬﾂ") == fold("てぃーしゃつ") == "ティーシャツ"
    assert fold("マグ　カップ・大") == "マグカップ大"
    assert "ティーシャツ" in searchable_text("Tシャツ", "T-1", "")
    assert "ピーシーケース" in searchable_text("PCケース", "", "")
    assert "ティー" not in searchable_text("Tokyo", "", "")  # a word, not a capital alone
    assert search_terms("  a  b c d e f g ") == ["a", "b", "c", "d", "e"]


def test_the_migration_fills_the_search_text_of_existing_products(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0005")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO products (code, name, price, priority, description,"
                          " stock_display, option_axes, published, deleted, created_at)"
                          " VALUES ('T9', 'Ｔシャツ', 100, 0, 'ﾎﾞｰﾀﾞｰ', 'show', '[]', 1, 0,"
                          " '2026-01-01 00:00:00')"))
    upgrade(url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT search_text FROM products")).scalar_one()
    engine.dispose()
    expected = "tシャツ\nt9\nボーダー\nティーシャツ"
    assert stored == searchable_text("Ｔシャツ", "T9", "ﾎﾞｰﾀﾞｰ") == expected
