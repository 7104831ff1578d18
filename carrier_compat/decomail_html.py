"""The HTML subset handsets render in デコメール, and a sanitizer that enforces it.

Handsets (docomo デコメール, au デコレーションメール, SoftBank デコレメール)
render a small, shared subset: ``font`` colour and size, centred or aligned
``div``/``p``, ``hr``, ``br``, links, inline images by ``cid:``, ``span`` with
colour and font size, and the ``blink``/``marquee`` effects. Anything else is
dropped by the handset or, worse, makes the mail unreadable; scripts and
event handlers must never reach a mail client. Text content of a dropped tag
is kept, except inside the tags in ``_DROP_CONTENT``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import urlsplit

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
_REQUIRED = {"a": "href", "img": "src"}  # without these the tag itself is dropped
_VOID = frozenset({"br", "hr", "img"})
_DROP_CONTENT = frozenset({
    "script", "style", "head", "title", "iframe", "object", "embed", "noscript",
    "template", "textarea", "select", "svg", "math", "applet", "frameset",
})


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []  # allowed tags currently open, for balanced output
        self.skip = 0  # depth inside _DROP_CONTENT elements

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP_CONTENT:
            self.skip += 1
            return
        if self.skip or tag not in _ALLOWED:
            return
        kept = []
        for name, value in attrs:
            check = _ALLOWED[tag].get(name)
            clean = check(value.strip()) if check and value is not None else None
            if clean is not None:
                kept.append((name, clean))
        if tag in _REQUIRED and _REQUIRED[tag] not in dict(kept):
            if tag == "a":
                self.open.append("")  # placeholder so </a> does not close anything
            return
        attr_text = "".join(f' {n}="{html.escape(v, quote=True)}"' for n, v in kept)
        self.out.append(f"<{tag}{attr_text}>")
        if tag not in _VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP_CONTENT:
            return
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.open and self.open[-1] in (tag, ""):
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP_CONTENT:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip or tag not in _ALLOWED or tag in _VOID:
            return
        names = [t or "a" for t in self.open]
        if tag not in names:
            return
        while self.open:
            top = self.open.pop()
            if top:
                self.out.append(f"</{top}>")
            if (top or "a") == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(html.escape(data, quote=False))

    def close_all(self) -> str:
        self.close()
        self.out.extend(f"</{t}>" for t in reversed(self.open) if t)
        return "".join(self.out)


def sanitize_deco_html(source: str) -> str:
    """Keep only the デコメール subset of ``source``; return an HTML fragment.

    Kept: ``font`` (color, size), ``div``/``p`` (align), ``hr``, ``br``,
    ``a href`` with http/https/mailto, ``img src="cid:..."`` (alt, width,
    height), ``span style`` (color, font-size only), ``blink``, ``marquee``.
    Everything else - scripts, styles, event handlers, other URL schemes,
    comments, unknown tags and attributes - is removed; tags are balanced.
    """
    parser = _Sanitizer()
    parser.feed(source)
    return parser.close_all()


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
