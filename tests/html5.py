"""The HTML5 face's pages checked as strictly as the keitai pages are against the DTD.

``validate_html5`` parses a page with html5lib's strict WHATWG parser (any parse error
fails: unclosed or misnested elements, bad attributes, stray end tags) and checks what
every page of the face promises: the HTML5 doctype, ``lang="ja"``, ``<meta charset>``
naming UTF-8, unique ids, and a label for every control a shopper fills in.
"""

from __future__ import annotations

import html5lib

FILLED_CONTROLS = ("input", "select", "textarea")
UNLABELLED_TYPES = {"hidden", "submit", "button", "image", "reset"}


def validate_html5(raw: bytes) -> None:
    """Raise AssertionError unless ``raw`` is a well-formed HTML5 page of the face."""
    text = raw.decode("utf-8")
    assert text.startswith("<!DOCTYPE html>\n"), text[:80]
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    try:
        root = parser.parse(text)
    except html5lib.html5parser.ParseError as error:
        line, column = parser.errors[-1][0] if parser.errors else ("?", "?")
        raise AssertionError(f"HTML5 parse error at {line}:{column}: {error}\n{text}") from None
    assert root.get("lang") == "ja", "the page must say lang=\"ja\""
    assert root.find("head/meta[@charset='UTF-8']") is not None, "no <meta charset=\"UTF-8\">"
    ids = [element.get("id") for element in root.iter() if element.get("id")]
    assert len(ids) == len(set(ids)), f"duplicate ids: {sorted(i for i in ids if ids.count(i) > 1)}"
    labelled = {label.get("for") for label in root.iter("label")}
    wrapped = {id(c) for label in root.iter("label") for c in label.iter() if c is not label}
    for control in (e for e in root.iter() if e.tag in FILLED_CONTROLS):
        if control.get("type", "text") in UNLABELLED_TYPES and control.tag == "input":
            continue
        named = control.get("id") in labelled or id(control) in wrapped or control.get("aria-label")
        assert named, f"a {control.tag} named {control.get('name')!r} has no label"
