"""HTTP caching of product images and static files: content ETags, 304s, versioned URLs."""

from __future__ import annotations

import os
import re

from ktaishop import create_app
from tests.storefront.shop import DOCOMO_UA, IPHONE_UA, seed_shop

BASE = "http://127.0.0.1:5000"


def test_product_images_revalidate_and_vary_by_handset(app):
    catalog = seed_shop(app)
    client = app.test_client()
    url = f"/image/{catalog.product_id}/1"
    phone = client.get(url, headers={"User-Agent": IPHONE_UA})
    keitai = client.get(url, headers={"User-Agent": DOCOMO_UA})
    assert phone.status_code == keitai.status_code == 200
    assert phone.headers["ETag"] != keitai.headers["ETag"]  # other bytes, another tag
    for answer in (phone, keitai):
        assert "User-Agent" in answer.headers["Vary"]
        assert {"public", "max-age=86400"} <= set(answer.headers["Cache-Control"].split(", "))
        assert answer.headers["Last-Modified"]
    by_tag = client.get(url, headers={"User-Agent": IPHONE_UA,
                                      "If-None-Match": phone.headers["ETag"]})
    by_date = client.get(url, headers={"User-Agent": IPHONE_UA,
                                       "If-Modified-Since": phone.headers["Last-Modified"]})
    assert by_tag.status_code == by_date.status_code == 304
    assert by_tag.data == b"" and "User-Agent" in by_tag.headers["Vary"]
    stale = client.get(url, headers={"User-Agent": IPHONE_UA, "If-None-Match": '"other"'})
    assert stale.status_code == 200 and stale.data == phone.data


def test_an_image_etag_is_the_same_on_another_server_with_other_mtimes(app):
    catalog = seed_shop(app)
    url = f"/image/{catalog.product_id}/1"
    first = app.test_client().get(url, headers={"User-Agent": IPHONE_UA})
    scaled = os.path.join(app.config["IMAGE_DIR"], ".scaled")
    for name in os.listdir(scaled):  # another server wrote its copies at another time
        os.utime(os.path.join(scaled, name), (1_000_000_000, 1_000_000_000))
    other = create_app({**{k: app.config[k] for k in ("DATABASE_URL", "IMAGE_DIR")},
                        "TESTING": True, "SECRET_KEY": "test-secret"})
    second = other.test_client().get(url, headers={"User-Agent": IPHONE_UA,
                                                   "If-None-Match": first.headers["ETag"]})
    assert second.status_code == 304
    other.extensions["ktaishop.db"].engine.dispose()


def test_pages_link_versioned_static_files_kept_a_year(client):
    home = client.get("/", base_url=BASE, headers={"User-Agent": IPHONE_UA}).get_data(True)
    login = client.get("/admin/login", base_url=BASE).get_data(as_text=True)
    links = re.findall(r'(?:href|src)="(/assets/[^"]+)"', home)
    links += re.findall(r'href="(/admin/static/[^"]+)"', login)
    assert len(links) >= 4, (home, login)
    for link in links:
        assert re.search(r"\?v=[0-9a-f]{12}$", link), link
        answer = client.get(link, base_url=BASE)
        assert answer.status_code == 200, link
        assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        again = client.get(link, base_url=BASE, headers={"If-None-Match": answer.headers["ETag"]})
        assert again.status_code == 304, link


def test_unversioned_or_stale_static_urls_are_revalidated(client):
    for url in ("/assets/shop.css", "/assets/shop.css?v=000000000000", "/admin/static/admin.css"):
        answer = client.get(url, base_url=BASE)
        assert answer.status_code == 200, url
        assert answer.headers["Cache-Control"] == "no-cache", url
        assert answer.headers["ETag"] and answer.headers["Last-Modified"]
        again = client.get(url, base_url=BASE, headers={"If-None-Match": answer.headers["ETag"]})
        assert again.status_code == 304, url


def test_admin_pages_are_still_never_stored(client):
    login = client.get("/admin/login", base_url=BASE)
    assert login.headers["Cache-Control"] == "no-store"
