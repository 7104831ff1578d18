"""A stylesheet compiled for css_match: rules indexed by what their subject needs.

css_inline turns a stylesheet (cssutils) into :class:`Rule` values and files them with
:func:`index_rule`; css_match applies them to pages and keeps what it learns about
the pages' tags in the sheet's memo tables, so the next page costs less.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from carrier_compat.memo import PageMemo, PieceMemo


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
    tag_info: dict[str, TagInfo] = field(default_factory=dict)
    tag_memo: dict[tuple[str, tuple[Rule, ...]], str] = field(default_factory=dict)
    contexts: dict[tuple[TagInfo, ...], str] = field(default_factory=dict)
    split_patterns: dict[tuple[frozenset[str], frozenset[str]], re.Pattern[str]] = field(
        default_factory=dict
    )
    page_memo: PageMemo[str, str] = field(default_factory=PageMemo)
    # Per (tracked names, marked names, marker): pieces of pages, styled in context.
    piece_memos: dict[tuple[object, ...], PieceMemo[Any]] = field(default_factory=dict)
    # Element names tracked as open ancestors: the ancestor compounds' own tag names,
    # plus (learnt page by page, never shrinking) names of elements that carried an
    # ancestor's id or class. Tracking a name too many is harmless.
    stack_names: frozenset[str] | None = None

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

    def subjects(self) -> list[Compound]:
        return (
            [r.subject for r in self.descendant_rules]
            + [
                r.subject
                for rules in (self.by_tag, self.by_class, self.by_id)
                for group in rules.values()
                for r in group
            ]
            + [r.subject for r in self.universal]
        )

    def ancestor_compounds(self) -> set[Compound]:
        return {c for r in self.descendant_rules for c in r.ancestors}

    def is_ancestor(self, tag: str, el_id: str | None, classes: frozenset[str]) -> bool:
        """True if an element like this can be an ancestor some rule looks for."""
        return any(c.matches(tag, el_id, classes) for c in self.ancestor_compounds())


@dataclass(frozen=True, slots=True, eq=False)
class TagInfo:
    """What one distinct start tag is, and its rewrite by the rules without ancestors.

    Hashed by identity: one object per distinct tag text (see CompiledStylesheet.tag_info).
    """

    name: str
    el_id: str | None
    classes: frozenset[str]
    empty: bool
    static: str
    static_rules: tuple[Rule, ...]
    descendant: tuple[Rule, ...]
    ancestor: bool = False


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
