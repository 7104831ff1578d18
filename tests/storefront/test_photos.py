"""Photos for the HTML5 face: fixed widths, WebP or JPEG, from the keitai image pipeline."""

from __future__ import annotations

import io
import re

from PIL import Image

from .shop import DOCOMO_UA, IPHONE_UA, PC_UA, Shopper, seed_shop


def test_grids_offer_srcset_webp_and_lazy_loading(app):
    catalog = seed_shop(app)
    phone = Shopper(app, IPHONE_UA, cookies=True)
    shelf = phone.get(f"/shelf/{catalog.shelf_id}").text
    assert '<source type="image/webp" srcset="/image/' in shelf
    widths = re.findall(r"\?w=(\d+)&amp;fmt=webp (\d+)w", shelf)
    assert widths and all(a == b for a, b in widths)
    assert 'sizes="' in shelf and 'decoding="async"' in shelf
    product = phone.get(f"/product/{catalog.product_id}").text
    assert 'alt="白Tシャツ"' in product  # the main photo says what it shows
    assert 'loading="lazy"' in product.split('class="more"', 1)[1]  # the others wait


def test_each_width_and_format_is_served_and_no_other(app):
    catalog = seed_shop(app)
    phone = Shopper(app, PC_UA, cookies=True)
    webp = phone.client.get(f"/image/{catalog.product_id}/1?w=320&fmt=webp")
    assert webp.status == 200 and webp.headers["Content-Type"] == "image/webp"
    assert Image.open(io.BytesIO(webp.raw)).size == (320, 213)  # 600x400, never upscaled
    jpeg = phone.client.get(f"/image/{catalog.product_id}/2?w=960")
    assert jpeg.headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(jpeg.raw)).width == 600
    for bad in ("w=321", "w=abc", "w=320&fmt=gif", "w=" + "9" * 40):
        assert phone.client.get(f"/image/{catalog.product_id}/1?{bad}").status == 404, bad


def test_keitai_images_are_what_they_were(app):
    catalog = seed_shop(app)
    phone = Shopper(app, DOCOMO_UA)
    # A handset's own URL: its screen width, its formats; the HTML5 widths mean nothing here.
    plain = phone.client.get(f"/image/{catalog.product_id}/1")
    sized = phone.client.get(f"/image/{catalog.product_id}/1?w=960&fmt=webp")
    assert plain.headers["Content-Type"] != "image/webp" and plain.raw == sized.raw
    assert Image.open(io.BytesIO(plain.raw)).width <= 240
