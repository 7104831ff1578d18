"""Test helper: validate a page against the XHTML Mobile Profile 1.0 DTD.

``validate_xhtml_mp(page)`` decodes *page* by its XML declaration (``Shift_JIS`` means
CP932), removes exactly the carrier-only attributes listed in
``carrier_compat.input_mode.CARRIER_ONLY_ATTRIBUTES`` (they are not in the DTD), and
validates with lxml against ``../shared/data/xhtml-mobile10-flat.dtd``. Any error raises
``AssertionError`` listing lxml's messages. Without the shared data directory the
calling test is skipped — except under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

import pytest
from lxml import etree

from carrier_compat.input_mode import CARRIER_ONLY_ATTRIBUTES
from carrier_compat.xhtml import XHTML_MP_PUBLIC_ID, codec_for_label, declared_encoding

DTD_PATH = (
    Path(__file__).resolve().parent.parent.parent / "shared" / "data" / ("xhtml-mobile10-flat.dtd")
)
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


@functools.cache
def _dtd() -> etree.DTD:
    with open(DTD_PATH, "rb") as handle:
        return etree.DTD(handle)


def require_dtd() -> etree.DTD:
    """The loaded DTD; skips the test (fails under CI=true) when it is missing."""
    if not DTD_PATH.is_file():
        reason = f"XHTML-MP DTD not found at {DTD_PATH} (../shared/data is absent)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return _dtd()


def _as_text(page: bytes | str) -> str:
    if isinstance(page, str):
        return page
    label = declared_encoding(page)
    if label is None:
        raise AssertionError("page has no XML declaration with an encoding")
    return page.decode(codec_for_label(label))


def validate_xhtml_mp(page: bytes | str) -> None:
    """Raise AssertionError unless *page* is valid XHTML-MP 1.0 (carrier attrs aside)."""
    dtd = require_dtd()
    text = _DECLARATION.sub("", _as_text(page), count=1)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(text.encode("utf-8"), parser)
    except etree.XMLSyntaxError as error:
        raise AssertionError(f"not well-formed XML: {error}") from None
    public_id = root.getroottree().docinfo.public_id
    if public_id != XHTML_MP_PUBLIC_ID:
        raise AssertionError(f"DOCTYPE public id is {public_id!r}, not {XHTML_MP_PUBLIC_ID!r}")
    for element in root.iter(etree.Element):
        for name in CARRIER_ONLY_ATTRIBUTES:
            element.attrib.pop(name, None)
    if not dtd.validate(root):
        errors = "\n".join(str(e) for e in dtd.error_log.filter_from_errors())
        raise AssertionError(f"XHTML-MP DTD errors:\n{errors}")
