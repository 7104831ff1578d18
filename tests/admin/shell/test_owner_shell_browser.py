"""The admin's frame in Chromium: no request fails on any page (the favicon included),
and 携帯表示確認 shows a handset's emoji as emoji, in a gothic face."""

from __future__ import annotations

from ktaishop.extensions import db as _db
from models import Product, Variant

PAGES = ("/admin/", "/admin/orders", "/admin/delivery", "/admin/products", "/admin/shelves",
         "/admin/members", "/admin/mail-templates", "/admin/newsletters", "/admin/reports",
         "/admin/settings", "/admin/preview")


def test_no_admin_page_requests_anything_missing(admin_page, live_server):
    page = admin_page
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400
            else None)
    for path in PAGES:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert page.locator("nav.menu").count() == 1, path
    assert failed == []
    icon = page.evaluate("fetch(document.querySelector('link[rel=icon]').href)"
                         ".then(r => [r.status, r.headers.get('content-type')])")
    assert icon == [200, "image/svg+xml; charset=utf-8"] or icon[0] == 200
    assert "売上集計" in page.locator("nav.menu").all_inner_texts()[0]


def test_handset_preview_shows_emoji_in_a_gothic_face(admin_page, live_server):
    with live_server.app.app_context():
        product = Product(code="sun01", name="晴れの日Tシャツ", price=1000,
                          description="晴れ☀の日にぴったり", variants=[Variant(stock=5)])
        _db.session.add(product)
        _db.session.commit()
        product_id = product.id
    page = admin_page
    page.goto(f"{live_server.url}/admin/preview?carrier=docomo&path=/product/{product_id}")
    frame = page.frame_locator("iframe[title='携帯での表示']")
    text = frame.locator("body").inner_text()
    assert "晴れ☀の日にぴったり" in text.replace("\ufe0f", "")
    assert not any("\ue000" <= ch <= "\uf8ff" for ch in text)  # no private-use boxes
    face = frame.locator("body").evaluate("b => getComputedStyle(b).fontFamily")
    assert "sans-serif" in face and "serif" not in face.replace("sans-serif", "")
