"""A plain, slow CSS inliner to hold carrier_compat's fast one against: lxml + cssselect.

Written to be read, not to be fast: the page is parsed into a tree, every rule's selector
is turned into XPath by cssselect and run over the whole tree, and every element's
declarations are put in cascade order from scratch. It shares no code with
``carrier_compat.css_inline``/``css_match`` (not even cssutils), and implements the
contract css_inline's docstring states:

* selectors: ``tag``, ``.class``, ``#id``, compounds of these and descendant chains;
  any other selector (pseudo-classes, ``>``, ``+``, ``~``, attribute selectors) is
  skipped, as a handset could not apply it inline anyway;
* ``@media`` blocks for ``all`` or ``handheld`` count, other ``@`` rules do not;
* cascade (CSS 2.1, 6.4.3): ``!important`` first, then specificity (cssselect's), then
  source order; the element's own ``style`` attribute beats every declaration of the
  stylesheet that is not ``!important``.

Values are compared after :func:`canonical_value` (the fast inliner writes cssutils'
normalised values: ``#cc3366`` becomes ``#c36``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import cssselect
from cssselect.parser import Class, CombinedSelector, Element, Hash
from lxml import etree

Style = dict[str, str]

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_SHORT_HEX = re.compile(r"#([0-9a-f])([0-9a-f])([0-9a-f])\b")


@dataclass(frozen=True)
class PlainRule:
    """One selector of a style rule with the declarations of one importance."""

    xpath: str
    specificity: tuple[int, int, int]
    order: int
    important: bool
    declarations: tuple[tuple[str, str], ...]


# --- the stylesheet -------------------------------------------------------------------


def stylesheet_rules(css: str) -> list[PlainRule]:
    """The rules of *css* a handset's inline styles can carry, in source order."""
    rules: list[PlainRule] = []
    for selectors, body in _style_rules(_COMMENT.sub("", css)):
        order = len(rules)  # every selector of one rule shares its place in the source
        normal, important = _declarations(body)
        for selector in selectors.split(","):
            parsed = _inlinable(selector.strip())
            if parsed is None:
                continue
            xpath = cssselect.GenericTranslator().selector_to_xpath(parsed)
            for flag, decls in ((False, normal), (True, important)):
                if decls:
                    rules.append(PlainRule(xpath, parsed.specificity(), order, flag, decls))
    return rules


def _style_rules(css: str) -> list[tuple[str, str]]:
    """(selector text, declaration block) of every style rule, ``@media`` opened."""
    found: list[tuple[str, str]] = []
    for head, body in _blocks(css):
        head = head.rpartition(";")[2].strip()  # drop @charset/@import statements before it
        if head.startswith("@media"):
            media = {m.strip().lower() for m in head[len("@media"):].split(",")}
            if media & {"all", "handheld"}:
                found += _style_rules(body)
        elif not head.startswith("@"):
            found.append((head, body))
    return found


def _blocks(css: str) -> list[tuple[str, str]]:
    """Top-level ``head { body }`` pairs, counting braces."""
    blocks: list[tuple[str, str]] = []
    depth, head_start, body_start = 0, 0, 0
    for position, char in enumerate(css):
        if char == "{":
            if depth == 0:
                body_start = position + 1
            depth += 1
        elif char == "}" and depth > 0:
            depth -= 1
            if depth == 0:
                blocks.append((css[head_start:body_start - 1], css[body_start:position]))
                head_start = position + 1
    return blocks


def _declarations(body: str) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """(normal, important) declarations of a block, in order."""
    normal, important = [], []
    for name, value in _pairs(body):
        bare = re.sub(r"\s*!\s*important\s*$", "", value, flags=re.I)
        (important if bare != value else normal).append((name, bare))
    return tuple(normal), tuple(important)


def _inlinable(selector: str) -> cssselect.Selector | None:
    """The parsed selector if it uses only what inline styles can express, else None."""
    try:
        parsed = cssselect.parse(selector)
    except cssselect.SelectorSyntaxError:
        return None
    if len(parsed) != 1 or parsed[0].pseudo_element is not None:
        return None
    return parsed[0] if _simple(parsed[0].parsed_tree) else None


def _simple(tree: object) -> bool:
    if isinstance(tree, CombinedSelector):
        return tree.combinator == " " and _simple(tree.selector) and _simple(tree.subselector)
    if isinstance(tree, Class | Hash):
        return _simple(tree.selector)
    return isinstance(tree, Element) and tree.namespace is None


# --- the page -------------------------------------------------------------------------


def parse_page(text: str) -> etree._Element:
    """An XHTML page as a tree without namespaces (cssselect's XPath names bare tags)."""
    root = etree.fromstring(_XML_DECLARATION.sub("", text))
    for element in root.iter(etree.Element):
        element.tag = etree.QName(element).localname
    etree.cleanup_namespaces(root)
    return root


def parse_style(text: str) -> Style:
    """The declarations of a ``style`` attribute, later ones winning."""
    return dict(_pairs(text))


def _pairs(text: str) -> list[tuple[str, str]]:
    pairs = []
    for chunk in text.split(";"):
        name, colon, value = chunk.partition(":")
        if colon and name.strip():
            pairs.append((name.strip().lower(), value.strip()))
    return pairs


def expected_styles(root: etree._Element, rules: list[PlainRule]) -> dict[str, Style]:
    """Every element's style after the cascade, by its path in *root*."""
    tree = root.getroottree()
    matched: dict[str, list[PlainRule]] = {}
    for rule in rules:
        for element in root.xpath(rule.xpath):
            matched.setdefault(tree.getpath(element), []).append(rule)
    styles: dict[str, Style] = {}
    for element in root.iter(etree.Element):
        path = tree.getpath(element)
        own = parse_style(element.get("style", ""))
        styles[path] = cascade(matched.get(path, []), own)
    return styles


def cascade(rules: list[PlainRule], own: Style) -> Style:
    """Normal declarations by (specificity, order), then the element's own, then the
    ``!important`` ones by (specificity, order): the last value of a property wins."""
    ranked = sorted(rules, key=lambda r: (r.important, r.specificity, r.order))
    style: Style = {}
    for rule in (r for r in ranked if not r.important):
        style.update(rule.declarations)
    style.update(own)
    for rule in (r for r in ranked if r.important):
        style.update(rule.declarations)
    return {name: canonical_value(value) for name, value in style.items()}


def canonical_value(value: str) -> str:
    """*value* lower-cased, blanks collapsed, ``#abc`` written ``#aabbcc``."""
    value = " ".join(value.lower().split())
    return _SHORT_HEX.sub(lambda m: "#" + "".join(c * 2 for c in m.groups()), value)
