"""The piece-by-piece CSS inlining (memo per blank-line-separated piece, styled and
encoded) sends i-mode 1.0 handsets exactly the bytes of one whole-page scan, however
the page is laid out."""

from __future__ import annotations

import pytest

from carrier_compat import css_inline, urls
from carrier_compat.css_match import apply_rules, apply_rules_encoded
from carrier_compat.css_rules import CompiledStylesheet
from carrier_compat.detection import detect
from carrier_compat.pipeline import _step_by_step, keitai_page
from tests.carrier_compat.conftest import UA_AU, UA_DOCOMO_1, UA_DOCOMO_2, UA_SOFTBANK

KEY = [("ksid", "k" * 43), ("guid", "ON")]
CSS = """
body { color: #333 }
#nav a { color: #00f }
#footer a { color: #060 }
div.item .name { font-weight: bold }
div div { margin: 0 }
div.box div.box span { color: #909 }
.price.sale { color: red !important }
.price { color: #c00 }
span { font-size: small }
h1 { text-align: center }
"""

ITEM = """<div class="item"><span class="name">りんご {n}</span>
<span class="price sale" style="color: black; font-size: large">{price}円</span>
<a href="/item/{n}">詳細</a></div>"""

PAGES = {
    "shelf with blank lines between items": "\n\n".join(
        ['<html><body><h1>店</h1>\n<div id="nav"><a href="/">トップ</a></div>']
        + [ITEM.format(n=n, price=100 * n) for n in range(1, 6)]
        + ['<div id="footer"><a href="/help">ガイド</a> 閲覧{counter}回目</div>\n</body></html>']
    ),
    "the same piece under different ancestors": (
        '<body><div id="nav">\n\n<a href="/">トップ</a>\n\n</div>\n\n'
        '<div id="footer">\n\n<a href="/">トップ</a>\n\n</div><p>{counter}</p></body>'
    ),
    "nested same-name elements": (
        '<body><div class="box">\n\n<div class="box">\n\n<span>内側</span>\n\n</div>\n\n'
        "<span>外側</span>\n\n</div>\n\n<div><div><span>{counter}</span></div></div></body>"
    ),
    "a comment holding tags across a blank line": (
        '<body><div id="nav"><!-- <a href="/a">\n\n</a> -->\n\n<a href="/b">b</a></div>'
        "\n\n<!-- <span>\n\n{counter} --><span>後</span></body>"
    ),
    "'>' and a blank line inside quoted attribute values": (
        '<body><div id="nav" title="a > b">\n\n<a href="/x" title="1 > 0\n\n?">x</a>'
        "</div>\n\n<span title='{counter}>'>s</span>\n\n<span>t</span></body>"
    ),
    "'<' inside an attribute value": (
        '<body><p title="<div id=\'nav\'>">\n\n<a href="/y">y</a></p>\n\n'
        '<div id="nav"><a href="/z" title="<b>{counter}</b>">z</a></div></body>'
    ),
    "a tag cut by a blank line": (
        '<body><div\n\nid="nav"><a href="/w">w</a></div>\n\n<span\n\nclass="name">'
        '{counter}</span>\n\n<div class="item"><span class="name">n</span></div></body>'
    ),
    "upper case, empty elements and ids": (
        '<BODY><DIV ID="nav">\n\n<A HREF="/u">u</A><br/>\n\n</DIV>\n\n<img src="/i.gif" '
        'alt="{counter}" />\n\n<Span Class="price">p</Span></BODY>'
    ),
    "no blank line at all": (
        '<body><div id="nav"><a href="/">t</a></div>\n<span class="price">{counter}</span></body>'
    ),
}


def _sheet() -> CompiledStylesheet:
    return css_inline.compile_stylesheet(CSS)


@pytest.mark.parametrize("name", sorted(PAGES))
@pytest.mark.parametrize("with_links", [False, True])
def test_piece_by_piece_gives_the_bytes_of_one_scan(name: str, with_links: bool) -> None:
    sheet = _sheet()
    marker = urls.link_marker(("ksid",), "localhost", "http") if with_links else None
    marked = urls.LINK_TAGS if with_links else ()
    # Several requests: first sight, second sight (pieces admitted), then from the memo;
    # the counter changes one piece per request, as a cart count or a token does.
    for counter in [1, 2, 3, 3, 4, 1]:
        page = PAGES[name].format(counter=counter)
        whole = apply_rules(page, sheet, marker, marked, by_lines=False)
        assert apply_rules(page, sheet, marker, marked) == whole


def test_a_remembered_link_is_coloured_by_where_it_stands() -> None:
    sheet = _sheet()
    page = PAGES["the same piece under different ancestors"]
    for counter in range(3):
        styled = apply_rules(page.format(counter=counter), sheet)
    nav, footer = styled.split('<div id="footer"')
    assert '<a href="/" style="color:#00f">' in nav
    assert '<a href="/" style="color:#060">' in footer


