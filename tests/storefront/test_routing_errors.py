"""Errors no storefront view handles (unknown URL, wrong method) still reach a handset as
a page it can show: XHTML-MP in its charset, never an HTML5 page declaring UTF-8."""

from __future__ import annotations

import pytest

from tests.keitai import KeitaiClient
from tests.xhtml_mp import validate_xhtml_mp

from .shop import AU_UA, DOCOMO_UA, IPHONE_UA, SOFTBANK_UA

KEITAI = [
    (DOCOMO_UA, "application/xhtml+xml; charset=Shift_JIS"),
    (AU_UA, "text/html; charset=Shift_JIS"),
    (SOFTBANK_UA, "text/html; charset=UTF-8"),
]


@pytest.mark.parametrize(("user_agent", "content_type"), KEITAI)
def test_unknown_url_and_wrong_method_are_handset_pages(app, user_agent, content_type):
    phone = KeitaiClient(app, user_agent)
    for url, status, message in [
        ("/no-such-page", 404, "お探しのページは見つかりませんでした"),
        ("/mypage/orders/abc", 404, "お探しのページは見つかりませんでした"),
        ("/logout", 405, "この操作はできません"),  # a POST-only URL opened by GET
    ]:
        page = phone.get(url)
        assert page.status == status, url
        assert page.headers["Content-Type"] == content_type, url
        assert message in page.text and "<!DOCTYPE html>" not in page.text, url
        validate_xhtml_mp(page.raw)


def test_smartphone_and_admin_keep_the_plain_error_page(app):
    smartphone = KeitaiClient(app, IPHONE_UA)
    page = smartphone.get("/no-such-page")
    assert page.status == 404 and "お探しのページは見つかりませんでした" in page.text
    assert page.charset.lower() == "utf-8"
    # The admin is a PC screen even when opened with a handset's User-Agent.
    admin = KeitaiClient(app, DOCOMO_UA).get("/admin/no-such-screen")
    assert admin.status == 404 and "<!DOCTYPE html>" in admin.text
