"""Pages and form posts through KeitaiLayer: charsets, content types, emoji, bad input."""

from __future__ import annotations

import re
from urllib.parse import quote_from_bytes

import pytest
from flask.testing import FlaskClient

from tests.carrier_compat.conftest import (
    UA_AU,
    UA_DOCOMO_1,
    UA_DOCOMO_2,
    UA_IPHONE,
    UA_PC,
    UA_SOFTBANK,
)
from tests.xhtml_mp import validate_xhtml_mp

FORM = "application/x-www-form-urlencoded"


def _get(web_client: FlaskClient, ua: str, path: str = "/") -> tuple[bytes, str]:
    response = web_client.get(path, headers={"User-Agent": ua})
    assert response.status_code == 200
    return response.data, response.headers["Content-Type"]


@pytest.mark.parametrize(
    ("ua", "content_type"),
    [
        (UA_DOCOMO_1, "application/xhtml+xml; charset=Shift_JIS"),
        (UA_DOCOMO_2, "application/xhtml+xml; charset=Shift_JIS"),
        (UA_AU, "text/html; charset=Shift_JIS"),
    ],
)
def test_docomo_and_au_get_shift_jis_declared_three_times_alike(
    web_client: FlaskClient, ua: str, content_type: str
) -> None:
    body, header = _get(web_client, ua)
    assert header == content_type
    assert body.startswith(b'<?xml version="1.0" encoding="Shift_JIS"?>')
    meta = f'<meta http-equiv="Content-Type" content="{content_type}" />'.encode()
    assert meta in body
    # The page really is CP932: the Japanese heading reads back.
    assert "商品一覧".encode("cp932") in body


@pytest.mark.parametrize("ua", [UA_SOFTBANK, UA_IPHONE, UA_PC])
def test_softbank_smartphone_and_pc_get_utf8(web_client: FlaskClient, ua: str) -> None:
    body, header = _get(web_client, ua)
    assert header == "text/html; charset=UTF-8" or header == "text/html; charset=utf-8"
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert "商品一覧".encode() in body


@pytest.mark.parametrize(
    ("ua", "sun_bytes"),
    [
        (UA_DOCOMO_1, b"\xf8\x9f"),  # docomo Shift_JIS F89F
        (UA_AU, b"\xf6\x60"),  # au Shift_JIS F660
        (UA_SOFTBANK, "\ue04a".encode()),  # SoftBank PUA U+E04A in UTF-8
        (UA_IPHONE, "☀".encode()),  # standard Unicode
    ],
)
def test_each_carrier_sees_its_own_emoji(
    web_client: FlaskClient, ua: str, sun_bytes: bytes
) -> None:
    body, _ = _get(web_client, ua)
    heading = re.search(rb"<h1[^>]*>(.*?)</h1>", body, re.S)
    assert heading is not None
    assert heading.group(1).endswith(sun_bytes)
    assert b"?</h1>" not in body


def _post_raw(web_client: FlaskClient, ua: str, body: bytes, query: str = "") -> dict:
    response = web_client.post(
        "/echo" + query, data=body, content_type=FORM, headers={"User-Agent": ua}
    )
    assert response.status_code == 200, response.data
    return response.get_json()


def test_docomo_form_in_shift_jis_with_emoji_and_half_width_kana_arrives_as_unicode(
    web_client: FlaskClient,
) -> None:
    typed = "ｶﾞﾝﾀﾞﾑ".encode("cp932") + b"\xf8\x9f" + "～です".encode("cp932")
    result = _post_raw(web_client, UA_DOCOMO_1, b"name=" + quote_from_bytes(typed).encode())
    assert result["form"]["name"] == "ガンダム☀～です"


@pytest.mark.parametrize("ua", [UA_DOCOMO_1, UA_AU])
def test_characters_a_shift_jis_form_cannot_hold_arrive_as_characters(
    web_client: FlaskClient, ua: str
) -> None:
    # What a browser posts for 😀 and 𠮷 typed into a Shift_JIS page: &#NNNN; references.
    typed = "名前".encode("cp932") + b"&#128512;&#x20BB7;"
    result = _post_raw(web_client, ua, b"name=" + quote_from_bytes(typed).encode())
    assert result["form"]["name"] == "名前😀𠮷"
    plain = _post_raw(web_client, ua, b"name=" + quote_from_bytes(b"&#128512;x").encode())
    assert plain["form"]["name"] == "😀x"
    odd = _post_raw(web_client, ua, b"name=" + quote_from_bytes(b"&#0;&#xD800;").encode())
    assert odd["form"]["name"] == "&#0;&#xD800;"  # no control or surrogate smuggled in


def test_a_utf8_form_keeps_a_typed_reference_as_text(web_client: FlaskClient) -> None:
    body = b"name=" + quote_from_bytes(b"&#128512;").encode()
    assert _post_raw(web_client, UA_SOFTBANK, body)["form"]["name"] == "&#128512;"


def test_au_form_emoji_and_query_string_are_decoded(web_client: FlaskClient) -> None:
    body = b"name=" + quote_from_bytes("ﾊｰﾄ".encode("cp932") + b"\xf7\xb2").encode()
    query = "?q=" + quote_from_bytes("りんご".encode("cp932"))
    result = _post_raw(web_client, UA_AU, body, query)
    assert result["form"]["name"] == "ハート❤"
    assert result["args"]["q"] == "りんご"


def test_softbank_utf8_pua_emoji_in_form_becomes_standard_emoji(web_client: FlaskClient) -> None:
    body = b"name=" + quote_from_bytes("晴れ\ue04a".encode()).encode()
    assert _post_raw(web_client, UA_SOFTBANK, body)["form"]["name"] == "晴れ☀"


def test_docomo_get_search_query_in_shift_jis(web_client: FlaskClient) -> None:
    query = quote_from_bytes("温泉".encode("cp932") + b"\xf9\x9c")
    response = web_client.get(f"/search?q={query}", headers={"User-Agent": UA_DOCOMO_1})
    assert response.get_json()["q"] == "温泉♨"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/echo", b"name=%82"),  # a lead byte with nothing after it
        ("/echo", b"name=%81%20"),  # a lead byte with an impossible trail byte
        ("/echo?q=%81", b"name=ok"),  # bad bytes in the query string
    ],
)
def test_undecodable_input_gives_a_japanese_400_page_not_a_500(
    web_client: FlaskClient, path: str, body: bytes
) -> None:
    response = web_client.post(
        path, data=body, content_type=FORM, headers={"User-Agent": UA_DOCOMO_1}
    )
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/xhtml+xml; charset=Shift_JIS"
    page = response.data.decode("cp932")
    assert "読み取れません" in page
    validate_xhtml_mp(response.data)


@pytest.mark.parametrize("ua", [UA_DOCOMO_1, UA_DOCOMO_2, UA_AU, UA_SOFTBANK])
def test_keitai_pages_are_valid_xhtml_mp(web_client: FlaskClient, ua: str) -> None:
    for path in ("/", "/cart", "/item/1"):
        body, _ = _get(web_client, ua, path)
        validate_xhtml_mp(body)


def test_smartphone_and_pc_pages_are_left_as_rendered(web_client: FlaskClient) -> None:
    body, _ = _get(web_client, UA_PC)
    assert b"<style" in body
    assert b"guid=ON" not in body
    assert b"ksid=" not in body
