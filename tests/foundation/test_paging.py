"""Paging: whatever ``?page=`` says, a list shows a page a shop owner can use.

Missing, "abc", "-5" → the first page; after the last (a stale link, 20 digits) → the
last page, with the pager, on every admin list. The storefront's shelf answers a page
after its last with its "not found" page (tests/storefront/test_huge_numbers.py).
"""

from __future__ import annotations

import re

import pytest
from lxml import html as lxml_html
from sqlalchemy import select

from ktaishop.demo.shop import grow
from ktaishop.paging import MAX_PAGE, Page, requested_page
from models import Product, Shelf, Variant

HUGE = "99999999999999999999"
ADMIN_LISTS = ("/admin/orders?", "/admin/orders?keyword=購入者&", "/admin/delivery?",
               "/admin/delivery?package=waiting&", "/admin/members?", "/admin/products?")


@pytest.mark.parametrize(("text", "page"), [
    (None, 1), ("", 1), ("abc", 1), ("-5", 1), ("0", 1), ("1.5", 1), ("２", 1), ("3", 3),
    (" 3 ", 3), ("007", 7), (str(MAX_PAGE), MAX_PAGE), (HUGE, MAX_PAGE),
    ("9" * 5000, MAX_PAGE), ("0" * 30 + "2", 2),
])
def test_the_page_asked_for_is_read_leniently_and_bounded(text, page):
    assert requested_page({} if text is None else {"page": text}) == page


def test_a_page_is_settled_on_the_rows_there_are():
    assert (Page.of(1, 50, 0).number, Page.of(1, 50, 0).pages) == (1, 1)
    assert Page.of(3, 50, 120).number == 3
    last = Page.of(MAX_PAGE, 50, 120)
    assert (last.number, last.pages, last.past_end) == (3, 3, True)
    assert not Page.of(3, 50, 101).past_end and Page.of(4, 50, 101).past_end


@pytest.fixture
def busy_shop(demo_shop, db):
    """The demo shop grown so that every admin list has several pages."""
    grow(db, members=160, orders=260, echo=lambda _text: None)
    for n in range(70):
        db.add(Product(code=f"p{n:03d}", name=f"商品{n:03d}", price=100, priority=0,
                       variants=[Variant(option_text="", stock=1)]))
    db.commit()
    return demo_shop


def shown(response) -> tuple[list[str], str]:
    """(the rows of the page's tables, "n / N ページ" of its pager)."""
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    rows = [tr.text_content() for tr in lxml_html.fromstring(page).xpath("//table//tr")]
    pager = re.search(r"(\d+) / (\d+) ページ", page)
    assert pager, "no pager on the page"
    return rows, pager.group(0)


def test_a_page_after_the_last_shows_the_last_page(busy_shop, admin_client):
    for url in ADMIN_LISTS:
        first_rows, first_pager = shown(admin_client.get(url))
        pages = int(first_pager.split(" / ")[1].split(" ")[0])
        assert pages >= 2, url
        last = shown(admin_client.get(f"{url}page={pages}"))
        assert last[1] == f"{pages} / {pages} ページ"
        for beyond in (HUGE, str(pages + 1)):
            assert shown(admin_client.get(f"{url}page={beyond}")) == last, (url, beyond)
        for nonsense in ("-5", "abc", "0"):
            assert shown(admin_client.get(f"{url}page={nonsense}")) == (first_rows, first_pager)


def test_a_shelf_shows_its_first_page_for_a_page_that_is_not_a_number(demo_shop, db, client):
    shelf = db.scalars(select(Shelf).order_by(Shelf.position)).first()
    first = client.get(f"/shelf/{shelf.id}").get_data(as_text=True)
    for nonsense in ("-5", "abc", "0"):
        response = client.get(f"/shelf/{shelf.id}?page={nonsense}")
        assert response.status_code == 200
        assert response.get_data(as_text=True) == first
    assert client.get(f"/shelf/{shelf.id}?page={HUGE}").status_code == 404
