"""The one-scan output pipeline sends the same bytes as the plain sequence of steps."""

from __future__ import annotations

import pytest

from carrier_compat.detection import detect
from carrier_compat.pipeline import _step_by_step, keitai_page
from tests.carrier_compat.conftest import UA_AU, UA_DOCOMO_1, UA_DOCOMO_2, UA_SOFTBANK

KEY = [("ksid", "k" * 43), ("guid", "ON")]
PAGE = """<?xml version="1.0" encoding="Shift_JIS"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>店 ☀</title>
<style type="text/css">body { color: #333 } #nav a { color: #00f } .price { color: red }
div.item .name { font-weight: bold }</style></head>
<body><div id="nav"><a href="/" accesskey="0">トップ</a></div>
<!-- <a href="/in-a-comment">x</a> -->
<div class="item"><span class="name">りんご ❤ 🇯🇵 #️⃣</span><span class="price">300円</span>
<a href="/item/1?x=1&amp;y=2">詳細</a> <a href="http://localhost/item/2">同じ</a>
<a href="http://example.com/">外</a> <a href="/cart?ksid=old">鍵つき</a></div>
<form action="/search" method="get"><p><input name="q" /></p></form>
<form action="/cart" method="post"><p><input name="item" /></p></form>
<form action="http://example.com/s"><p>～①髙</p></form>
</body></html>"""


@pytest.mark.parametrize("ua", [UA_DOCOMO_1, UA_DOCOMO_2, UA_AU, UA_SOFTBANK])
@pytest.mark.parametrize("params", [KEY, KEY[1:]])
def test_handset_gets_the_same_bytes_as_step_by_step(
    ua: str, params: list[tuple[str, str]]
) -> None:
    carrier = detect({"HTTP_USER_AGENT": ua, "REMOTE_ADDR": "127.0.0.1"})
    expected = _step_by_step(PAGE, carrier, params, host="localhost", scheme="http", css_dir=None)
    if not carrier.supports_style_element:
        # Where CSS is inlined, the scan leaves HTML comments alone (the step-by-step
        # path also rewrote a link inside one); nothing else may differ.
        expected = expected.replace(b'"/in-a-comment' + _suffix(params) + b'"', b'"/in-a-comment"')
    for _ in range(3):  # first sight, second sight (remembered), answered from the memo
        got = keitai_page(PAGE, carrier, params, host="localhost", scheme="http", css_dir=None)
        assert got == expected


def _suffix(params: list[tuple[str, str]]) -> bytes:
    return ("?" + "&amp;".join(f"{n}={v}" for n, v in params)).encode()


def test_a_page_holding_a_mark_character_still_gets_the_key() -> None:
    carrier = detect({"HTTP_USER_AGENT": UA_DOCOMO_1})
    page = PAGE.replace("300円", "300円\x01")
    body = keitai_page(page, carrier, KEY, host="localhost", scheme="http", css_dir=None)
    assert b'href="/item/1?x=1&amp;y=2&amp;ksid=' + b"k" * 43 + b"&amp;guid=ON" in body
    assert b'<a href="http://example.com/">' in body


def test_each_shopper_gets_only_their_own_key_from_a_remembered_page() -> None:
    carrier = detect({"HTTP_USER_AGENT": UA_DOCOMO_1})
    bodies = [
        keitai_page(PAGE, carrier, [("ksid", key)], host="localhost", scheme="http", css_dir=None)
        for key in ("a" * 43, "b" * 43, "c" * 43)
    ]
    for body, key in zip(bodies, ("a", "b", "c"), strict=True):
        assert body.count(b"ksid=" + key.encode() * 43) == 5  # 3 links, GET form, POST form
        assert body.count(b'name="ksid" value="' + key.encode() * 43) == 1
        assert all(other.encode() * 43 not in body for other in "abc" if other != key)


def test_a_style_value_holding_a_bracket_keeps_the_links_key() -> None:
    """A stylesheet value with ">" (a quoted font name) is escaped in the inlined style,
    so the styled link is still found and marked: the handset keeps its session."""
    carrier = detect({"HTTP_USER_AGENT": UA_DOCOMO_1})
    page = PAGE.replace("#nav a { color: #00f }", '#nav a { font-family: "a>b" }')
    for _ in range(3):  # first sight, second sight, answered from the memo
        body = keitai_page(page, carrier, KEY, host="localhost", scheme="http", css_dir=None)
        assert b'font-family:&quot;a&gt;b&quot;' in body
        assert b'href="/?ksid=' + b"k" * 43 + b"&amp;guid=ON" in body
