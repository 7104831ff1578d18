"""Byte encodings of mail text for each carrier.

Choices follow jpmobile's mail support (``Jpmobile::Mobile::*::MAIL_CHARSET``):

========== ============ ======= ==========================================
carrier    charset      CTE     emoji bytes
========== ============ ======= ==========================================
docomo     Shift_JIS    8bit    docomo Shift_JIS codes F89F-F9FC
au         ISO-2022-JP  7bit    au "mail JIS" codes 7521-7B6D inside ESC $ B
softbank   Shift_JIS    8bit    SoftBank Shift_JIS codes F741-FBFC
smartphone UTF-8        base64  standard Unicode emoji
pc         UTF-8        base64  standard Unicode emoji
========== ============ ======= ==========================================

Shift_JIS here is the CP932 repertoire (NEC row 13 and the IBM extensions),
which is what handsets and Windows read. ISO-2022-JP is encoded the way
Microsoft's CP50221 and the WHATWG Encoding Standard (browsers, Thunderbird)
decode it: JIS X 0208 plus NEC row 13 (0x2D21-) and the NEC-selected IBM
extensions in rows 89-92 (0x7921-0x7C7E), so ``① ㈱ 髙 ～ ∥ －`` arrive readable.
au puts its emoji in rows 85-91 of that same JIS space, so for au the IBM
extension rows are not used; those kanji become their common form (``髙`` -> ``高``)
or ``〓``. A character no profile can carry becomes ``〓`` (U+3013, the
Japanese "geta" placeholder), never ``?`` and never nothing.

That table is the *legacy* profile (``LEGACY``): the 3G-era forms. Each carrier
also has a *standard* profile (``STANDARD``): UTF-8 (base64) with standard
Unicode emoji, as smartphones and 4G feature phones read it - no 3G handset is on
any network any more, and the carriers' servers convert UTF-8 emoji for what
remains. Smartphones and PCs have one form, the same in both profiles. Which
profile a mail goes in is the caller's choice (``profile_for``'s ``mail_profile``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import jaconv

from carrier_compat import emoji as _emoji

__all__ = [
    "LEGACY",
    "MAIL_PROFILES",
    "MAIL_PROFILE_NAMES",
    "STANDARD",
    "STANDARD_PROFILES",
    "MailProfile",
    "encode_mail_text",
    "profile_for",
]

GETA = "\u3013"

# The two mail profiles a sender chooses between, per carrier.
STANDARD = "standard"  # UTF-8, standard Unicode emoji, the smartphone デコメール layout
LEGACY = "legacy"  # the carrier's 3G-era charset, emoji codes and デコメール layout
MAIL_PROFILE_NAMES = (STANDARD, LEGACY)


@dataclass(frozen=True)
class MailProfile:
    """How one carrier's handsets read a text part."""

    carrier: str
    charset: str  # the MIME label written in Content-Type and RFC 2047 words
    body_cte: str  # Content-Transfer-Encoding for text/plain
    emoji: str | None  # which carrier's emoji codes, None for standard Unicode
    legacy: bool = False  # a carrier's 3G-era form (its own デコメール layout too)

    @property
    def name(self) -> str:
        """``LEGACY`` or ``STANDARD``: what ``profile_for``'s ``mail_profile`` gives it."""
        return LEGACY if self.legacy else STANDARD


MAIL_PROFILES: dict[str, MailProfile] = {
    "docomo": MailProfile("docomo", "Shift_JIS", "8bit", "docomo", legacy=True),
    "au": MailProfile("au", "ISO-2022-JP", "7bit", "au", legacy=True),
    "softbank": MailProfile("softbank", "Shift_JIS", "8bit", "softbank", legacy=True),
    "smartphone": MailProfile("smartphone", "UTF-8", "base64", None),
    "pc": MailProfile("pc", "UTF-8", "base64", None),
}
# The carriers' standard profile: what smartphones and ガラホ on their addresses read.
STANDARD_PROFILES: dict[str, MailProfile] = {
    carrier: MailProfile(carrier, "UTF-8", "base64", None)
    for carrier in ("docomo", "au", "softbank")
}
# Legacy PC mail, offered for shops whose customers' clients want it.
ISO2022JP_PC = MailProfile("pc", "ISO-2022-JP", "7bit", None)


