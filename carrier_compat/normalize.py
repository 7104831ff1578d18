"""Normalisation of text typed on handsets, applied after decoding form input.

Handsets send half-width katakana freely and different keyboards produce different code
points for the same dash or wave. We store one form: full-width kana, the CP932 forms of
the look-alike punctuation (so the text can always be sent back to a Shift_JIS handset),
and NFC. Not NFKC: that would turn ① into 1 and full-width letters into ASCII.
"""

from __future__ import annotations

import re
import unicodedata

import jaconv

# Unicode forms produced by JIS-based converters -> the CP932 forms (what Python's cp932
# decodes the same Shift_JIS bytes to). Without this, text typed on one device cannot be
# encoded for a docomo/au page or mail.
_VARIANTS = str.maketrans({
    "\u301c": "\uff5e",  # WAVE DASH -> FULLWIDTH TILDE (SJIS 0x8160)
    "\u2212": "\uff0d",  # MINUS SIGN -> FULLWIDTH HYPHEN-MINUS (0x817C)
    "\u2016": "\u2225",  # DOUBLE VERTICAL LINE -> PARALLEL TO (0x8161)
    "\u2014": "\u2015",  # EM DASH -> HORIZONTAL BAR (0x815C)
    "\u00a2": "\uffe0",  # CENT SIGN -> FULLWIDTH CENT SIGN (0x8191)
    "\u00a3": "\uffe1",  # POUND SIGN -> FULLWIDTH POUND SIGN (0x8192)
    "\u00ac": "\uffe2",  # NOT SIGN -> FULLWIDTH NOT SIGN (0x81CA)
})


# NFC would replace these with other code points: CJK compatibility ideographs that CP932
# carries as distinct name characters (e.g. U+FA19 神 of the IBM extension) and the
# ANGSTROM SIGN, whose NFC form (U+00C5) CP932 cannot encode. They are kept as typed.
_NFC_UNSAFE = re.compile("([\u212b\uf900-\ufaff])")


def _nfc_keeping_cp932(text: str) -> str:
    if not _NFC_UNSAFE.search(text):
        return unicodedata.normalize("NFC", text)
    parts = _NFC_UNSAFE.split(text)
    # split() with one capture group alternates text, kept char, text, ...
    return "".join(
        part if index % 2 else unicodedata.normalize("NFC", part)
        for index, part in enumerate(parts)
    )


def normalize_input(text: str) -> str:
    """Half-width kana -> full-width (voiced marks joined: ｶﾞ -> ガ), dash/wave/bar
    variants -> CP932 forms, then NFC (except the characters in _NFC_UNSAFE). ASCII
    letters and digits are left alone.

    Idempotent: normalize_input(normalize_input(s)) == normalize_input(s).
    """
    text = jaconv.h2z(text, kana=True, ascii=False, digit=False)
    text = _nfc_keeping_cp932(text)
    return text.translate(_VARIANTS)


_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));")


def unescape_char_refs(text: str) -> str:
    """``&#128512;`` → 😀: what a browser sends for a character the form's charset lacks.

    A Shift_JIS page cannot carry 😀 or 𠮷, so browsers post them as numeric character
    references; without this they would be stored as the literal text ``&#128512;``.
    References to controls, surrogates or beyond Unicode are left as they are.
    """
    if "&#" not in text:
        return text

    def character(match: re.Match[str]) -> str:
        code = int(match.group(1), 16) if match.group(1) else int(match.group(2))
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF or (code < 0x20 and code not in (9, 10, 13)):
            return match.group(0)
        return chr(code)

    return _CHAR_REF.sub(character, text)
