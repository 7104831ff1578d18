"""Cookie-less sessions: the key travels in internal URLs only, expires, is bound, regenerates."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from carrier_compat.session import MemorySessionStore
from tests.carrier_compat.conftest import (
    UA_DOCOMO_1,
    UA_DOCOMO_1_OTHER_MODEL,
    UA_DOCOMO_2,
    UA_IPHONE,
    Clock,
)

FORM = "application/x-www-form-urlencoded"
EXTERNAL = ("http://example.com", "//evil.example", "https://localhost.evil.example", "mailto:")


def _add_to_cart(
    web_client: FlaskClient, item: str, key: str | None = None, ua: str = UA_DOCOMO_1
) -> TestResponse:
    """POST the way the handset would: in the charset its page was sent in."""
    query = f"?ksid={key}" if key else ""
    body = urlencode({"item": item}, encoding="utf-8" if ua == UA_IPHONE else "cp932")
    return web_client.post(
        f"/cart{query}", data=body, content_type=FORM, headers={"User-Agent": ua}
    )


def _key_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["ksid"][0]


def _cart(web_client: FlaskClient, key: str, ua: str = UA_DOCOMO_1) -> str:
    response = web_client.get(f"/cart?ksid={key}", headers={"User-Agent": ua})
    assert response.status_code == 200
    return response.data.decode("cp932")


def _links(page: str) -> list[str]:
    return re.findall(r'<a [^>]*href="([^"]*)"', page)


def test_redirect_after_adding_to_cart_carries_key_and_guid(web_client: FlaskClient) -> None:
    response = _add_to_cart(web_client, "りんご")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert urlsplit(location).path == "/cart"
    query = parse_qs(urlsplit(location).query)
    assert query["guid"] == ["ON"]
    assert len(query["ksid"][0]) == 43
    # Nothing was handed to the handset as a cookie: it could not keep one.
    assert "Set-Cookie" not in response.headers


def test_key_reaches_internal_links_and_forms_but_never_another_host(
    web_client: FlaskClient,
) -> None:
    key = _key_of(_add_to_cart(web_client, "りんご").headers["Location"])
    page = web_client.get(f"/?ksid={key}", headers={"User-Agent": UA_DOCOMO_1}).data.decode("cp932")
    links = _links(page)
    internal = [u for u in links if not u.startswith(EXTERNAL)]
    external = [u for u in links if u.startswith(EXTERNAL)]
    assert len(external) == 4
    assert all(f"ksid={key}" in u for u in internal), internal
    assert "http://localhost/item/2?ksid=" in page.replace("&amp;", "&")
    assert all("ksid" not in u and "guid" not in u for u in external), external
    # The page as a whole mentions the key only in internal places.
    assert key not in page.split('action="http://example.com/search"')[1].split("</form>")[0]
    post_form = re.search(r'<form action="([^"]*)" method="post">', page)
    assert post_form is not None and f"ksid={key}" in post_form.group(1)
    search_form = re.search(r'<form action="/search[^>]*>(.*?)</form>', page, re.S)
    assert search_form is not None
    assert f'<input type="hidden" name="ksid" value="{key}" />' in search_form.group(1)
    assert '<input type="hidden" name="guid" value="ON" />' in search_form.group(1)


def test_session_survives_between_requests_with_the_key(web_client: FlaskClient) -> None:
    key = _key_of(_add_to_cart(web_client, "りんご").headers["Location"])
    second = _add_to_cart(web_client, "みかん", key)
    assert _key_of(second.headers["Location"]) == key
    assert "カート: りんご, みかん" in _cart(web_client, key)


def test_key_from_a_hidden_form_field_is_accepted(web_client: FlaskClient) -> None:
    key = _key_of(_add_to_cart(web_client, "りんご").headers["Location"])
    body = urlencode({"item": "みかん", "ksid": key}, encoding="cp932")
    response = web_client.post(
        "/cart", data=body, content_type=FORM, headers={"User-Agent": UA_DOCOMO_1}
    )
    assert _key_of(response.headers["Location"]) == key
    assert "りんご, みかん" in _cart(web_client, key)


def test_redirect_to_another_host_gets_no_key(web_client: FlaskClient) -> None:
    key = _key_of(_add_to_cart(web_client, "りんご").headers["Location"])
    response = web_client.get(f"/leave?ksid={key}", headers={"User-Agent": UA_DOCOMO_1})
    assert response.headers["Location"] == "http://example.com/bye"


def test_idle_session_expires_after_30_minutes(
    web_client: FlaskClient, clock: Clock, session_store: MemorySessionStore
) -> None:
    key = _key_of(_add_to_cart(web_client, "りんご").headers["Location"])
    clock.advance(29)
    assert "りんご" in _cart(web_client, key)  # used again: the idle clock restarts
    clock.advance(29)
    assert "りんご" in _cart(web_client, key)
    clock.advance(31)
    assert "りんご" not in _cart(web_client, key)
    assert key not in session_store


def test_a_page_read_writes_the_session_again_only_after_a_tenth_of_the_idle_time(
    web_client: FlaskClient, clock: Clock, session_store: MemorySessionStore
) -> None:
    key = _key_of(_add_to_cart(web_client, "りんご").headers["Location"])
    saved = session_store.load(key)["last_seen"]
    clock.advance(2)  # read within 3 minutes (a tenth of 30) of the last save: no write
    assert "りんご" in _cart(web_client, key)
    assert session_store.load(key)["last_seen"] == saved
    clock.advance(2)  # 4 minutes since: the idle clock restarts
    assert "りんご" in _cart(web_client, key)
    assert session_store.load(key)["last_seen"] > saved
    clock.advance(29)  # 29 minutes after that read, the session still holds
    assert "りんご" in _cart(web_client, key)


def test_session_is_bound_to_carrier_and_model(web_client: FlaskClient) -> None:
    key = _key_of(_add_to_cart(web_client, "りんご").headers["Location"])
    stranger = _cart(web_client, key, ua=UA_DOCOMO_1_OTHER_MODEL)
    assert "りんご" not in stranger
    assert key not in stranger
    # The owner still has the cart.
    assert "りんご" in _cart(web_client, key)


def test_login_regenerates_the_key_and_kills_the_old_one(
    web_client: FlaskClient, session_store: MemorySessionStore
) -> None:
    old = _key_of(_add_to_cart(web_client, "りんご").headers["Location"])
    response = web_client.post(
        f"/login?ksid={old}", data={"user": "taro"}, headers={"User-Agent": UA_DOCOMO_1}
    )
    new = _key_of(response.headers["Location"])
    assert new != old
    assert old not in session_store
    headers = {"User-Agent": UA_DOCOMO_1}
    assert web_client.get(f"/account?ksid={new}", headers=headers).get_json() == {"user": "taro"}
    assert web_client.get(f"/account?ksid={old}", headers=headers).get_json() == {"user": None}
    assert "りんご" in _cart(web_client, new)  # the cart came along


def test_forged_or_unknown_keys_open_an_empty_session(web_client: FlaskClient) -> None:
    _add_to_cart(web_client, "りんご")
    for key in ("A" * 43, "short", "../../etc/passwd"):
        assert "<p>カート: </p>" in _cart(web_client, key)


def test_empty_session_puts_no_key_in_links(web_client: FlaskClient) -> None:
    page = web_client.get("/", headers={"User-Agent": UA_DOCOMO_1}).data.decode("cp932")
    assert "ksid" not in page
    assert "guid=ON" in page  # docomo still gets guid=ON on internal links


def test_cookie_capable_clients_use_the_signed_cookie_and_no_url_key(
    web_client: FlaskClient, session_store: MemorySessionStore
) -> None:
    for ua in (UA_DOCOMO_2, UA_IPHONE):
        response = _add_to_cart(web_client, "りんご", ua=ua)
        assert "ksid" not in response.headers["Location"]
        assert "session=" in response.headers["Set-Cookie"]
        page = web_client.get("/cart", headers={"User-Agent": ua}).data
        assert b"ksid" not in page
    assert len(session_store) == 0  # nothing server-side for cookie sessions