def profile_for(carrier: str, charset: str | None = None,
                mail_profile: str = LEGACY) -> MailProfile:
    """The profile for ``carrier`` in ``mail_profile`` (``LEGACY`` or ``STANDARD``).

    ``charset='ISO-2022-JP'`` selects legacy PC mail. Smartphones and PCs have one
    form, whichever ``mail_profile`` is asked for.

    :raise ValueError: for an unknown carrier or profile, or a charset the profile
        cannot take.
    """
    if carrier not in MAIL_PROFILES:
        raise ValueError(f"unknown carrier: {carrier!r}")
    if mail_profile not in MAIL_PROFILE_NAMES:
        raise ValueError(f"unknown mail profile: {mail_profile!r}")
    base = MAIL_PROFILES[carrier]
    if mail_profile == STANDARD:
        base = STANDARD_PROFILES.get(carrier, base)
    if charset is None or charset.upper() == base.charset.upper():
        return base
    if carrier in ("pc", "smartphone") and charset.upper() == "ISO-2022-JP":
        return ISO2022JP_PC
    raise ValueError(f"{carrier} mail cannot be sent as {charset} ({mail_profile})")


# -- emoji: the one place that talks to CC1's emoji module -------------------

def carrier_emoji(text: str, carrier: str) -> str:
    """Standard Unicode emoji -> ``carrier``'s private-use code points."""
    return _emoji.to_carrier(text, carrier)


def _emoji_sjis(ch: str, carrier: str) -> bytes | None:
    return _emoji.sjis_bytes(ch, carrier)


# -- CP932 repertoire ---------------------------------------------------------

# Unicode forms that CP932 spells differently (JIS X 0208 mappings as decoded
# by Python's iso2022_jp / euc_jp, and Mac-style input).
_TO_CP932 = str.maketrans({
    "\u301c": "\uff5e", "\u2016": "\u2225", "\u2212": "\uff0d", "\u00a2": "\uffe0",
    "\u00a3": "\uffe1", "\u00ac": "\uffe2", "\u2014": "\u2015", "\u00a6": "\uffe4",
})
_TO_CP932_CHARS = re.compile("[" + "".join(chr(c) for c in _TO_CP932) + "]")
# All that jaconv.h2z(kana=True) changes (with the voicing marks it joins).
_HALF_WIDTH_KANA = re.compile("[\uff61-\uff9f]")
# IBM-extension kanji that au cannot take (its emoji live in those JIS rows):
# the everyday form a reader recognises. Others fall back to NFKC, then 〓.
_COMMON_FORM = str.maketrans({
    "\u9ad9": "\u9ad8",  # 髙 -> 高
    "\ufa11": "\u5d0e",  # 﨑 -> 崎
    "\u5fb7": "\u5fb3",  # 德 -> 徳
    "\u6ff5": "\u6ff1",  # 濵 -> 濱
    "\u7028": "\u702c",  # 瀨 -> 瀬
    "\u9ed1": "\u9ed2",  # 黑 -> 黒
})


def _ibm_sjis_table() -> dict[str, bytes]:
    """char -> its IBM-extension code (FA40-FC4B), which Windows writes by preference."""
    table: dict[str, bytes] = {}
    for lead in (0xFA, 0xFB, 0xFC):
        for trail in range(0x40, 0xFD):
            code = bytes((lead, trail))
            try:
                table.setdefault(code.decode("cp932"), code)
            except UnicodeDecodeError:
                continue
    return table


_IBM_SJIS = _ibm_sjis_table()


def _cp932(ch: str) -> bytes | None:
    if "\ue000" <= ch <= "\uf8ff":  # user-defined area: meaningless to a handset
        return None
    try:
        return ch.encode("cp932")
    except UnicodeEncodeError:
        return None


