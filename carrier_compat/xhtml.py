"""XHTML Mobile Profile 1.0 response helpers.

Templates for handsets start with :func:`xhtml_prolog` and put :func:`meta_charset`
into ``<head>``; :class:`carrier_compat.flask.KeitaiLayer` then makes the HTTP
``Content-Type`` header say the same thing (:func:`content_type_header`). All three
use ``carrier.charset`` so the label can never disagree between header and document.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from markupsafe import Markup, escape

XHTML_MP_PUBLIC_ID = "-//WAPFORUM//DTD XHTML Mobile 1.0//EN"
XHTML_MP_SYSTEM_ID = "http://www.wapforum.org/DTD/xhtml-mobile10.dtd"
XHTML_MP_DOCTYPE = f'<!DOCTYPE html PUBLIC "{XHTML_MP_PUBLIC_ID}" "{XHTML_MP_SYSTEM_ID}">'
XHTML_NAMESPACE = "http://www.w3.org/1999/xhtml"

# Labels a handset may be told, mapped to the Python codec that really produces them.
# Shift_JIS is always CP932 on the wire (～ ∥ － ① 髙 must survive), never 'shift_jis'.
CHARSET_CODECS = {
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "windows-31j": "cp932",
    "cp932": "cp932",
    "utf-8": "utf-8",
    "utf8": "utf-8",
}

_XML_DECL_ENCODING = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")


class _HasCharset(Protocol):
    charset: str
    content_type: str


def codec_for_label(label: str) -> str:
    """Python codec for a declared charset label (``'Shift_JIS'`` -> ``'cp932'``).

    :raise LookupError: for a label this package never declares.
    """
    try:
        return CHARSET_CODECS[label.strip().lower()]
    except KeyError:
        raise LookupError(f"unsupported charset label {label!r}") from None


def xml_declaration(carrier: _HasCharset) -> Markup:
    """``<?xml version="1.0" encoding="<label>"?>`` for the carrier's charset label."""
    return Markup('<?xml version="1.0" encoding="%s"?>') % carrier.charset


def xhtml_prolog(carrier: _HasCharset) -> Markup:
    """XML declaration plus the XHTML-MP 1.0 DOCTYPE, one per line."""
    return xml_declaration(carrier) + Markup("\n" + XHTML_MP_DOCTYPE)


def meta_charset(carrier: _HasCharset) -> Markup:
    """The ``<meta http-equiv="Content-Type">`` tag naming the same type and label."""
    return Markup('<meta http-equiv="Content-Type" content="%s" />') % content_type_header(carrier)


def content_type_header(carrier: _HasCharset) -> str:
    """Value of the HTTP ``Content-Type`` header, e.g. ``text/html; charset=Shift_JIS``."""
    return f"{carrier.content_type}; charset={carrier.charset}"


def declared_encoding(page: bytes) -> str | None:
    """The ``encoding`` label of the XML declaration at the start of *page*, if any."""
    match = _XML_DECL_ENCODING.match(page)
    return match.group(1).decode("ascii") if match else None


def error_page(carrier: _HasCharset, title: str, message: str) -> str:
    """A minimal complete XHTML-MP page (as ``str``) for error responses such as 400."""
    parts: list[Any] = [
        xhtml_prolog(carrier),
        Markup('\n<html xmlns="%s">\n<head>\n') % XHTML_NAMESPACE,
        meta_charset(carrier),
        Markup("\n<title>%s</title>\n</head>\n<body>\n<h1>%s</h1>\n<p>%s</p>\n</body>\n</html>\n")
        % (title, title, message),
    ]
    return str(Markup("").join(escape(p) for p in parts))
