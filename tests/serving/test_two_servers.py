"""Two app servers, one shop: two real ``ktaishop serve`` processes over one PostgreSQL
database and one image folder, a whole guest checkout alternating between them.

What must hold for a load balancer to send any request anywhere: the cart and the
session (a cookie-less handset's key in the URL, a smartphone's cookie) live in the
database; the confirmation link from the mail works on either; an image has one ETag
on both; a price changed through one server's admin shows on the other's next page.
PostgreSQL only (several processes over one SQLite file is not a deployment we offer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html
import pytest
from sqlalchemy import select

from ktaishop import create_app
from ktaishop.extensions import db
from models import AdminUser, Order, OrderStatus
from tests.conftest import ADMIN_LOGIN, ADMIN_PASSWORD, csrf_token_from
from tests.storefront.flows import to_confirmation
from tests.storefront.shop import (
    DOCOMO_UA,
    IPHONE_UA,
    PC_UA,
    Catalog,
    Shopper,
    deliver_mail,
    mail_text,
    seed_shop,
    url_in,
)

from .conftest import SHOP_HOST, Served, fresh_database, shop_env, start_serve
from .wire import WireClient, fetch

KEY = re.compile(r"ksid=([A-Za-z0-9_-]{20,})")


@dataclass
class TwoServers:
    app: object  # an app of the same shop in the test process: the mail worker's
    catalog: Catalog
    servers: list[Served]

    @property
    def urls(self) -> list[str]:
        return [served.url for served in self.servers]

    def shopper(self, agent: str, *, cookies: bool) -> Shopper:
        shopper = Shopper.__new__(Shopper)
        shopper.client = WireClient(self.urls, agent, host=SHOP_HOST, cookies=cookies)
        shopper.pages = []
        return shopper


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    folder = tmp_path_factory.mktemp("two_servers")
    with fresh_database("postgresql", folder) as url:
        env = shop_env(url, folder)
        app = create_app({"TESTING": True, "DATABASE_URL": url,
                          "IMAGE_DIR": env["KTAISHOP_IMAGE_DIR"],
                          "SECRET_KEY": env["KTAISHOP_SECRET_KEY"],
                          "BASE_URL": env["KTAISHOP_BASE_URL"]})
        catalog = seed_shop(app, stock=50)
        with app.app_context():
            admin = AdminUser(login=ADMIN_LOGIN)
            admin.set_password(ADMIN_PASSWORD)
            db.session.add(admin)
            db.session.commit()
        servers = [start_serve(env, folder / name) for name in ("a", "b")]
        try:
            yield TwoServers(app, catalog, servers)
        finally:
            for served in servers:
                served.stop()
            with app.app_context():
                db.engine.dispose()


def checkout(shop: TwoServers, shopper: Shopper, smtp_server) -> Order:
    """Cart → 最終確認画面 → 注文する → the mailed link → 注文完了, server after server."""
    shop.app.config["MAIL_URL"] = smtp_server.url
    catalog = shop.catalog
    confirm = to_confirmation(shopper, catalog.product_id, catalog.variant_id, quantity="2")
    assert "3,960円" in confirm.text
    placed = shopper.submit(confirm, {}, action_contains="/checkout/place")
    assert "仮注文を受け付けました" in placed.text, placed.text
    mails = deliver_mail(shop.app, smtp_server, len(smtp_server.messages) + 1)
    link = url_in(mail_text(mails[-1]), "/order/confirm/")
    confirm_page = shopper.get(link)
    assert "注文を確定する" in confirm_page.text
    finished = shopper.submit(confirm_page, {})
    assert "注文完了" in finished.text
    with shop.app.app_context():
        number = re.search(r"\d{8}_\d{10}", finished.text).group(0)
        order = db.session.scalar(select(Order).where(Order.order_no == number))
    assert order.status == OrderStatus.COMPLETED and order.total > 3960
    assert set(shopper.client.visited) == set(shop.urls)  # both servers served it
    return order


def test_a_cookieless_docomo_checkout_alternating_servers(shop, smtp_server):
    phone = shop.shopper(DOCOMO_UA, cookies=False)
    order = checkout(shop, phone, smtp_server)
    assert order.carrier == "docomo"
    keys = {key for page in phone.pages for link in page.links() + page.forms()
            for key in KEY.findall(link)}
    assert keys, "the session key travels in the URL"
    assert all("Set-Cookie" not in page.headers for page in phone.pages)


def test_a_smartphone_checkout_alternating_servers(shop, smtp_server):
    phone = shop.shopper(IPHONE_UA, cookies=True)
    order = checkout(shop, phone, smtp_server)
    assert order.carrier == "smartphone"
    assert phone.client.cookies, "the smartphone keeps its session in a cookie"
    assert not any(KEY.search(link) for page in phone.pages for link in page.links())


def test_an_image_has_one_etag_on_both_servers(shop):
    url = f"/image/{shop.catalog.product_id}/1?w=320&fmt=webp"
    headers = {"Host": SHOP_HOST, "User-Agent": IPHONE_UA}
    first, second = (fetch(base + url, headers=headers) for base in shop.urls)
    assert first.status == second.status == 200 and first.body == second.body
    assert first.header("ETag") == second.header("ETag")
    for base in shop.urls:
        again = fetch(base + url, headers={**headers, "If-None-Match": first.header("ETag")})
        assert again.status == 304


def admin_post_form(admin: WireClient, url: str, **changes: str):
    """The admin form at ``url`` as a browser would submit it, with ``changes``."""
    page = admin.get(url)
    assert page.status == 200, page.text
    form = next(f for f in lxml.html.fromstring(page.text).forms
                if (f.get("action") or url).split("?")[0].endswith(url.split("?")[0]))
    values = [(k, v) for k, v in form.form_values() if k not in changes]
    values += list(changes.items())
    return admin.post(url, values)


def test_a_price_changed_on_one_server_shows_on_the_other(shop):
    product = f"/product/{shop.catalog.product_id}"
    visitor = shop.shopper(IPHONE_UA, cookies=True).client
    before = [visitor.get(product).text for _ in shop.urls]  # each server has shown it
    assert all("1,980円" in text for text in before)
    admin = WireClient(shop.urls[:1], PC_UA, host=SHOP_HOST, cookies=True)
    login = admin.get("/admin/login").text
    answer = admin.post("/admin/login", {"login": ADMIN_LOGIN, "password": ADMIN_PASSWORD,
                                         "csrf_token": csrf_token_from(login)})
    assert answer.status == 302, answer.text
    saved = admin_post_form(admin, f"/admin/products/{shop.catalog.product_id}/edit",
                            price="2,480", save="1")
    assert saved.status == 302, saved.text
    for _ in shop.urls:  # the next request to either server
        page = visitor.get(product).text
        assert "2,480円" in page and "1,980円" not in page
