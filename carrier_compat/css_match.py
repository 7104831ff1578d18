"""Applying compiled CSS rules to XHTML text (the engine behind css_inline).

:func:`apply_rules` writes the declarations of a :class:`~carrier_compat.css_rules.
CompiledStylesheet` (its rules indexed for lookup, and memo tables that fill as pages
are processed) into the ``style`` attributes of one page.

The page is not parsed into a tree (templates produce well-formed XHTML, and the whole
step must cost a small fraction of rendering). One ``re.split`` picks out only the tags
that matter — start tags some rule's subject or ancestor may match, plus start and end
tags of the element names ancestors have been seen with (learnt page by page: a scan
that meets an ancestor under a new element name starts again with that name tracked) —
and leaves the rest of the page as untouched text between them. A short Python loop
then keeps a stack of the open ancestor candidates for descendant rules. Each distinct
tag's analysis and rewrite is remembered per stylesheet, so repeated product rows cost
a dict lookup each. A caller may have other start tags (links) rewritten in the same
scan (see :class:`TagMarker`).

carrier_compat/README.md is the design note: the memo tables and their keys, what a
self-contained piece is, and what each regex here matches, why the scanning ones are
possessive, and how to change one safely.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable, Collection
from typing import Any, Protocol

from carrier_compat.css_rules import CompiledStylesheet, Compound, Rule, TagInfo
from carrier_compat.memo import PieceMemo

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
_MEMO_LIMIT = 4096
_CLASS_ATTR = re.compile(r"\sclass\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_ID_ATTR = re.compile(r"\sid\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_STYLE_ATTR = re.compile(r"\sstyle\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
# A piece of page every "<" of which opens either nothing a split pattern can match (not followed
# by a letter or "/") or a whole tag inside the piece, in the split patterns' own grammar;
# no "<" inside attribute names or values (a split may start a match there).
_SELF_CONTAINED = re.compile(
    rf"""(?:[^<]++|<(?![a-zA-Z/])|</?{_ANY_NAME}"""
    rf"""(?:\s++[^\s=/><]++\s*+=\s*+(?:"[^"<]*+"|'[^'<]*+'))*+\s*+/?>)*+"""
)


class TagMarker(Protocol):
    """Something that rewrites certain start tags during the same scan (see urls)."""

    def mark(self, tag: str) -> str: ...


def apply_rules(
    html: str,
    sheet: CompiledStylesheet,
    marker: TagMarker | None = None,
    marked: Collection[str] = frozenset(),
    *,
    by_lines: bool = True,
) -> str:
    """*html* with the declarations of *sheet* written into matching start tags.

    With *marker*, start tags named in *marked* (already styled) also pass through
    ``marker.mark`` in the same scan - the keitai pipeline marks links this way.
    *by_lines* lets pieces of page (between blank lines) already seen in the same
    context be answered from the sheet's memo (same output; False scans the whole page
    in one go, as tests compare).
    """
    if "<!--" in html and "\0" not in html:
        # Keep tags inside comments out of reach: swap each comment for a NUL-delimited
        # placeholder (XML text never contains NUL), style, then put the comments back.
        comments: list[str] = []

        def hide(match: re.Match[str]) -> str:
            comments.append(match.group(0))
            return f"\0{len(comments) - 1}\0"

        styled = apply_rules(_COMMENT.sub(hide, html), sheet, marker, marked, by_lines=by_lines)
        return _PLACEHOLDER.sub(lambda m: comments[int(m.group(1))], styled)
    wanted = _wanted(marker, marked)
    while True:  # a pass gives up only after learning an ancestor name: finitely many
        styled = _styled_pass(html, _Scanner(sheet, marker, wanted), by_lines)
        if styled is not None:
            return styled


def apply_rules_encoded(
    html: str,
    sheet: CompiledStylesheet,
    marker: TagMarker | None,
    marked: Collection[str],
    encode: Callable[[str], bytes],
) -> bytes | None:
    """``encode(apply_rules(html, sheet, marker, marked))``, piece by piece, or None
    when the page has no blank line or holds a comment (the caller then does that).

    Each piece's bytes are remembered with its styled form, so a page that differs
    from one seen before in a line or two is styled and encoded only there. *encode*
    must be one object per encoding (it is part of the memo key) and must encode text
    cut at a blank line piece by piece: ``encode(a + "\n\n" + b) == encode(a) +
    encode("\n\n") + encode(b)`` (true of a stateless codec whose multi-character
    sequences hold no line break).
    """
    if "<!--" in html or "\n\n" not in html:
        return None
    wanted = _wanted(marker, marked)
    while True:  # a pass gives up only after learning an ancestor name: finitely many
        pieces = _encoded_pass(html, _Scanner(sheet, marker, wanted), encode)
        if pieces is not None:
            return encode("\n\n").join(pieces)


Stack = tuple["TagInfo", ...]


def _wanted(marker: TagMarker | None, marked: Collection[str]) -> frozenset[str]:
    """The element names whose start tags go through the marker (none without one)."""
    return frozenset(marked) if marker else frozenset()


def _styled_pass(html: str, scanner: _Scanner, by_lines: bool) -> str | None:
    """One pass over the page, whole or piece by piece; None if it met an ancestor
    whose name was not tracked yet.

    With *by_lines*, the page is cut at blank lines and each piece seen before in the
    same context (the open-ancestor stack, part of the memo key) is answered from the
    sheet's PieceMemo. Only self-contained pieces (:data:`_SELF_CONTAINED`: every
    ``<`` opens nothing the split pattern can match or a whole tag inside the piece)
    are cut off, so the tags found, and their order, are those of one scan of the page.
    """
    if not by_lines or "\n\n" not in html:
        return scanner.styled(html, [])
    memo = scanner.piece_memo()
    pieces = memo.run(html, (), scanner.fold, _SELF_CONTAINED.fullmatch, str)
    return None if pieces is None else "\n\n".join(pieces)


def _encoded_pass(
    html: str, scanner: _Scanner, encode: Callable[[str], bytes]
) -> list[bytes] | None:
    """One pass piece by piece, each piece's styled form encoded (and remembered so)."""

    def scan(text: str, state: Stack) -> tuple[bytes, Stack] | None:
        stack = list(state)
        styled = scanner.styled(text, stack)
        return None if styled is None else (encode(styled), tuple(stack))

    memo = scanner.piece_memo(encode)
    return memo.run(html, (), scan, _SELF_CONTAINED.fullmatch, encode)


class _Scanner:
    """One pass's scan loop: the sheet, the ancestor names tracked when the pass began,
    the split pattern for them, and the links to mark.

    A pass that meets an ancestor under a name not tracked adds the name to the sheet
    and gives up; the next pass (a new scanner) tracks it.
    """

    __slots__ = ("sheet", "stack_names", "pattern", "marker", "marked")

    def __init__(
        self, sheet: CompiledStylesheet, marker: TagMarker | None, marked: frozenset[str]
    ) -> None:
        self.sheet = sheet
        self.stack_names = _stack_names(sheet)
        self.pattern = _split_pattern(sheet, self.stack_names, marked)
        self.marker = marker
        self.marked = marked

    def piece_memo(self, encode: object = None) -> PieceMemo[Any, Any]:
        """The sheet's memo of pieces styled by scans like this one (and so encoded)."""
        key = (self.stack_names, self.marked, self.marker)
        return _piece_memo(self.sheet, key if encode is None else (*key, encode))

    def fold(self, text: str, state: Stack) -> tuple[str, Stack] | None:
        """:meth:`styled` as PieceMemo folds it: from the open elements *state*, the
        styled text and the open elements after it."""
        stack = list(state)
        styled = self.styled(text, stack)
        return None if styled is None else (styled, tuple(stack))

    def styled(self, html: str, stack: list[TagInfo]) -> str | None:
        """*html* styled from the open elements *stack* (updated in place); None if it
        met an ancestor whose name was not tracked yet (the sheet then tracks it).

        The split pattern leaves text at even indexes and the tags it picked out at odd
        ones. Per tag: an end tag closes an open element; a start tag is looked up
        (what it is, its static rewrite), styled in the context of its open ancestors
        where descendant rules may match, marked if it is a link, and opened.
        """
        parts = self.pattern.split(html)
        # Local names: this loop runs once per interesting tag of every page.
        sheet, stack_names, marked = self.sheet, self.stack_names, self.marked
        known_tag, in_context = sheet.tag_info.get, sheet.contexts.get
        mark = self.marker.mark if self.marker is not None else None
        for index in range(1, len(parts), 2):
            tag = parts[index]
            if tag[1] == "/":
                name = tag[2:-1].strip().lower()
                if stack and stack[-1].name == name:
                    stack.pop()  # the usual case: the innermost open element closes
                else:
                    _close(stack, name)
                continue
            info = known_tag(tag) or _tag_info(tag, sheet)
            if info.descendant and stack:
                styled = in_context((info, *stack)) or _in_context(tag, info, stack, sheet)
            else:
                styled = info.static
            parts[index] = mark(styled) if mark is not None and info.name in marked else styled
            if info.empty:
                continue
            if info.name in stack_names:
                stack.append(info)
            elif info.ancestor:  # under a name not tracked: learn it, scan again
                sheet.stack_names = stack_names | {info.name}
                return None
        return "".join(parts)


def _piece_memo(sheet: CompiledStylesheet, key: tuple[object, ...]) -> PieceMemo[Any, Any]:
    memo = sheet.piece_memos.get(key)
    if memo is None:
        if len(sheet.piece_memos) >= 16:
            sheet.piece_memos.clear()
        memo = sheet.piece_memos[key] = PieceMemo(1024, 2000)
    return memo


def _stack_names(sheet: CompiledStylesheet) -> frozenset[str]:
    """Element names tracked as possible ancestors (see CompiledStylesheet)."""
    if sheet.stack_names is None:
        sheet.stack_names = frozenset(
            c.tag for c in sheet.ancestor_compounds() if c.tag is not None
        )
    return sheet.stack_names


def _split_pattern(
    sheet: CompiledStylesheet, stack_names: frozenset[str], marked: frozenset[str]
) -> re.Pattern[str]:
    """One capturing regex for the tags that matter (see the module docstring)."""
    pattern = sheet.split_patterns.get((stack_names, marked))
    if pattern is not None:
        return pattern
    subjects = sheet.subjects()
    # Elements carrying an ancestor's id or class must be seen to learn their names.
    wanted = subjects + list(sheet.ancestor_compounds())
    options = []
    if any(c.tag is None and c.id is None and not c.classes for c in subjects):
        options.append(rf"{_ANY_NAME}(?:{_ATTR})*+")
    else:
        names = {c.tag for c in subjects if c.tag} | stack_names | marked
        if names:
            alternatives = "|".join(re.escape(n) for n in sorted(names))
            options.append(rf"(?:{alternatives})(?=[\s/>])(?:{_ATTR})*+")
        attrs = [a for a in ("class", "id") if any(_needs(c, a) for c in wanted)]
        if attrs:
            options.append(_ANY_NAME + _attrs_through("|".join(attrs), _VALUE))
    alternatives = [rf"<(?:{'|'.join(options)})\s*+/?>"] if options else []
    if stack_names:
        ends = "|".join(re.escape(n) for n in sorted(stack_names))
        alternatives.append(rf"</(?:{ends})\s*>")
    pattern = re.compile(f"({'|'.join(alternatives) or '(?!)'})")
    if len(sheet.split_patterns) < 64:
        sheet.split_patterns[(stack_names, marked)] = pattern
    return pattern


def _needs(compound: Compound, attribute: str) -> bool:
    return compound.id is not None if attribute == "id" else bool(compound.classes)


def _attrs_through(names: str, value: str) -> str:
    """Attributes up to and including one named in *names* whose value matches *value*."""
    other = rf"\s++(?!(?:{names})\s*=)[^\s=/>]++\s*+=\s*+{_VALUE}"
    return rf"(?:{other})*+\s++(?:{names})\s*+=\s*+{value}(?:{_ATTR})*+"


def _close(stack: list[TagInfo], name: str) -> None:
    """Close the innermost open element called *name* and any still open inside it
    (an element the split pattern did not pick out closes with its parent)."""
    for index in range(len(stack) - 1, -1, -1):
        if stack[index].name == name:
            del stack[index:]
            return


def _ancestors_match(ancestors: tuple[Compound, ...], stack: list[TagInfo]) -> bool:
    """Greedy nearest-first match of a descendant chain against the open elements."""
    want = len(ancestors) - 1
    for element in reversed(stack):
        if ancestors[want].matches(element.name, element.el_id, element.classes):
            want -= 1
            if want < 0:
                return True
    return False


def _tag_info(tag: str, sheet: CompiledStylesheet) -> TagInfo:
    match = START_TAG.fullmatch(tag)
    if match is None:  # something odd: leave it as it was
        return TagInfo("", None, frozenset(), True, tag, (), ())
    name, el_id, classes = _identity(match)
    static_rules = tuple(sheet.candidates(name, el_id, classes))
    descendant = tuple(r for r in sheet.descendant_rules if r.subject.matches(name, el_id, classes))
    info = TagInfo(
        name,
        el_id,
        classes,
        bool(match.group(3)),
        _restyle(match, list(static_rules)),
        static_rules,
        descendant,
        sheet.is_ancestor(name, el_id, classes),
    )
    if len(sheet.tag_info) < _MEMO_LIMIT:
        sheet.tag_info[tag] = info
    return info


def _in_context(tag: str, info: TagInfo, stack: list[TagInfo], sheet: CompiledStylesheet) -> str:
    """*tag* styled under the open elements *stack*, and remembered in sheet.contexts
    under (tag, *stack): the same tag under the same open ancestors (identity-hashed)
    is styled the same."""
    matched = tuple(r for r in info.descendant if _ancestors_match(r.ancestors, stack))
    styled = _with_descendants(tag, info, matched, sheet) if matched else info.static
    if len(sheet.contexts) < _MEMO_LIMIT:
        sheet.contexts[(info, *stack)] = styled
    return styled


def _with_descendants(
    tag: str, info: TagInfo, matched: tuple[Rule, ...], sheet: CompiledStylesheet
) -> str:
    key = (tag, matched)
    styled = sheet.tag_memo.get(key)
    if styled is None:
        match = START_TAG.fullmatch(tag)
        assert match is not None  # info.descendant is empty for odd tags
        styled = _restyle(match, [*info.static_rules, *matched])
        if len(sheet.tag_memo) < _MEMO_LIMIT:
            sheet.tag_memo[key] = styled
    return styled


def _identity(match: re.Match[str]) -> tuple[str, str | None, frozenset[str]]:
    attrs = match.group(2)
    class_m = _CLASS_ATTR.search(attrs) if attrs else None
    id_m = _ID_ATTR.search(attrs) if attrs else None
    classes = frozenset(_attr_value(class_m).split()) if class_m else frozenset()
    return match.group(1).lower(), (_attr_value(id_m) if id_m else None), classes


def _attr_value(match: re.Match[str]) -> str:
    return match.group(1) if match.group(1) is not None else match.group(2)


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
    # ">" too: the link scan reads a tag up to its first ">", so one left in a value
    # (``font-family: "a>b"``) would hide the link from the session-key marking.
    style = (style.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
             .replace(">", "&gt;"))
    close = " />" if match.group(3) else ">"
    return f'<{match.group(1)}{attrs} style="{style}"{close}'


def _split_declarations(style: str) -> list[tuple[str, str]]:
    pairs = []
    for chunk in style.split(";"):
        name, sep, value = chunk.partition(":")
        if sep and name.strip():
            pairs.append((name.strip().lower(), value.strip()))
    return pairs
