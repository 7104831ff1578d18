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
* The page is scanned with a tag regex, not parsed into a tree: templates produce
  well-formed XHTML, and a scan keeps the cost a small fraction of rendering.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import cssutils

_log = logging.getLogger(__name__)

_STYLE_ELEMENT = re.compile(r"<style\b[^>]*>(.*?)</style\s*>\s*", re.S | re.I)
_LINK_ELEMENT = re.compile(r"<link\b[^>]*>\s*", re.I)
_REL_STYLESHEET = re.compile(r"\srel\s*=\s*[\"']stylesheet[\"']", re.I)
_HREF = re.compile(r"\shref\s*=\s*[\"']([^\"']*)[\"']", re.I)
# Comments are matched first so tags inside them are left alone.
_TAG = re.compile(
    r"<!--.*?-->|<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[^\s=/>]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'))?)*)"
    r"\s*(/?)>",
    re.S,
)
_CLASS_ATTR = re.compile(r"\sclass\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_ID_ATTR = re.compile(r"\sid\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_STYLE_ATTR = re.compile(r"\sstyle\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_COMPOUND = re.compile(r"^([a-zA-Z][a-zA-Z0-9]*|\*)?((?:[.#][A-Za-z_][\w-]*)*)$")
_VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "base", "col", "param"})


@dataclass(frozen=True, slots=True)
class Compound:
    """One simple-selector compound: optional tag, id and classes (all must match)."""

    tag: str | None
    id: str | None
    classes: frozenset[str]

    def matches(self, tag: str, el_id: str | None, classes: frozenset[str]) -> bool:
        return (
            (self.tag is None or self.tag == tag)
            and (self.id is None or self.id == el_id)
            and self.classes <= classes
        )


@dataclass(frozen=True, slots=True)
class Rule:
    """A selector with its declarations; ``ancestors`` are outermost first."""

    subject: Compound
    ancestors: tuple[Compound, ...]
    priority: tuple[int, int, int, int, int]  # (important, ids, classes, tags, order)
    declarations: tuple[tuple[str, str], ...]


@dataclass(slots=True)
class CompiledStylesheet:
    """Rules of one or more stylesheets, indexed by what their subject requires."""

    by_tag: dict[str, list[Rule]]
    by_class: dict[str, list[Rule]]
    by_id: dict[str, list[Rule]]
    universal: list[Rule]
    has_descendant_rules: bool

    def candidates(self, tag: str, el_id: str | None, classes: frozenset[str]) -> list[Rule]:
        found = list(self.universal)
        found += self.by_tag.get(tag, ())
        if el_id is not None:
            found += self.by_id.get(el_id, ())
        for name in classes:
            found += self.by_class.get(name, ())
        # A rule may be indexed under several keys; keep one copy.
        return [r for r in dict.fromkeys(found) if r.subject.matches(tag, el_id, classes)]


_Element = tuple[str, str | None, frozenset[str]]
# (rewrite without descendant rules, rules without ancestors, rules with, element)
_TagInfo = tuple[str, list[Rule], list[Rule], _Element]


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
    compiled = CompiledStylesheet({}, {}, {}, [], False)
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
                    _index(compiled, _make_rule(rule_parts, decls, important, order))
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


def _index(compiled: CompiledStylesheet, rule: Rule) -> None:
    subject = rule.subject
    if rule.ancestors:
        compiled.has_descendant_rules = True
    if subject.id is not None:
        compiled.by_id.setdefault(subject.id, []).append(rule)
    elif subject.classes:
        compiled.by_class.setdefault(min(subject.classes), []).append(rule)
    elif subject.tag is not None:
        compiled.by_tag.setdefault(subject.tag, []).append(rule)
    else:
        compiled.universal.append(rule)


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
    sources: list[str] = [extra_css] if extra_css else []
    if css_dir is not None and "<link" in html:
        html = _take_linked_sheets(html, Path(css_dir), sources)
    if "<style" in html:
        html = _STYLE_ELEMENT.sub(lambda m: sources.append(m.group(1)) or "", html)
    css_text = "\n".join(sources)
    if not css_text.strip():
        return html
    return _apply(html, compile_stylesheet(css_text))


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
    stack: list[_Element] = []
    track = sheet.has_descendant_rules
    memo: dict[str, _TagInfo] = {}

    def replace(match: re.Match[str]) -> str:
        name = match.group(2)
        if name is None:  # a comment
            return match.group(0)
        if match.group(1):  # an end tag
            if track:
                _pop(stack, name.lower())
            return match.group(0)
        whole = match.group(0)
        entry = memo.get(whole)
        if entry is None:
            entry = memo[whole] = _analyse(match, sheet)
        static_tag, static_rules, dynamic_rules, element = entry
        tag = static_tag
        if dynamic_rules:
            matched = [r for r in dynamic_rules if _ancestors_match(r.ancestors, stack)]
            if matched:
                tag = _restyle(match, static_rules + matched)
        if track and not match.group(4) and element[0] not in _VOID:
            stack.append(element)
        return tag

    return _TAG.sub(replace, html)


def _analyse(match: re.Match[str], sheet: CompiledStylesheet) -> _TagInfo:
    """For one distinct start tag: its rewrite when no descendant rule applies, the
    rules split by whether they depend on ancestors, and the element's identity."""
    attrs = match.group(3)
    tag = match.group(2).lower()
    class_m = _CLASS_ATTR.search(attrs) if attrs else None
    id_m = _ID_ATTR.search(attrs) if attrs else None
    classes = frozenset(_attr_value(class_m).split()) if class_m else frozenset()
    el_id = _attr_value(id_m) if id_m else None
    element = (tag, el_id, classes)
    rules = sheet.candidates(*element)
    static = [r for r in rules if not r.ancestors]
    dynamic = [r for r in rules if r.ancestors]
    return _restyle(match, static), static, dynamic, element


def _attr_value(match: re.Match[str]) -> str:
    return match.group(1) if match.group(1) is not None else match.group(2)


def _ancestors_match(ancestors: tuple[Compound, ...], stack: list[_Element]) -> bool:
    want = len(ancestors) - 1
    for tag, el_id, classes in reversed(stack):
        if ancestors[want].matches(tag, el_id, classes):
            want -= 1
            if want < 0:
                return True
    return False


def _restyle(match: re.Match[str], applicable: list[Rule]) -> str:
    if not applicable:
        return match.group(0)
    merged: dict[str, str] = {}
    important: set[str] = set()
    for rule in sorted(applicable, key=lambda r: r.priority):
        for name, value in rule.declarations:
            merged[name] = value
            if rule.priority[0]:
                important.add(name)
    attrs = match.group(3)
    own_m = _STYLE_ATTR.search(attrs) if attrs else None
    if own_m is not None:
        attrs = attrs[: own_m.start()] + attrs[own_m.end() :]
        for name, value in _split_declarations(html_lib.unescape(_attr_value(own_m))):
            if name not in important:
                merged[name] = value
    style = ";".join(f"{n}:{v}" for n, v in merged.items())
    style = style.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    close = " />" if match.group(4) else ">"
    return f'<{match.group(2)}{attrs} style="{style}"{close}'


def _split_declarations(style: str) -> list[tuple[str, str]]:
    pairs = []
    for chunk in style.split(";"):
        name, sep, value = chunk.partition(":")
        if sep and name.strip():
            pairs.append((name.strip().lower(), value.strip()))
    return pairs


def _pop(stack: list[_Element], name: str) -> None:
    for index in range(len(stack) - 1, -1, -1):
        if stack[index][0] == name:
            del stack[index:]
            return
