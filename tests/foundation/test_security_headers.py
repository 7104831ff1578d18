"""Hole 4 (issue #13): security headers on every response, set in one place.

Admin: no framing, nosniff, a same-origin Referrer-Policy and a strict CSP whose nonce
the page's own scripts carry. Storefront (keitai included): no-referrer, so a URL
session key never leaves in a Referer. Secure cookies when the shop is on https.
"""

from __future__ import annotations

import re

from ktaishop import create_app
from tests.conftest import csrf_token_from
from tests.storefront.shop import DOCOMO_UA, IPHONE_UA, Shopper, seed_shop


def test_admin_pages_cannot_be_framed_and_run_only_their_own_scripts(admin_client):
    response = admin_client.get("/admin/orders")
    headers = response.headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"
    policy = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "'unsafe-inline'" not in policy.split("style-src-attr")[0]
    nonce = re.search(r"script-src 'self' 'nonce-([^']+)'", policy).group(1)
    scripts = re.findall(r"<script([^>]*)>", response.get_data(as_text=True))
    assert scripts and all(f'nonce="{nonce}"' in attrs for attrs in scripts)
    again = admin_client.get("/admin/orders").headers["Content-Security-Policy"]
    assert again != policy  # a new nonce for every response


def test_the_login_page_and_errors_carry_the_headers_too(client):
    for response in (client.get("/admin/login"), client.get("/admin/no-such-page")):
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "Content-Security-Policy" in response.headers


def test_keitai_and_smartphone_pages_send_no_referrer_and_cannot_be_framed(app):
    catalog = seed_shop(app)
    for shopper in (Shopper(app, DOCOMO_UA), Shopper(app, IPHONE_UA, cookies=True)):
        page = shopper.get(f"/product/{catalog.plain_id}")  # validated as XHTML-MP
        assert page.headers["Referrer-Policy"] == "no-referrer"
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        assert page.headers["X-Frame-Options"] == "DENY"
        assert page.headers["Content-Security-Policy"] == "frame-ancestors 'none'"


def test_cookies_are_secure_and_hsts_is_sent_when_the_shop_is_on_https(database_url, tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "k",
                      "BASE_URL": "https://shop.example.jp",
                      "MAIL_URL": f"file://{tmp_path / 'mail'}"})
    client = app.test_client()
    response = client.get("/admin/login", base_url="https://shop.example.jp")
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    csrf_token_from(response.get_data(as_text=True))


def test_cookies_stay_usable_on_plain_http_for_make_run(client):
    response = client.get("/admin/login")
    assert "Secure" not in response.headers["Set-Cookie"]
    assert "Strict-Transport-Security" not in response.headers
