"""Applying compiled CSS rules to XHTML text (the engine behind css_inline).

A :class:`CompiledStylesheet` holds the rules of a stylesheet, indexed for lookup, plus
memo tables that fill as pages are processed. :func:`apply_rules` writes the matching
declarations into the ``style`` attributes of one page.

The page is not parsed into a tree (templates produce well-formed XHTML, and the whole
step must cost a small fraction of rendering). One regex finds only the start tags a
rule without ancestors can match, and each distinct tag's rewrite is remembered per
stylesheet, so repeated rows cost a dict lookup. Descendant rules work on regions: the
extent of each element matching an ancestor compound is found by pairing its nested
same-name tags, and subjects are searched inside it.
"""

from __future__ import annotations

import bisect
import functools
import html as html_lib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# One start tag, split into name, attributes and the "/" of an empty element.
START_TAG = re.compile(
    r"<([a-zA-Z][a-zA-Z0-9]*)((?:\s+[^\s=/>]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'))?)*)\s*(/?)>"
)
_COMMENT = re.compile("<!--.*?-->", re.S)
_PLACEHOLDER = re.compile("\0(\\d+)\0")
# Building blocks of the scanning regexes. Possessive quantifiers keep each scan linear:
# a tag that does not qualify is rejected after one pass over its attributes.
_ANY_NAME = "[a-zA-Z][a-zA-Z0-9]*+"
_VALUE = r"""(?:"[^"]*+"|'[^']*+')"""
_ATTR = rf"\s++[^\s=/>]++\s*+=\s*+{_VALUE}"
_NAME_ENDS = frozenset(" \t\r\n/>")
_FEW_REGIONS = 4
_MEMO_LIMIT = 4096
_CLASS_ATTR = re.compile(r"\sclass\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_ID_ATTR = re.compile(r"\sid\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_STYLE_ATTR = re.compile(r"\sstyle\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


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


@dataclass(frozen=True, slots=True, eq=False)
class Rule:
    """A selector with its declarations; ``ancestors`` are outermost first.

    Compared and hashed by identity: each rule object is unique within its sheet.
    """

    subject: Compound
    ancestors: tuple[Compound, ...]
    priority: tuple[int, int, int, int, int]  # (important, ids, classes, tags, order)
    declarations: tuple[tuple[str, str], ...]


@dataclass(slots=True)
class CompiledStylesheet:
    """Rules of one or more stylesheets, ready to apply to many pages.

    Rules without ancestors are indexed by what their subject requires; descendant
    rules are kept apart. The memo dictionaries are filled while pages are processed
    (bounded, shared by all requests; dict operations are atomic under the GIL).
    """

    by_tag: dict[str, list[Rule]] = field(default_factory=dict)
    by_class: dict[str, list[Rule]] = field(default_factory=dict)
    by_id: dict[str, list[Rule]] = field(default_factory=dict)
    universal: list[Rule] = field(default_factory=list)
    descendant_rules: list[Rule] = field(default_factory=list)
    scan: re.Pattern[str] | None = None
    static_memo: dict[str, str] = field(default_factory=dict)
    tag_memo: dict[tuple[str, tuple[Rule, ...]], str] = field(default_factory=dict)
    patterns: dict[Compound, re.Pattern[str]] = field(default_factory=dict)
    page_memo: dict[str, str] = field(default_factory=dict)

    def candidates(self, tag: str, el_id: str | None, classes: frozenset[str]) -> list[Rule]:
        """Rules without ancestors whose subject matches the element."""
        found = list(self.universal)
        found += self.by_tag.get(tag, ())
        if el_id is not None:
            found += self.by_id.get(el_id, ())
        for name in classes:
            found += self.by_class.get(name, ())
        # A rule may be indexed under several keys; keep one copy.
        return [r for r in dict.fromkeys(found) if r.subject.matches(tag, el_id, classes)]


def index_rule(compiled: CompiledStylesheet, rule: Rule) -> None:
    subject = rule.subject
    if rule.ancestors:
        compiled.descendant_rules.append(rule)
    elif subject.id is not None:
        compiled.by_id.setdefault(subject.id, []).append(rule)
    elif subject.classes:
        compiled.by_class.setdefault(min(subject.classes), []).append(rule)
    elif subject.tag is not None:
        compiled.by_tag.setdefault(subject.tag, []).append(rule)
    else:
        compiled.universal.append(rule)


def scan_pattern(sheet: CompiledStylesheet) -> re.Pattern[str]:
    """The start tags some rule without ancestors may match (possessive, no backtracking)."""
    if sheet.universal:
        options = [rf"{_ANY_NAME}(?:{_ATTR})*+"]
    else:
        options = []
        if sheet.by_tag:
            names = "|".join(re.escape(name) for name in sorted(sheet.by_tag))
            options.append(rf"(?:{names})(?=[\s/>])(?:{_ATTR})*+")
        attrs = [a for a, rules in (("class", sheet.by_class), ("id", sheet.by_id)) if rules]
        if attrs:
            options.append(_ANY_NAME + _attrs_through("|".join(attrs), _VALUE))
    if not options:
        return re.compile("(?!)")
    return re.compile(rf"<(?:{'|'.join(options)})\s*+/?>")


def _attrs_through(names: str, value: str) -> str:
    """Attributes up to and including one named in *names* whose value matches *value*."""
    other = rf"\s++(?!(?:{names})\s*=)[^\s=/>]++\s*+=\s*+{_VALUE}"
    return rf"(?:{other})*+\s++(?:{names})\s*+=\s*+{value}(?:{_ATTR})*+"


def apply_rules(html: str, sheet: CompiledStylesheet) -> str:
    """*html* with the declarations of *sheet* written into matching start tags."""
    if "<!--" in html and "\0" not in html:
        # Keep tags inside comments out of reach: swap each comment for a NUL-delimited
        # placeholder (XML text never contains NUL), style, then put the comments back.
        comments: list[str] = []

        def hide(match: re.Match[str]) -> str:
            comments.append(match.group(0))
            return f"\0{len(comments) - 1}\0"

        styled = apply_rules(_COMMENT.sub(hide, html), sheet)
        return _PLACEHOLDER.sub(lambda m: comments[int(m.group(1))], styled)
    edits = _descendant_edits(html, sheet) if sheet.descendant_rules else {}
    assert sheet.scan is not None
    scan = sheet.scan
    memo = sheet.static_memo

    def replace(match: re.Match[str]) -> str:
        text = match.group(0)
        return memo.get(text) or _styled_tag(text, sheet, ())

    if not edits:
        return scan.sub(replace, html)
    pieces: list[str] = []
    position = 0
    for start in sorted(edits):
        tag = START_TAG.match(html, start)
        assert tag is not None
        pieces.append(scan.sub(replace, html[position:start]))
        pieces.append(_styled_tag(tag.group(0), sheet, tuple(dict.fromkeys(edits[start]))))
        position = tag.end()
    pieces.append(scan.sub(replace, html[position:]))
    return "".join(pieces)


def _styled_tag(text: str, sheet: CompiledStylesheet, extra: tuple[Rule, ...]) -> str:
    """*text* (one start tag) with the matching declarations in its style attribute."""
    memo: dict[Any, str] = sheet.tag_memo if extra else sheet.static_memo
    key = (text, extra) if extra else text
    cached = memo.get(key)
    if cached is not None:
        return cached
    match = START_TAG.fullmatch(text)
    if match is None:  # something odd: leave it as it was
        return text
    name, el_id, classes = _identity(match)
    styled = _restyle(match, sheet.candidates(name, el_id, classes) + list(extra))
    if len(memo) < _MEMO_LIMIT:
        memo[key] = styled
    return styled


def _identity(match: re.Match[str]) -> tuple[str, str | None, frozenset[str]]:
    attrs = match.group(2)
    class_m = _CLASS_ATTR.search(attrs) if attrs else None
    id_m = _ID_ATTR.search(attrs) if attrs else None
    classes = frozenset(_attr_value(class_m).split()) if class_m else frozenset()
    return match.group(1).lower(), (_attr_value(id_m) if id_m else None), classes


def _attr_value(match: re.Match[str]) -> str:
    return match.group(1) if match.group(1) is not None else match.group(2)


def _descendant_edits(html: str, sheet: CompiledStylesheet) -> dict[int, list[Rule]]:
    """Start offsets of subject tags inside their ancestors' regions -> descendant rules.

    A few regions (a header, a nav bar) are searched one by one; many regions (one per
    product row) share one search of the whole page, sliced per region with bisect.
    """
    tags: dict[Compound, list[int]] = {}
    regions: dict[tuple[Compound, ...], list[tuple[int, int]]] = {}

    def tags_of(compound: Compound) -> list[int]:
        if compound not in tags:
            tags[compound] = _find_tags(html, sheet, compound, 0, len(html))
        return tags[compound]

    edits: dict[int, list[Rule]] = {}
    for rule in sheet.descendant_rules:
        if rule.ancestors not in regions:
            regions[rule.ancestors] = _chain_regions(html, rule.ancestors, tags_of)
        spans = regions[rule.ancestors]
        if len(spans) <= _FEW_REGIONS and rule.subject not in tags:
            found = [t for s, e in spans for t in _find_tags(html, sheet, rule.subject, s, e)]
        else:
            subjects = tags_of(rule.subject)
            found = [
                t
                for s, e in spans
                for t in subjects[bisect.bisect_left(subjects, s) : bisect.bisect_left(subjects, e)]
            ]
        for tag_start in found:
            edits.setdefault(tag_start, []).append(rule)
    return edits


def _chain_regions(
    html: str,
    chain: tuple[Compound, ...],
    tags_of: Callable[[Compound], list[int]],
) -> list[tuple[int, int]]:
    """Content extents of elements matching the last compound, nested in the others."""
    regions = _regions_of(html, tags_of(chain[0]))
    for compound in chain[1:]:
        inner = _regions_of(html, tags_of(compound))
        regions = [r for r in inner if any(o[0] <= r[0] and r[1] <= o[1] for o in regions)]
    return regions


def _regions_of(html: str, tag_starts: list[int]) -> list[tuple[int, int]]:
    found = []
    ends: dict[int, int] | None = None
    for tag_start in tag_starts:
        tag = START_TAG.match(html, tag_start)
        if tag is None or tag.group(3):
            continue
        if len(tag_starts) > _FEW_REGIONS:
            # Many elements of one name (product rows): pair all its tags in one pass.
            ends = ends if ends is not None else _element_ends(html, tag.group(1))
            found.append((tag.end(), ends.get(tag.end(), len(html))))
        else:
            found.append((tag.end(), _element_end(html, tag.group(1), tag.end())))
    return found


def _element_ends(html: str, name: str) -> dict[int, int]:
    """For every element named *name*: content start -> offset of its end tag."""
    ends: dict[int, int] = {}
    open_at: list[int] = []
    for found in _same_name_tags(name).finditer(html):
        if found.group(1):
            if open_at:
                ends[open_at.pop()] = found.start()
        elif not found.group(2):
            open_at.append(found.end())
    return ends


def _find_tags(
    html: str, sheet: CompiledStylesheet, compound: Compound, start: int, end: int
) -> list[int]:
    """Sorted start offsets of the start tags in html[start:end] matching *compound*.

    The search regex begins with a literal (the tag name, ``id`` or ``class``) so the
    regex engine can skip ahead quickly. A tag-name or single-class search is exact;
    id and multi-class hits are confirmed on the whole tag.
    """
    pattern = _compound_pattern(sheet, compound)
    if compound.id is None and not compound.classes:
        return [hit.start() for hit in pattern.finditer(html, start, end)]
    exact = compound.id is None and len(compound.classes) == 1
    name = compound.tag
    found: list[int] = []
    for hit in pattern.finditer(html, start, end):
        tag_start = html.rfind("<", start, hit.start())
        if tag_start < 0 or html.find(">", tag_start, hit.start()) >= 0:
            continue  # the hit is in text, not inside a tag
        if found and found[-1] == tag_start:
            continue
        if exact:
            if name is not None and not _has_name(html, tag_start, name):
                continue
        else:
            tag = START_TAG.match(html, tag_start)
            if tag is None or not compound.matches(*_identity(tag)):
                continue
        found.append(tag_start)
    return found


def _has_name(html: str, tag_start: int, name: str) -> bool:
    after = tag_start + 1 + len(name)
    return html.startswith(name, tag_start + 1) and html[after : after + 1] in _NAME_ENDS


def _element_end(html: str, name: str, position: int) -> int:
    """Offset of the end tag closing an element named *name* whose content starts here."""
    depth = 0
    for found in _same_name_tags(name).finditer(html, position):
        if found.group(1):
            if depth == 0:
                return found.start()
            depth -= 1
        elif not found.group(2):
            depth += 1
    return len(html)


@functools.lru_cache(maxsize=128)
def _same_name_tags(name: str) -> re.Pattern[str]:
    return re.compile(rf"<(/?){re.escape(name)}(?=[\s/>])(?:{_ATTR})*+\s*+(/?)>")


def _compound_pattern(sheet: CompiledStylesheet, compound: Compound) -> re.Pattern[str]:
    """Where a tag matching *compound* may be: its id, its class or its name."""
    pattern = sheet.patterns.get(compound)
    if pattern is None:
        if compound.id is not None:
            ident = re.escape(compound.id)
            text = rf"id\s*+=\s*+(?:\"{ident}\"|'{ident}')"
        elif compound.classes:
            # The class as a whole whitespace-separated token of the attribute value.
            word = re.escape(min(compound.classes))
            text = rf"class\s*+=\s*+[\"'](?:[^\"'>]*?\s)?{word}(?=[\s\"'])"
        elif compound.tag is not None:
            text = rf"<{re.escape(compound.tag)}(?=[\s/>])"
        else:
            text = rf"<{_ANY_NAME}"
        pattern = sheet.patterns[compound] = re.compile(text)
    return pattern


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
    attrs = match.group(2)
    own_m = _STYLE_ATTR.search(attrs) if attrs else None
    if own_m is not None:
        attrs = attrs[: own_m.start()] + attrs[own_m.end() :]
        for name, value in _split_declarations(html_lib.unescape(_attr_value(own_m))):
            if name not in important:
                merged[name] = value
    style = ";".join(f"{n}:{v}" for n, v in merged.items())
    style = style.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    close = " />" if match.group(3) else ">"
    return f'<{match.group(1)}{attrs} style="{style}"{close}'


def _split_declarations(style: str) -> list[tuple[str, str]]:
    pairs = []
    for chunk in style.split(";"):
        name, sep, value = chunk.partition(":")
        if sep and name.strip():
            pairs.append((name.strip().lower(), value.strip()))
    return pairs
