"""The fast CSS inliner against a plain one (lxml + cssselect) on the shop's real pages.

A docomo i-mode browser 1.0 handset honours only ``style=""``: every element of every
storefront page it is sent must carry exactly the style the stylesheet gives that element
in CSS's own cascade. The pages are the real templates rendered by the real app for a
real docomo User-Agent (tests/carrier_compat/shop_pages.py); the expectation comes from
tests/carrier_compat/plain_css.py, which shares no code with carrier_compat.
"""

from __future__ import annotations

import pytest
from lxml import etree

from carrier_compat.detection import detect
from carrier_compat.pipeline import keitai_page
from tests.carrier_compat.plain_css import (
    canonical_value,
    expected_styles,
    parse_page,
    parse_style,
    stylesheet_rules,
)
from tests.carrier_compat.shop_pages import ServedPage, walk_the_shop
from tests.storefront.shop import DOCOMO_UA

PARAMS = [("ksid", "k" * 43), ("guid", "ON")]
HIDDEN_PARAMS = {"ksid", "guid"}

# A second stylesheet for the same pages whose rules compete for the same elements:
# specificity (ids > classes > tags, summed over a descendant chain), source order,
# !important against the element's own style, @media, and selectors a handset cannot
# apply inline (skipped by both inliners).
COMPETING_CSS = """
a { color: blue; text-decoration: none }
div a { color: black }
.ft a { color: green }
body div a { color: olive }
.hd a { font-weight: bold }
div.ft a { color: teal }
span { font-size: medium }
.price { color: red !important; font-weight: bold }
span.price { color: purple; font-size: large }
div span.price { font-size: x-large }
body div span { letter-spacing: 1px }
h1, h2 { text-align: center }
h1 { color: black; padding: 9px !important }
.err { color: maroon }
.err { color: #f00 }
p span.small { color: gray }
div div { margin: 0 }
@media handheld { .c { color: navy } hr { color: #ccc } }
@media print { .price { color: black !important } }
a:visited { color: purple }
form > div { margin: 8px }
input[type=submit] { color: red }
#main .price { color: white }
"""
OWN_STYLE = '<h1 style="color: #123456; padding: 1px; font-size: large">'


@pytest.fixture
def docomo_pages(app) -> list[ServedPage]:
    """Every styled page a docomo i-mode 1.0 handset is sent walking the shop."""
    pages = [p for p in walk_the_shop(app, DOCOMO_UA) if "<style" in p.rendered]
    assert {p.carrier.name for p in pages} == {"docomo"}
    assert not any(p.carrier.supports_style_element for p in pages)
    return pages


def test_the_walk_covers_the_pages_the_shop_serves(docomo_pages: list[ServedPage]) -> None:
    paths = {p.path for p in docomo_pages}
    for path in ("/", "/shelf/1", "/product/1", "/cart", "/checkout", "/checkout/info",
                 "/checkout/recipient", "/checkout/options", "/checkout/confirm",
                 "/checkout/done", "/login", "/register", "/mypage", "/mypage/orders",
                 "/mypage/profile", "/mypage/password", "/mypage/newsletter",
                 "/mypage/withdraw", "/law"):
        assert path in paths


def test_every_element_is_styled_as_the_plain_inliner_styles_it(
    docomo_pages: list[ServedPage],
) -> None:
    for page in docomo_pages:
        expected = _plain_styles(page.rendered)
        served = _served_styles(page.served, page.carrier.codec)
        assert b"<style" not in page.served  # the handset would ignore it
        assert _differences(served, expected) == [], page.path
        # Not a comparison of empty styles: body, the header bar and its link, the
        # heading and the footer at least are styled on every page.
        assert sum(1 for style in served.values() if style) >= 5, page.path


def test_the_header_link_is_white_on_the_pink_bar(docomo_pages: list[ServedPage]) -> None:
    for page in docomo_pages:
        header = parse_page(page.served.decode(page.carrier.codec)).find("body/div")
        assert header is not None and header.get("class") == "hd"
        assert canonical_value(parse_style(header.get("style", ""))["background-color"]) == (
            "#cc3366"
        )
        assert parse_style(header[0].get("style", ""))["color"] in ("#fff", "#ffffff")


def test_competing_rules_resolve_as_css_says_on_every_page(
    docomo_pages: list[ServedPage],
) -> None:
    carrier = detect({"HTTP_USER_AGENT": DOCOMO_UA, "REMOTE_ADDR": "127.0.0.1"})
    for page in docomo_pages:
        text = page.rendered.replace(
            "</head>", f'<style type="text/css">{COMPETING_CSS}</style>\n</head>'
        ).replace("<h1>", OWN_STYLE)
        expected = _plain_styles(text)
        # First sight, second sight (pieces admitted to the memo), then from the memo.
        for _ in range(3):
            body = keitai_page(text, carrier, PARAMS, host="localhost", scheme="http",
                               css_dir=None)
            assert _differences(_served_styles(body, carrier.codec), expected) == [], page.path
    assert {"color": "#123456", "padding": "9px", "font-size": "large",
            "text-align": "center", "background-color": "#cc3366"}.items() <= (
                _h1_style(body, carrier.codec).items())


def _plain_styles(rendered: str) -> dict[str, dict[str, str]]:
    """What the plain inliner says each element of the rendered page should carry."""
    root = parse_page(rendered)
    css = "\n".join(style.text or "" for style in root.iter("style"))
    for style in list(root.iter("style")):
        style.getparent().remove(style)
    return expected_styles(root, stylesheet_rules(css))


def _served_styles(body: bytes, codec: str) -> dict[str, dict[str, str]]:
    """The style each element of a served page carries, by its path in the page.

    The ``<div>`` of hidden session inputs the layer adds to GET forms is left out: it
    comes after the styling and is not in the rendered page.
    """
    root = parse_page(body.decode(codec))
    for form in root.iter("form"):
        for div in list(form.iterchildren("div")):
            if len(div) and all(i.tag == "input" and i.get("type") == "hidden"
                                and i.get("name") in HIDDEN_PARAMS for i in div):
                form.remove(div)
    tree = root.getroottree()
    return {
        tree.getpath(element): {
            name: canonical_value(value)
            for name, value in parse_style(element.get("style", "")).items()
        }
        for element in root.iter(etree.Element)
    }


def _differences(
    served: dict[str, dict[str, str]], expected: dict[str, dict[str, str]]
) -> list[tuple[str, dict[str, str] | None, dict[str, str] | None]]:
    paths = sorted(set(served) | set(expected))
    return [(p, served.get(p), expected.get(p)) for p in paths if served.get(p) != expected.get(p)]


def _h1_style(body: bytes, codec: str) -> dict[str, str]:
    h1 = parse_page(body.decode(codec)).find(".//h1")
    assert h1 is not None
    return {n: canonical_value(v) for n, v in parse_style(h1.get("style", "")).items()}
