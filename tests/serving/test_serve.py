"""``ktaishop serve``: real gunicorn answering, request ids, the access log, 304s on the
wire, reload (HUP) and graceful shutdown (TERM)."""

from __future__ import annotations

import re
import signal
import time

import pytest

from ktaishop import create_app
from tests.storefront.shop import DOCOMO_UA, IPHONE_UA, seed_shop

from .conftest import SHOP_HOST, fresh_database, shop_env, start_serve
from .wire import fetch


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """One SQLite shop with a catalog, served by one worker for the whole module."""
    folder = tmp_path_factory.mktemp("served")
    with fresh_database("sqlite", folder) as url:
        env = shop_env(url, folder)
        app = create_app({"DATABASE_URL": url, "IMAGE_DIR": env["KTAISHOP_IMAGE_DIR"],
                          "SECRET_KEY": env["KTAISHOP_SECRET_KEY"]})
        catalog = seed_shop(app)
        served = start_serve(env, folder / "instance")
        try:
            yield served, catalog
        finally:
            served.stop()


def get(served, path: str, **headers: str):
    return fetch(served.url + path, headers={"Host": SHOP_HOST, **headers})


def test_gunicorn_answers_with_a_request_id(shop):
    served, _ = shop
    page = get(served, "/", **{"User-Agent": IPHONE_UA})
    assert page.status == 200 and "テスト商店" in page.body.decode()
    assert "werkzeug" not in (page.header("Server") or "").lower()
    assert re.fullmatch(r"[0-9a-f]{32}", page.header("X-Request-Id") or "")
    echoed = get(served, "/", **{"User-Agent": IPHONE_UA, "X-Request-Id": "lb-7f3a.01"})
    assert echoed.header("X-Request-Id") == "lb-7f3a.01"
    for insane in ("has spaces", "x" * 65, "<script>"):
        replaced = get(served, "/healthz", **{"X-Request-Id": insane})
        assert re.fullmatch(r"[0-9a-f]{32}", replaced.header("X-Request-Id") or ""), insane


def test_the_access_log_has_id_and_duration_and_no_session_key(shop):
    served, catalog = shop
    secret = "Zq0SessionKeyOfAHandset"
    page = get(served, f"/shelf/{catalog.shelf_id}?ksid={secret}&page=1",
               **{"User-Agent": DOCOMO_UA, "X-Request-Id": "trace-shelf-1"})
    assert page.status == 200
    token = "k" * 43
    get(served, f"/order/confirm/{token}", **{"X-Request-Id": "trace-confirm-1"})
    log = served.wait_for_log("trace-confirm-1")
    line = next(line for line in log.splitlines() if "trace-shelf-1" in line)
    assert re.search(rf'"GET /shelf/{catalog.shelf_id}\?ksid=\*\*\*&page=1 HTTP/1.1" 200 '
                     rf"{len(page.body)} \d+ms", line), line
    assert secret not in log and token not in log
    assert "/order/confirm/*** " in log


def test_images_and_static_files_revalidate_with_304(shop):
    served, catalog = shop
    image = get(served, f"/image/{catalog.product_id}/1", **{"User-Agent": IPHONE_UA})
    assert image.status == 200 and image.header("Content-Type") == "image/jpeg"
    assert "User-Agent" in (image.header("Vary") or "")
    assert "max-age=86400" in (image.header("Cache-Control") or "")
    again = get(served, f"/image/{catalog.product_id}/1",
                **{"User-Agent": IPHONE_UA, "If-None-Match": image.header("ETag")})
    assert again.status == 304 and again.body == b""
    assert "User-Agent" in (again.header("Vary") or "")
    page = get(served, "/", **{"User-Agent": IPHONE_UA}).body.decode()
    css = re.search(r'href="(/assets/shop\.css\?v=[0-9a-f]{12})"', page).group(1)
    sheet = get(served, css)
    assert sheet.header("Cache-Control") == "public, max-age=31536000, immutable"
    assert get(served, css, **{"If-None-Match": sheet.header("ETag")}).status == 304


def test_healthz_on_the_wire(shop):
    served, _ = shop
    answer = get(served, "/healthz", **{"User-Agent": DOCOMO_UA})
    assert (answer.status, answer.body) == (200, b"ok\n")
    assert answer.header("Set-Cookie") is None


def test_hup_replaces_the_workers_and_the_shop_keeps_answering(shop):
    served, _ = shop
    booted = served.log().count("Booting worker")
    served.signal(signal.SIGHUP)
    served.wait_for_log("Booting worker", count=booted + 1, timeout=30)
    deadline = time.monotonic() + 30
    while get(served, "/healthz").status != 200:  # the new worker takes over
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert get(served, "/", **{"User-Agent": IPHONE_UA}).status == 200


def test_term_shuts_down_gracefully(shop):
    served, _ = shop
    assert get(served, "/healthz").status == 200
    started = time.monotonic()
    served.signal(signal.SIGTERM)
    assert served.process.wait(40) == 0
    assert time.monotonic() - started < 35
    log = served.log()
    assert "Handling signal: term" in log and "Shutting down: Master" in log
    assert "Traceback" not in log
