"""CSS inlining for docomo i-mode browser 1.0, and only for it; each stylesheet parsed once."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from flask.testing import FlaskClient

from carrier_compat import css_inline
from carrier_compat.session import MemorySessionStore
from tests.carrier_compat.conftest import UA_AU, UA_DOCOMO_1, UA_DOCOMO_2, Clock, make_app
from tests.xhtml_mp import validate_xhtml_mp


def _page(web_client: FlaskClient, ua: str, path: str = "/") -> str:
    return web_client.get(path, headers={"User-Agent": ua}).data.decode("cp932")


def test_imode_1_gets_styles_inline_and_no_style_element(web_client: FlaskClient) -> None:
    page = _page(web_client, UA_DOCOMO_1)
    assert "<style" not in page
    assert '<body style="color:#333">' in page or '<body style="color:#333333">' in page
    prices = re.findall(r'<span class="price"([^>]*)>', page)
    assert len(prices) == 3
    assert all('style="color:#c00;font-weight:bold"' in p or "#cc0000" in p for p in prices)
    # Descendant rules: "#nav a" styles only the nav link, "div.item .name" the names.
    assert re.search(r'<div id="nav"><a [^>]*style="color:#(00f|0000ff)"', page)
    assert page.count('class="name" style="font-size:small"') == 3
    validate_xhtml_mp(page.encode("cp932"))


def test_imode_2_and_au_keep_the_style_element(web_client: FlaskClient) -> None:
    for ua in (UA_DOCOMO_2, UA_AU):
        page = _page(web_client, ua)
        assert '<style type="text/css">' in page
        assert 'style="color' not in page


def test_stylesheet_is_parsed_once_not_per_request(web_client: FlaskClient) -> None:
    nonce = uuid.uuid4().hex  # a stylesheet text this process has never seen
    before = css_inline.parse_count()
    pages = [_page(web_client, UA_DOCOMO_1, f"/?nonce={nonce}") for _ in range(5)]
    assert css_inline.parse_count() - before == 1
    assert all("<style" not in p and "font-weight:bold" in p for p in pages)


def test_linked_stylesheet_from_keitai_css_dir_is_inlined(
    tmp_path: Path, session_store: MemorySessionStore, clock: Clock
) -> None:
    (tmp_path / "keitai.css").write_text("h1 { color: #008000 } p { margin: 0 }")
    web_app = make_app(session_store, clock, KEITAI_CSS_DIR=str(tmp_path))
    web_app.jinja_loader.mapping["layout.html"] = web_app.jinja_loader.mapping[
        "layout.html"
    ].replace(  # type: ignore[union-attr]
        "<style", '<link rel="stylesheet" href="/static/keitai.css" type="text/css" /><style'
    )
    web_client = web_app.test_client()
    old = _page(web_client, UA_DOCOMO_1)
    assert "<link" not in old
    assert re.search(r'<h1 style="color:#008000">', old)
    new = _page(web_client, UA_DOCOMO_2)
    assert '<link rel="stylesheet" href="/static/keitai.css"' in new


def test_inline_style_attribute_wins_over_the_stylesheet() -> None:
    html = (
        '<html><head><style type="text/css">p { color: red; font-size: small }'
        " p.x { color: green !important }</style></head>"
        '<body><p style="color:blue">a</p><p class="x" style="color:blue">b</p></body></html>'
    )
    out = css_inline.inline_css(html)
    assert '<p style="color:blue;font-size:small">a</p>' in out
    assert '<p class="x" style="color:green;font-size:small">b</p>' in out


def test_unsupported_selectors_are_skipped_and_comments_left_alone() -> None:
    html = (
        '<html><head><style type="text/css">a:link { color: red } ul > li { color: red }'
        " li { color: blue }</style></head><body><!-- <li>x</li> --><ul><li>y</li></ul>"
        '<a href="/">z</a></body></html>'
    )
    out = css_inline.inline_css(html)
    assert "<!-- <li>x</li> -->" in out
    assert '<li style="color:blue">y</li>' in out
    assert '<a href="/">z</a>' in out


def test_descendant_rules_follow_the_nesting_of_the_page() -> None:
    css = ".box a { color: red } div.item div p { margin: 0 } #side li { color: blue }"
    html = (
        f'<html><head><style type="text/css">{css}</style></head><body>'
        '<ul class="box"><li><a href="/1">in</a></li></ul><a href="/2">out</a>'
        '<div class="item"><div><p>deep</p></div><p>shallow</p></div>'
        "<div><div><p>other</p></div></div>"
        '<ol id="side"><li>s</li></ol><ul><li>x</li></ul></body></html>'
    )
    out = css_inline.inline_css(html)
    assert '<a href="/1" style="color:red">in</a>' in out
    assert '<a href="/2">out</a>' in out
    assert '<p style="margin:0">deep</p>' in out
    assert "<p>shallow</p>" in out and "<p>other</p>" in out
    assert '<li style="color:blue">s</li>' in out
    assert "<li>x</li>" in out