def _sjis_to_jis(code: bytes) -> int:
    """Shift_JIS double byte -> JIS row/cell as one int (may exceed 0x7E7E)."""
    s1, s2 = code
    row = (s1 - (0x70 if s1 <= 0x9F else 0xB0)) * 2 - 1
    if s2 >= 0x9F:
        return ((row + 1) << 8) | (s2 - 0x7E)
    return (row << 8) | (s2 - (0x20 if s2 >= 0x80 else 0x1F))


def _au_mail_jis(sjis: bytes) -> int:
    """au emoji Shift_JIS (F340-F7FC) -> au's mail JIS code (7521-7B6D).

    The standard arithmetic gives rows 0x85-0x8E; au folds F3/F4 onto rows
    0x79-0x7C and F6/F7 onto 0x75-0x78 (KDDI's published mail table).
    """
    jis = _sjis_to_jis(sjis)
    row = jis >> 8
    row -= 0x16 if sjis[0] >= 0xF6 else 0x0C
    return (row << 8) | (jis & 0xFF)


def _substitute(ch: str, encode_one) -> bytes:
    """Encode a stand-in for ``ch``: its common form, its NFKC form, else 〓."""
    for candidate in (ch.translate(_COMMON_FORM), unicodedata.normalize("NFKC", ch)):
        if candidate == ch or not candidate:
            continue
        parts = [encode_one(c, substitute=False) for c in candidate]
        if all(p is not None for p in parts):
            return b"".join(parts)  # type: ignore[arg-type]
    return encode_one(GETA, substitute=False)


# -- encoders -----------------------------------------------------------------

def _prepare(text: str, profile: MailProfile) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if profile.emoji:
        text = carrier_emoji(text, profile.emoji)
    if profile.charset == "UTF-8":
        return text
    if _TO_CP932_CHARS.search(text):  # the search runs in C; translate costs per character
        text = text.translate(_TO_CP932)
    if profile.charset == "ISO-2022-JP" and _HALF_WIDTH_KANA.search(text):
        # RFC 1468 has no half-width katakana; handsets show the full-width ones.
        text = jaconv.h2z(text, kana=True, ascii=False, digit=False)
    return text


def _sjis_one(ch: str, profile: MailProfile, *, substitute: bool = True) -> bytes | None:
    if ch < "\x80":
        return ch.encode("ascii")
    if profile.emoji and (code := _emoji_sjis(ch, profile.emoji)):
        return code
    code = _cp932(ch)
    if code is not None and code[0] in (0xED, 0xEE):
        # Python writes the NEC-selected code (ED40-) where Windows writes the
        # IBM-extension one (FA40-); handsets' content came from Windows. SoftBank's
        # emoji occupy lead byte FB, so there the NEC-selected code stays.
        ibm = _IBM_SJIS.get(ch)
        if ibm is not None and not (profile.emoji == "softbank" and ibm[0] == 0xFB):
            code = ibm
    if code is not None:
        return code
    if not substitute:
        return None
    return _substitute(ch, lambda c, substitute: _sjis_one(c, profile, substitute=substitute))


def _jis_one(ch: str, profile: MailProfile, *, substitute: bool = True) -> bytes | None:
    """Two JIS bytes for a non-ASCII ``ch`` (to go inside ``ESC $ B``)."""
    if profile.emoji == "au" and (code := _emoji_sjis(ch, "au")):
        return _au_mail_jis(code).to_bytes(2, "big")
    code = _cp932(ch)  # Python's cp932 yields the NEC-selected form (ED40-) for IBM kanji
    if code is not None and len(code) == 2:
        jis = _sjis_to_jis(code)
        last_row = 0x74 if profile.emoji == "au" else 0x7C  # au emoji use rows 0x75-
        if 0x21 <= jis >> 8 <= last_row:
            return jis.to_bytes(2, "big")
    if not substitute:
        return None
    return _substitute(ch, lambda c, substitute: _jis_one(c, profile, substitute=substitute))


# Per profile: character -> its bytes. A character's bytes never depend on its
# neighbours, and bulk mail encodes the same few hundred characters again and again.
_CHAR_CACHE: dict[tuple[MailProfile, str], dict[str, Any]] = {}
_CHAR_CACHE_LIMIT = 50_000


