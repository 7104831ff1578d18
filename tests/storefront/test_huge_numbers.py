"""Numbers too big for a row id (typed into a URL or a form) are "not found", never a 500.

SQLite refuses integers beyond 64 bits and PostgreSQL beyond INTEGER, so asking the
database for them failed in the driver instead of finding nothing.
"""

from __future__ import annotations

from .shop import AU_UA, DOCOMO_UA, Shopper, seed_shop
from .test_account import log_in, make_member

HUGE = "9" * 30
BEYOND_INTEGER = str(2**31)  # fits SQLite, not PostgreSQL's INTEGER


def test_huge_ids_in_urls_are_handset_404_pages(app):
    catalog = seed_shop(app)
    phone = Shopper(app, DOCOMO_UA)
    for number in (HUGE, BEYOND_INTEGER):
        for url in (f"/product/{number}", f"/product/{number}/images", f"/shelf/{number}",
                    f"/image/{number}/1", f"/shelf/{catalog.shelf_id}?page={number}"):
            page = phone.get(url)
            assert page.status == 404, url
            assert "お探しのページは見つかりませんでした" in page.text, url


def test_huge_ids_in_the_cart_form_and_order_history_are_refused(app):
    catalog = seed_shop(app)
    make_member(app)
    phone = Shopper(app, AU_UA, cookies=True)
    product = phone.get(f"/product/{catalog.product_id}")
    for number in (HUGE, BEYOND_INTEGER):
        page = phone.submit(product, {"variant_id": number, "quantity": "1"},
                            action_contains="/cart/add")
        assert page.status == 200 and "オプションを選んでください" in page.text
        page = phone.submit(product, {"product_id": number, "quantity": "1"},
                            action_contains="/cart/add")
        assert page.status == 404 and "お探しのページは見つかりませんでした" in page.text
    log_in(phone)
    for number in (HUGE, BEYOND_INTEGER):
        page = phone.get(f"/mypage/orders/{number}")
        assert page.status == 404 and "お探しのページは見つかりませんでした" in page.text
