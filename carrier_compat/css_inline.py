"""Move CSS into ``style=""`` attributes for docomo i-mode browser 1.0.

i-mode browser 1.0 ignores ``<style>`` and external stylesheets and honours only
inline ``style`` attributes. :func:`inline_css` takes a rendered XHTML page, collects
its ``<style>`` elements (and ``<link rel="stylesheet">`` files found in a configured
directory), removes them, and writes the matching declarations into each element.

Contracts:

* Each distinct stylesheet text is parsed with cssutils exactly once per process and
  compiled into an index (cached by SHA-256 of the text); :func:`parse_count` tells how
  often cssutils really ran, so tests can prove requests do not re-parse.
* Supported selectors: ``tag``, ``.class``, ``#id``, compounds such as ``div.item``,
  and descendant chains (``#nav a``). Rules with other selectors (pseudo-classes,
  ``>``, ``+``, attribute selectors) are skipped, because a handset cannot apply them
  inline anyway. ``@media`` blocks for ``all``/``handheld`` are included.
* Cascade: ``!important`` first, then specificity, then source order; an element's own
  ``style`` attribute wins over stylesheet rules that are not ``!important``.
* Fast: tags are found with regexes, not a parsed tree (see css_match); each distinct
  tag's rewrite is remembered per stylesheet, and so are the last pages styled (a
  shelf page many shoppers open is styled once).
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections import OrderedDict
from pathlib import Path

import cssutils

from carrier_compat.css_match import apply_rules
from carrier_compat.css_rules import CompiledStylesheet, Compound, Rule, index_rule

_log = logging.getLogger(__name__)

_STYLE_ELEMENT = re.compile(r"<style\b[^>]*>(.*?)</style\s*>\s*", re.S | re.I)
_STYLE_OPEN = re.compile(r"<style\b[^>]*>", re.I)
_STYLE_CLOSE = re.compile(r"</style\s*>\s*", re.I)
_LINK_ELEMENT = re.compile(r"<link\b[^>]*>\s*", re.I)
_REL_STYLESHEET = re.compile(r"\srel\s*=\s*[\"']stylesheet[\"']", re.I)
_HREF = re.compile(r"\shref\s*=\s*[\"']([^\"']*)[\"']", re.I)
_COMPOUND = re.compile(r"^([a-zA-Z][a-zA-Z0-9]*|\*)?((?:[.#][A-Za-z_][\w-]*)*)$")


_CACHE_SIZE = 64
_cache: OrderedDict[bytes, CompiledStylesheet] = OrderedDict()
_cache_lock = threading.Lock()
_parses = 0
_file_cache: dict[Path, tuple[int, str]] = {}


def parse_count() -> int:
    """How many times cssutils has parsed a stylesheet in this process."""
    return _parses


def compile_stylesheet(css_text: str) -> CompiledStylesheet:
    """Compiled rules for *css_text*, parsed with cssutils only on a cache miss."""
    key = hashlib.sha256(css_text.encode("utf-8", "surrogatepass")).digest()
    with _cache_lock:
        compiled = _cache.get(key)
        if compiled is not None:
            _cache.move_to_end(key)
            return compiled
    compiled = _compile(css_text)
    with _cache_lock:
        _cache[key] = compiled
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return compiled


def _compile(css_text: str) -> CompiledStylesheet:
    global _parses
    parser = cssutils.CSSParser(validate=False, raiseExceptions=False, loglevel=logging.CRITICAL)
    sheet = parser.parseString(css_text)
    _parses += 1
    compiled = CompiledStylesheet()
    order = 0
    for style_rule in _style_rules(sheet.cssRules):
        declarations = [(p.name, p.value, p.priority == "important") for p in style_rule.style]
        for selector in style_rule.selectorList:
            rule_parts = _parse_selector(selector.selectorText)
            if rule_parts is None:
                continue
            order += 1
            for important in (False, True):
                decls = tuple((n, v) for n, v, imp in declarations if imp is important)
                if decls:
                    index_rule(compiled, _make_rule(rule_parts, decls, important, order))
    return compiled


def _style_rules(rules: cssutils.css.CSSRuleList) -> list[cssutils.css.CSSStyleRule]:
    found: list[cssutils.css.CSSStyleRule] = []
    for rule in rules:
        if rule.type == rule.STYLE_RULE:
            found.append(rule)
        elif rule.type == rule.MEDIA_RULE and _applies_to_handset(rule.media.mediaText):
            found.extend(_style_rules(rule.cssRules))
    return found


def _applies_to_handset(media_text: str) -> bool:
    media = {m.strip().lower() for m in media_text.split(",")}
    return bool(media & {"all", "handheld"})


def _parse_selector(text: str) -> list[Compound] | None:
    compounds: list[Compound] = []
    for part in text.split():
        match = _COMPOUND.match(part)
        if match is None or not part:
            return None
        tag = match.group(1)
        tokens = re.findall(r"[.#][^.#]+", match.group(2))
        ids = [t[1:] for t in tokens if t[0] == "#"]
        if len(ids) > 1:
            return None
        classes = frozenset(t[1:] for t in tokens if t[0] == ".")
        compounds.append(
            Compound(None if tag in (None, "*") else tag.lower(), ids[0] if ids else None, classes)
        )
    return compounds or None


def _make_rule(
    parts: list[Compound], decls: tuple[tuple[str, str], ...], important: bool, order: int
) -> Rule:
    ids = sum(c.id is not None for c in parts)
    classes = sum(len(c.classes) for c in parts)
    tags = sum(c.tag is not None for c in parts)
    return Rule(parts[-1], tuple(parts[:-1]), (int(important), ids, classes, tags, order), decls)


def read_stylesheet(path: Path) -> str:
    """Text of a stylesheet file, re-read only when its mtime changes."""
    mtime = path.stat().st_mtime_ns
    cached = _file_cache.get(path)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    text = path.read_text(encoding="utf-8")
    _file_cache[path] = (mtime, text)
    return text


def inline_css(html: str, *, css_dir: str | Path | None = None, extra_css: str = "") -> str:
    """*html* with its stylesheets written into ``style`` attributes and removed.

    ``<link rel="stylesheet">`` elements whose file name exists in *css_dir* are
    inlined and removed; other links are left as they are. *extra_css* is applied
    before the page's own stylesheets. Pages without any CSS are returned unchanged.
    """
    html, sheet = take_stylesheets(html, css_dir=css_dir, extra_css=extra_css)
    return html if sheet is None else _apply(html, sheet)


def take_stylesheets(
    html: str, *, css_dir: str | Path | None = None, extra_css: str = ""
) -> tuple[str, CompiledStylesheet | None]:
    """*html* without its stylesheets, and their compiled rules (None if no CSS).

    The first half of :func:`inline_css`, for callers that apply the rules themselves
    (the keitai pipeline marks links in the same scan).
    """
    sources: list[str] = [extra_css] if extra_css else []
    if css_dir is not None and "<link" in html:
        html = _take_linked_sheets(html, Path(css_dir), sources)
    if "<style" in html:
        html = _take_style_elements(html, sources)
    css_text = "\n".join(sources)
    if not css_text.strip():
        return html, None
    return html, compile_stylesheet(css_text)


def _take_style_elements(html: str, sources: list[str]) -> str:
    """Remove ``<style>`` elements, appending their text to *sources*.

    ``str.find`` locates each one and the regex only runs anchored there: scanning a
    whole page with a case-insensitive regex costs more than the inlining itself.
    """
    pieces: list[str] = []
    position = 0
    start = html.find("<style")
    while start >= 0:
        match = _style_element_at(html, start)
        if match is None:
            start = html.find("<style", start + 6)
            continue
        sources.append(match[0])
        pieces.append(html[position:start])
        position = match[1]
        start = html.find("<style", position)
    pieces.append(html[position:])
    return "".join(pieces)


def _style_element_at(html: str, start: int) -> tuple[str, int] | None:
    """(CSS text, end) of the ``<style>`` element at *start*, as _STYLE_ELEMENT finds it.

    The lazy ``.*?`` of that regex tests every character of the stylesheet; the usual
    case, a stylesheet holding no ``</`` and closed by ``</style>``, is found with
    ``str.find`` (the regex could end nowhere sooner); anything else uses the regex.
    """
    open_tag = _STYLE_OPEN.match(html, start)
    if open_tag is not None:
        css_start = open_tag.end()
        close = html.find("</style", css_start)
        end = _STYLE_CLOSE.match(html, close) if close >= 0 else None
        if end is not None and html.find("</", css_start, close) < 0:
            return html[css_start:close], end.end()
    match = _STYLE_ELEMENT.match(html, start)
    return None if match is None else (match.group(1), match.end())


def _take_linked_sheets(html: str, css_dir: Path, sources: list[str]) -> str:
    def replace(match: re.Match[str]) -> str:
        tag = match.group(0)
        href = _HREF.search(tag)
        if not _REL_STYLESHEET.search(tag) or href is None:
            return tag
        path = css_dir / Path(href.group(1).split("?")[0]).name
        if not path.is_file():
            _log.warning("stylesheet %s not found in %s; left as a link", href.group(1), css_dir)
            return tag
        sources.append(read_stylesheet(path))
        return ""

    return _LINK_ELEMENT.sub(replace, html)


def _apply(html: str, sheet: CompiledStylesheet) -> str:
    """*html* styled by *sheet*; identical pages (a shelf many shoppers open) are
    remembered per sheet, so a popular page is styled once."""
    styled = sheet.page_memo.get(html)
    if styled is None:
        styled = apply_rules(html, sheet)
        sheet.page_memo.put(html, styled, len(html))
    return styled
