"""The HTML subset handsets render in デコメール, and a sanitizer that enforces it.

Handsets (docomo デコメール, au デコレーションメール, SoftBank デコレメール)
render a small, shared subset: ``font`` colour and size, centred or aligned
``div``/``p``, ``hr``, ``br``, links, inline images by ``cid:``, ``span`` with
colour and font size, and the ``blink``/``marquee`` effects. Anything else is
dropped by the handset or, worse, makes the mail unreadable; scripts and
event handlers must never reach a mail client - nor the admin's page, which shows
the sanitised HTML as it is. Text content of a dropped tag is kept, except inside
the tags in ``_DROP_CONTENT``.

Parsing and cleaning is nh3's (the ammonia sanitiser on html5ever, a browser-grade
HTML parser), maintained and fuzzed as a hand-written one cannot be; this module
only states the allow-list: tags, attributes, URL schemes, and the value filters
for colour, size, alignment and ``cid:`` images (``attribute_filter``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from urllib.parse import urlsplit

import nh3

__all__ = ["cid_references", "html_to_text", "sanitize_deco_html"]

_COLOR = re.compile(r"^(#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}|[a-zA-Z]{3,20})$")
_FONT_SIZE = re.compile(r"^[+-]?[1-7]$")
_NUMBER = re.compile(r"^\d{1,4}%?$")
_CSS_SIZE = re.compile(
    r"^(xx-small|x-small|small|medium|large|x-large|xx-large|\d{1,3}(px|pt|%|em))$"
)
_CID = re.compile(r"^cid:[^\s\"'<>]+$", re.IGNORECASE)


def _choice(*allowed: str) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        return value.lower() if value.lower() in allowed else None
    return check


def _matching(pattern: re.Pattern[str]) -> Callable[[str], str | None]:
    return lambda value: value if pattern.match(value) else None


def _href(value: str) -> str | None:
    # Control characters and spaces hide schemes ("java\tscript:"); real links have none.
    if any(ch <= " " or ch == "\x7f" for ch in value):
        return None
    parts = urlsplit(value)
    if parts.scheme.lower() in ("http", "https"):
        return value if parts.netloc else None
    return value if parts.scheme.lower() == "mailto" and parts.path else None


def _style(value: str) -> str | None:
    """Keep only ``color`` and ``font-size`` declarations with plain values."""
    kept = []
    for declaration in value.split(";"):
        prop, _, val = (s.strip() for s in declaration.partition(":"))
        prop = prop.lower()
        if prop == "color" and _COLOR.match(val):
            kept.append(f"color:{val}")
        elif prop == "font-size" and _CSS_SIZE.match(val.lower()):
            kept.append(f"font-size:{val.lower()}")
    return ";".join(kept) or None


_ALIGN = _choice("left", "center", "right")
_ALLOWED: dict[str, dict[str, Callable[[str], str | None]]] = {
    "font": {"color": _matching(_COLOR), "size": _matching(_FONT_SIZE)},
    "div": {"align": _ALIGN},
    "p": {"align": _ALIGN},
    "hr": {"color": _matching(_COLOR), "size": _matching(_NUMBER), "width": _matching(_NUMBER)},
    "br": {},
    "a": {"href": _href},
    "img": {"src": _matching(_CID), "alt": lambda v: v, "width": _matching(_NUMBER),
            "height": _matching(_NUMBER)},
    "span": {"style": _style},
    "blink": {},
    "marquee": {"behavior": _choice("scroll", "slide", "alternate"),
                "direction": _choice("left", "right", "up", "down"),
                "loop": _matching(re.compile(r"^(-1|\d{1,3}|infinite)$")),
                "bgcolor": _matching(_COLOR)},
}
_DROP_CONTENT = frozenset({
    "script", "style", "head", "title", "iframe", "object", "embed", "noscript",
    "template", "textarea", "select", "svg", "math", "applet", "frameset",
})
_URL_SCHEMES = frozenset({"http", "https", "mailto", "cid"})
# ammonia keeps a tag whose only attribute was refused; these need theirs.
_A_WITHOUT_HREF = re.compile(r"<a>(.*?)</a>", re.DOTALL)
_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")


def _attribute_filter(tag: str, name: str, value: str) -> str | None:
    check = _ALLOWED.get(tag, {}).get(name)
    return check(value.strip()) if check is not None else None


def sanitize_deco_html(source: str) -> str:
    """Keep only the デコメール subset of ``source``; return an HTML fragment.

    Kept: ``font`` (color, size), ``div``/``p`` (align), ``hr``, ``br``,
    ``a href`` with http/https/mailto, ``img src="cid:..."`` (alt, width,
    height), ``span style`` (color, font-size only), ``blink``, ``marquee``.
    Everything else - scripts, styles, event handlers, other URL schemes,
    comments, unknown tags and attributes - is removed; tags are balanced. A link
    without a usable address keeps its text; an image without a ``cid:`` goes.
    """
    cleaned = nh3.clean(
        source,
        tags=set(_ALLOWED),
        clean_content_tags=set(_DROP_CONTENT),
        attributes={tag: set(names) for tag, names in _ALLOWED.items()},
        attribute_filter=_attribute_filter,
        url_schemes=set(_URL_SCHEMES),
        strip_comments=True,
        link_rel=None,
    )
    return _IMG_WITHOUT_SRC.sub("", _A_WITHOUT_HREF.sub(r"\1", cleaned))


def cid_references(fragment: str) -> list[str]:
    """The Content-IDs an HTML fragment's ``img src="cid:..."`` refer to, in order."""
    found = re.findall(r"""src="cid:([^"]+)\"""", fragment, flags=re.IGNORECASE)
    return list(dict.fromkeys(html.unescape(cid) for cid in found))


def html_to_text(fragment: str) -> str:
    """A plain-text rendering of a sanitized fragment, for the mandatory text part."""
    # Links keep their address, so a text-only reader can still follow them.
    text = re.sub(r'<a href="([^"]*)">(.*?)</a>', r"\2 \1", fragment, flags=re.DOTALL)
    text = re.sub(r"(?i)<br\s*/?>|</(p|div)>|<hr[^>]*>", "\n", text)
    text = re.sub(r"<[^>]+>", "", text)
    lines = [line.strip() for line in html.unescape(text).splitlines()]
    return "\n".join(lines).strip()