def _char_cache(profile: MailProfile, kind: str) -> dict[str, Any]:
    cache = _CHAR_CACHE.setdefault((profile, kind), {})
    if len(cache) > _CHAR_CACHE_LIMIT:  # hostile input: stay bounded
        cache.clear()
    return cache


def _encode_sjis(text: str, profile: MailProfile) -> bytes:
    cache = _char_cache(profile, "sjis")
    try:
        return b"".join(map(cache.__getitem__, text))  # every character seen before
    except KeyError:
        pass
    out = []
    for ch in text:
        code = cache.get(ch)
        if code is None:
            code = cache[ch] = _sjis_one(ch, profile)
        out.append(code)
    return b"".join(out)


_RUNS = re.compile("[\x00-\x7f]+|[^\x00-\x7f]+")


def _encode_iso2022jp(text: str, profile: MailProfile) -> bytes:
    """ASCII runs as they are; each other run as ``ESC $ B`` + JIS codes + ``ESC ( B``."""
    cache = _char_cache(profile, "jis")
    out = []
    for run in _RUNS.findall(text):
        if run[0] < "\x80":
            out.append(run.encode("ascii"))
            continue
        for ch in run:
            if ch not in cache:
                cache[ch] = _jis_one(ch, profile)
        out += (b"\x1b$B", *map(cache.__getitem__, run), b"\x1b(B")
    return b"".join(out)


# Characters no step of ``_prepare`` touches except one-to-one (no emoji, no
# half-width kana, no line breaks): printable ASCII, CJK punctuation, kana, unified
# ideographs and full-width forms. (A keycap needs U+20E3, which is not plain.)
_PLAIN_RANGES = ((0x20, 0x7E), (0x3000, 0x302F),
                 (0x3040, 0x30FF), (0x4E00, 0x9FFF), (0xFF01, 0xFF5E))


def _is_plain(ch: str) -> bool:
    code = ord(ch)
    in_range = any(low <= code <= high for low, high in _PLAIN_RANGES)
    return in_range and not _emoji._CANDIDATES.match(ch)  # what emoji conversion touches


def encoded_sizes(text: str, profile: MailProfile) -> list[tuple[int, bool]] | None:
    """Per character of ``text``: (its byte count, inside ``ESC $ B``), or None.

    Defined only when each character encodes on its own - then the size of any
    slice's ``encode_mail_text`` is the sum of its characters' sizes, plus 6 bytes
    per ``ESC $ B ... ESC ( B`` run for ISO-2022-JP. None: ask ``encode_mail_text``.
    Lets header folding find where to break without encoding every prefix.
    """
    cache = _char_cache(profile, "size")
    sizes: list[tuple[int, bool]] = []
    for ch in text:
        size = cache.get(ch)
        if size is None:
            size = cache[ch] = _char_size(ch, profile)
        if not size:
            return None
        sizes.append(size)
    return sizes


def _char_size(ch: str, profile: MailProfile) -> tuple[int, bool] | tuple[()]:
    if not _is_plain(ch):
        return ()
    if profile.charset == "UTF-8":
        return (len(ch.encode("utf-8")), False)
    if profile.charset == "Shift_JIS":
        return (len(_sjis_one(ch.translate(_TO_CP932), profile)), False)  # type: ignore[arg-type]
    if ch < "\x80":
        return (1, False)
    return (len(_jis_one(ch.translate(_TO_CP932), profile)), True)  # type: ignore[arg-type]


def encode_mail_text(text: str, profile: MailProfile) -> bytes:
    """``text`` (Unicode, standard emoji) as the bytes ``profile``'s handsets read.

    Line breaks come out as ``\\n``; the MIME generator turns them into CRLF.
    Never raises for unencodable characters (see the module docstring).
    """
    text = _prepare(text, profile)
    if profile.charset == "UTF-8":
        return text.encode("utf-8")
    if profile.charset == "Shift_JIS":
        return _encode_sjis(text, profile)
    return _encode_iso2022jp(text, profile)
