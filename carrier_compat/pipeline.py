"""The keitai output pipeline for one HTML page: CSS inline -> encode -> URL parameters.

This is what :mod:`carrier_compat.flask` runs on every HTML response to a keitai
handset, and what ``bench/keitai_pipeline.py`` measures.

How it stays cheap on a page never seen before:

* the stylesheet is compiled once per process (css_inline), each distinct start tag's
  styled form is remembered per stylesheet (css_match), and one regex scan of the page
  both styles tags and finds the ``<a>``/``<form>`` tags; where CSS is inlined, each
  piece of the page between blank lines is remembered styled, marked and encoded in
  its context, so a page that differs from earlier ones in a line (a counter, a token)
  is scanned and encoded only there;
* during that scan internal links get a mark character where the session key and
  ``guid=ON`` belong (urls.LinkMarker, remembered per distinct tag);
* the page is encoded in one pass of the C codec (emoji via a precomputed error
  handler);
* the marks are replaced by the shopper's parameters in the bytes: they are ASCII,
  the same in every charset, so the styled, marked and encoded page is the same for
  every shopper and is remembered (bounded) for a page served again.

A page holding a mark character (never a valid XML page) takes the plain sequence of
steps instead, with the same result.

carrier_compat/README.md is the design note for this pipeline: the steps and why in
this order, every memo table with its key and bound, what a self-contained piece is,
the link-marking invariants, and how to change a regex here safely.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from carrier_compat import css_inline, urls
from carrier_compat.base import Carrier
from carrier_compat.css_match import apply_rules, apply_rules_encoded
from carrier_compat.memo import PageMemo

Params = Sequence[tuple[str, str]]

_marked_pages: PageMemo[tuple[Any, ...], bytes] = PageMemo()
_encoded_pages: PageMemo[tuple[Any, ...], bytes] = PageMemo()


def keitai_page(
    text: str,
    carrier: Carrier,
    params: Params,
    *,
    host: str,
    scheme: str,
    css_dir: str | Path | None,
) -> bytes:
    """*text* (an HTML page) as the bytes to send to *carrier*.

    CSS is inlined when the browser ignores ``<style>``; *params* (session key,
    ``guid=ON``) are added to internal links and GET forms as :func:`urls.rewrite_links`
    does. ``Carrier.encode`` must depend only on the carrier's class, codec and emoji
    set (true for every carrier class in this package).
    """
    inline = not carrier.supports_style_element
    if params and not urls.can_mark(text):
        return _step_by_step(text, carrier, params, host=host, scheme=scheme, css_dir=css_dir)
    names = tuple(name for name, _ in params)
    key = (type(carrier), carrier.codec, carrier.emoji_carrier, inline, css_dir, names, host,
           scheme, text)
    body = _marked_pages.get(key)
    if body is None:
        marker = urls.link_marker(names, host, scheme) if names else None
        body = _styled_marked_encoded(text, carrier, inline, marker, css_dir)
        _marked_pages.put(key, body, len(text))
    return urls.fill_marks(body, params, carrier.codec) if params else body


def _styled_marked_encoded(
    text: str,
    carrier: Carrier,
    inline: bool,
    marker: urls.LinkMarker | None,
    css_dir: str | Path | None,
) -> bytes:
    if inline:
        text, sheet = css_inline.take_stylesheets(text, css_dir=css_dir)
        if sheet is not None:
            marked = urls.LINK_TAGS if marker else ()
            body = apply_rules_encoded(text, sheet, marker, marked, _encoder(carrier))
            if body is not None:
                return body
            return carrier.encode(apply_rules(text, sheet, marker, marked))
    return carrier.encode(urls.mark_links(text, marker) if marker is not None else text)


_encoders: dict[tuple[Any, ...], Callable[[str], bytes]] = {}


def _encoder(carrier: Carrier) -> Callable[[str], bytes]:
    """One ``encode`` per (class, codec, emoji set): the piece memo of css_match keys on
    it. Every carrier class here encodes text cut at a blank line piece by piece (a
    stateless codec; emoji sequences hold no line break), as that memo requires."""
    key = (type(carrier), carrier.codec, carrier.emoji_carrier)
    encode = _encoders.get(key)
    if encode is None:
        encode = _encoders.setdefault(key, carrier.encode)
    return encode


def _step_by_step(
    text: str,
    carrier: Carrier,
    params: Params,
    *,
    host: str,
    scheme: str,
    css_dir: str | Path | None,
) -> bytes:
    if not carrier.supports_style_element:
        text = css_inline.inline_css(text, css_dir=css_dir)
    body = encode_page(text, carrier)
    return urls.rewrite_encoded_links(body, params, host, scheme=scheme, codec=carrier.codec)


def encode_page(text: str, carrier: Carrier) -> bytes:
    """``carrier.encode(text)``, remembered (bounded) for pages served again."""
    key = (type(carrier), carrier.codec, carrier.emoji_carrier, text)
    body = _encoded_pages.get(key)
    if body is None:
        body = carrier.encode(text)
        _encoded_pages.put(key, body, len(text))
    return body
