"""Input-mode hints, accesskey links, the XHTML-MP helpers and the URL rule, seen by users."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from carrier_compat import detect
from carrier_compat.input_mode import CARRIER_ONLY_ATTRIBUTES, accesskey_link, input_mode
from carrier_compat.urls import (
    internal_url,
    is_internal,
    rewrite_encoded_links,
    rewrite_links,
)
from carrier_compat.xhtml import content_type_header, meta_charset, xhtml_prolog
from tests.carrier_compat.conftest import UA_AU, UA_DOCOMO_1, UA_IPHONE, UA_PC, UA_SOFTBANK
from tests.xhtml_mp import validate_xhtml_mp

KEY = [("ksid", "k" * 43)]


def _carrier(ua: str):
    return detect({"HTTP_USER_AGENT": ua, "REMOTE_ADDR": "192.0.2.1"})


@pytest.mark.parametrize(
    ("ua", "expected"),
    [
        (UA_DOCOMO_1, 'istyle="1" style="-wap-input-format:&#34;*&lt;ja:h&gt;&#34;"'),
        (UA_AU, 'format="*M"'),
        (UA_SOFTBANK, 'mode="hiragana"'),
    ],
)
def test_search_box_opens_in_hiragana_on_each_carrier(
    web_client: FlaskClient, ua: str, expected: str
) -> None:
    page = web_client.get("/", headers={"User-Agent": ua}).data
    codec = "utf-8" if ua == UA_SOFTBANK else "cp932"
    text = page.decode(codec)
    box = re.search(r'<input type="text" name="q"([^>]*)/>', text)
    assert box is not None
    assert expected in box.group(1)


@pytest.mark.parametrize("ua", [UA_IPHONE, UA_PC])
def test_smartphones_and_pcs_get_no_carrier_attributes(web_client: FlaskClient, ua: str) -> None:
    page = web_client.get("/", headers={"User-Agent": ua}).data.decode()
    for name in CARRIER_ONLY_ATTRIBUTES:
        assert f' {name}="' not in page


def test_each_input_kind_maps_to_the_carrier_codes() -> None:
    docomo, au, softbank = (_carrier(ua) for ua in (UA_DOCOMO_1, UA_AU, UA_SOFTBANK))
    assert [
        str(input_mode(docomo, k)).split('"')[1]
        for k in ("hiragana", "katakana", "alphabet", "numeric")
    ] == ["1", "2", "3", "4"]
    assert input_mode(au, "numeric") == ' format="*N"'
    assert input_mode(softbank, "alphabet") == ' mode="alphabet"'
    with pytest.raises(ValueError):
        input_mode(docomo, "kanji")


def test_accesskey_link_shows_the_key_and_escapes() -> None:
    link = accesskey_link("/cart?a=1&b=2", "カート<>", "5")
    assert link == '<a href="/cart?a=1&amp;b=2" accesskey="5">[5]カート&lt;&gt;</a>'
    assert accesskey_link("/", "トップ", "0", emoji=True) == (
        '<a href="/" accesskey="0">0\u20e3トップ</a>'
    )
    with pytest.raises(ValueError):
        accesskey_link("/", "x", "10")


def test_keycap_emoji_reaches_docomo_as_its_number_emoji() -> None:
    docomo = _carrier(UA_DOCOMO_1)
    encoded = docomo.encode(str(accesskey_link("/", "トップ", "1", emoji=True)))
    assert b"\xf9\x87" in encoded  # docomo emoji "1" (EmojiSources 0031 20E3 -> F987)


def test_prolog_meta_and_header_name_the_same_charset() -> None:
    docomo = _carrier(UA_DOCOMO_1)
    assert xhtml_prolog(docomo).startswith('<?xml version="1.0" encoding="Shift_JIS"?>\n')
    assert '"-//WAPFORUM//DTD XHTML Mobile 1.0//EN"' in xhtml_prolog(docomo)
    assert "application/xhtml+xml; charset=Shift_JIS" in meta_charset(docomo)
    assert content_type_header(docomo) == "application/xhtml+xml; charset=Shift_JIS"


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/",
        "//example.com/x",
        "https://localhost.example.com/",
        "http://localhost.evil.example/",
        "http://evil.example/?next=http://localhost/",
        "/\\evil.example/",
        "\\\\evil.example",
        "mailto:shop@localhost",
        "javascript:alert(1)",
        "tel:0312345678",
        "http://user@evil.example/",
        "http://localhost:8080/",
        " http://evil.example/",
        "#top",
        "",
    ],
)
def test_session_key_is_never_added_outside_the_host(url: str) -> None:
    assert not is_internal(url, "localhost")
    assert internal_url(url, KEY, "localhost") == url
    page = f'<p><a href="{url}">x</a></p><form action="{url}"><p>ｘ</p></form>'
    assert "ksid" not in rewrite_links(page, KEY, "localhost").replace(url, "")
    encoded = rewrite_encoded_links(page.encode("cp932"), KEY, "localhost", codec="cp932")
    assert b"ksid" not in encoded.replace(url.encode(), b"")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/cart", "/cart?ksid=" + "k" * 43),
        ("cart?x=1#f", "cart?x=1&ksid=" + "k" * 43 + "#f"),
        ("http://LOCALHOST:80/a", "http://LOCALHOST:80/a?ksid=" + "k" * 43),
        ("?page=2", "?page=2&ksid=" + "k" * 43),
    ],
)
def test_internal_urls_get_the_key(url: str, expected: str) -> None:
    assert internal_url(url, KEY, "localhost") == expected
    page = f'<p><a href="{url}">商品</a></p>'
    escaped = expected.replace("&", "&amp;")
    assert f'href="{escaped}"' in rewrite_links(page, KEY, "localhost")
    encoded = rewrite_encoded_links(page.encode("cp932"), KEY, "localhost", codec="cp932")
    assert encoded.decode("cp932") == rewrite_links(page, KEY, "localhost")


def test_validator_strips_only_carrier_attributes() -> None:
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html PUBLIC '
        '"-//WAPFORUM//DTD XHTML Mobile 1.0//EN" '
        '"http://www.wapforum.org/DTD/xhtml-mobile10.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title></head><body>'
    )
    ok = head + '<form action="/"><p><input name="a" istyle="1" mode="hiragana" /></p></form>'
    validate_xhtml_mp(ok + "</body></html>")
    with pytest.raises(AssertionError, match="onclick|No declaration"):
        validate_xhtml_mp(head + '<p onclick="x()">a</p></body></html>')
    with pytest.raises(AssertionError, match="DTD"):
        validate_xhtml_mp(head + '<form action="/"><input name="a" /></form></body></html>')