def test_the_shopper_sees_the_page_own_styles_win_and_important_beats_them() -> None:
    sheet = _sheet()
    page = PAGES["shelf with blank lines between items"]
    for counter in range(3):
        styled = apply_rules(page.format(counter=counter), sheet)
    # !important from the sheet beats the element's own style; the rest of its own wins.
    assert '<span class="price sale" style="font-size:large;color:red">300円' in styled
    assert '<span class="name" style="font-size:small;font-weight:bold">りんご 3' in styled
    assert "閲覧2回目" in styled


def test_nested_boxes_style_only_the_inner_span() -> None:
    sheet = _sheet()
    page = PAGES["nested same-name elements"]
    for counter in range(3):
        styled = apply_rules(page.format(counter=counter), sheet)
    assert '<span style="font-size:small;color:#909">内側' in styled
    assert '<span style="font-size:small">外側' in styled


STYLE_SPELLINGS = [
    '<style type="text/css">p { color: red }</style>\n<p>x</p>',
    "<style>p { color: red }</STYLE >\n\n<p>x</p>",
    "<style>p { color: red } /* </b> */</style><p>x</p>",
    "<style>p { color: red }</styles> h1 { color: blue }</style><p>x</p><h1>y</h1>",
    "<style>p { color: red }</\u017ftyle> p { color: blue }</style><p>x</p>",
    "<style>p { color: red }<p>x</p>",
    "<style>p { color: red }</style><style>p { font-size: small }</style><p>x</p>",
]


@pytest.mark.parametrize("page", STYLE_SPELLINGS)
def test_stylesheets_are_taken_as_the_element_regex_takes_them(page: str) -> None:
    sources: list[str] = []
    expected_sources: list[str] = []
    expected = css_inline._STYLE_ELEMENT.sub(
        lambda m: expected_sources.append(m.group(1)) or "", page
    )
    assert css_inline._take_style_elements(page, sources) == expected
    assert sources == expected_sources


def test_a_style_element_closed_in_upper_case_still_styles_the_page() -> None:
    styled = css_inline.inline_css("<html><style>p { color: red }</STYLE >\n<p>x</p></html>")
    assert styled == '<html><p style="color:red">x</p></html>'


EDGES = (
    '<?xml version="1.0" encoding="Shift_JIS"?>\n<html><head><style type="text/css">{css}'
    '</style></head><body>\n\n<div id="nav"><a href="/">トップ 🇯🇵</a></div>\n\n'
    '#️⃣<span class="price">～①髙 ❤</span>\n\n<a href="/item/1?x=1&amp;y=2">詳細 📱</a>'
    '\n\n<form action="/search" method="get"><p><input name="q" /></p></form>\n\n\n\n'
    '<div id="footer"><a href="http://example.com/">外</a> {counter} ☀</div>\n\n</body></html>'
)


@pytest.mark.parametrize("ua", [UA_DOCOMO_1, UA_DOCOMO_2, UA_AU, UA_SOFTBANK])
@pytest.mark.parametrize("comment", ["", '\n<!-- <a href="/c">c</a> -->\n'])
def test_handsets_get_the_bytes_of_the_step_by_step_pipeline(ua: str, comment: str) -> None:
    carrier = detect({"HTTP_USER_AGENT": ua, "REMOTE_ADDR": "127.0.0.1"})
    for counter in [1, 2, 2, 3, 1, 1]:
        page = EDGES.format(css=CSS, counter=counter).replace("</body>", comment + "</body>")
        expected = _step_by_step(page, carrier, KEY, host="localhost", scheme="http", css_dir=None)
        if comment and not carrier.supports_style_element:
            # Links inside comments are left alone where CSS is inlined (see test_web_pipeline).
            expected = expected.replace(b'"/c?ksid=' + b"k" * 43 + b'&amp;guid=ON"', b'"/c"')
        got = keitai_page(page, carrier, KEY, host="localhost", scheme="http", css_dir=None)
        assert got == expected
        assert "🇯🇵".encode() not in got and b"ksid=" + b"k" * 43 in got


@pytest.mark.parametrize("name", sorted(PAGES))
def test_encoded_pieces_are_the_encoded_page(name: str) -> None:
    carrier = detect({"HTTP_USER_AGENT": UA_DOCOMO_1})
    sheet = _sheet()
    for counter in [1, 2, 2, 3, 1]:
        page = PAGES[name].format(counter=counter) + "\n\n<p>🇯🇵</p>\n\n#️⃣ ❤"
        body = apply_rules_encoded(page, sheet, None, (), carrier.encode)
        whole = carrier.encode(apply_rules(page, sheet, by_lines=False))
        assert body is None if "<!--" in page else body == whole
