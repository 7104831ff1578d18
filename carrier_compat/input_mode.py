"""Input-mode hints and accesskey links for handset templates.

The carrier-proprietary attributes (docomo/WILLCOM ``istyle``, au ``format``, SoftBank
``mode``, docomo ``utn``) are not in the XHTML-MP DTD. They are emitted only here and
listed once in :data:`CARRIER_ONLY_ATTRIBUTES`, which the DTD test helper strips before
validating. The WAP CSS ``-wap-input-format`` property is DTD-valid (it lives in ``style``).
"""

from __future__ import annotations

from typing import Literal, Protocol

from markupsafe import Markup

CARRIER_ONLY_ATTRIBUTES: tuple[str, ...] = ("istyle", "format", "mode", "utn")

InputKind = Literal["hiragana", "katakana", "alphabet", "numeric"]
INPUT_KINDS: tuple[str, ...] = ("hiragana", "katakana", "alphabet", "numeric")

# docomo: istyle 1 全角かな, 2 半角カナ, 3 英字, 4 数字 (i-mode 1.0), and the WAP CSS
# -wap-input-format that i-mode browser 2.0 reads instead.
_ISTYLE = {"hiragana": "1", "katakana": "2", "alphabet": "3", "numeric": "4"}
_WAP_INPUT_FORMAT = {
    "hiragana": "*<ja:h>",
    "katakana": "*<ja:hk>",
    "alphabet": "*<ja:en>",
    "numeric": "*<ja:n>",
}
# au (WAP 1 format masks): M = kana/kanji first, m = lower-case alphabet first,
# N = digits only. au has no katakana-first mask; *M leaves kana one key away.
_AU_FORMAT = {"hiragana": "*M", "katakana": "*M", "alphabet": "*m", "numeric": "*N"}
# SoftBank takes the kind names as they are.
_SOFTBANK_MODE = {kind: kind for kind in INPUT_KINDS}

# Keycap emoji for 0-9 (standard Unicode; the output encoder maps them to carrier
# emoji, which every keitai carrier has for the digit keys).
_KEYCAPS = {str(d): f"{d}\u20e3" for d in range(10)}
_KEYCAPS["#"] = "#\u20e3"


class _Named(Protocol):
    name: str


def input_mode(carrier: _Named, kind: str) -> Markup:
    """Attributes (leading space included) that open the handset's keypad in *kind*.

    Returns an empty Markup for smartphones and PCs. Use inside a tag:
    ``<input type="text" name="kana"{{ input_mode('katakana') }} />``.

    :raise ValueError: for a kind outside :data:`INPUT_KINDS`.
    """
    if kind not in INPUT_KINDS:
        raise ValueError(f"unknown input kind {kind!r}; expected one of {INPUT_KINDS}")
    name = carrier.name
    if name == "docomo":
        css = f'-wap-input-format:"{_WAP_INPUT_FORMAT[kind]}"'
        return Markup(' istyle="%s" style="%s"') % (_ISTYLE[kind], css)
    if name == "willcom":
        return Markup(' istyle="%s"') % _ISTYLE[kind]
    if name == "au":
        return Markup(' format="%s"') % _AU_FORMAT[kind]
    if name == "softbank":
        return Markup(' mode="%s"') % _SOFTBANK_MODE[kind]
    return Markup("")


def accesskey_label(key: str, *, emoji: bool = False) -> str:
    """How a key is shown before a link's text: ``[1]`` or the keycap emoji ``1⃣``."""
    if emoji and key in _KEYCAPS:
        return _KEYCAPS[key]
    return f"[{key}]"


def accesskey_link(href: str, label: str, key: str, *, emoji: bool = False) -> Markup:
    """``<a href=... accesskey=...>[key]label</a>``: a link the keypad digit opens.

    *href* and *label* are escaped; *key* must be one keypad character (0-9, ``*``, ``#``).

    :raise ValueError: for any other key.
    """
    if len(key) != 1 or key not in "0123456789*#":
        raise ValueError(f"accesskey must be one keypad character, got {key!r}")
    return Markup('<a href="%s" accesskey="%s">%s%s</a>') % (
        href,
        key,
        accesskey_label(key, emoji=emoji),
        label,
    )
