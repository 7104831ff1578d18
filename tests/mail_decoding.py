"""The receiving side of carrier mail, for tests: decode a text part as a handset does.

The shop only encodes (carrier_compat.mail_codec); these decoders stand in for the
handset so tests can read back what was sent, carrier emoji included. They are written
apart from the encoder (JIS and Shift_JIS arithmetic included) so a mistake in one is
not repeated in the other.
"""

from __future__ import annotations

from carrier_compat import emoji

GETA = "\u3013"  # what a handset shows for an emoji code it does not know
_SJIS_LABELS = ("shift-jis", "sjis", "cp932", "windows-31j")
_ESCAPES = {b"\x1b(B": "ascii", b"\x1b(J": "ascii", b"\x1b$B": "jis", b"\x1b$@": "jis",
            b"\x1b(I": "kana"}


def decode_mail_text(data: bytes, charset: str, carrier: str | None = None) -> str:
    """Decode a received text part as ``carrier``'s handset would, emoji to Unicode.

    ``charset`` is the MIME label (case-insensitive): Shift_JIS, ISO-2022-JP
    (CP50221 repertoire) or UTF-8. Undecodable bytes become U+FFFD; CRLF
    becomes ``\\n``.
    """
    data = data.replace(b"\r\n", b"\n")
    label = charset.lower().replace("_", "-")
    if label in _SJIS_LABELS:
        return _decode_sjis(data, carrier)
    if label == "iso-2022-jp":
        return _decode_iso2022jp(data, carrier)
    text = data.decode(label, "replace")
    return emoji.from_carrier(text, carrier) if carrier in ("docomo", "au", "softbank") else text


def _decode_sjis(data: bytes, carrier: str | None) -> str:
    out: list[str] = []
    i = 0
    while i < len(data):
        b = data[i]
        if b < 0x80 or 0xA1 <= b <= 0xDF:
            out.append(bytes((b,)).decode("cp932"))
            i += 1
            continue
        code = data[i : i + 2]
        i += 2
        pua = emoji.pua_from_sjis(int.from_bytes(code, "big"), carrier) if carrier else None
        out.append(emoji.from_carrier(pua, carrier) if pua and carrier else
                   code.decode("cp932", "replace"))
    return "".join(out)


def _decode_iso2022jp(data: bytes, carrier: str | None) -> str:
    out: list[str] = []
    mode, i = "ascii", 0
    while i < len(data):
        if data[i] == 0x1B and data[i : i + 3] in _ESCAPES:
            mode = _ESCAPES[data[i : i + 3]]
            i += 3
        elif mode == "jis" and data[i] > 0x20:
            if i + 1 >= len(data) or data[i + 1] <= 0x20:
                out.append("\ufffd")
                i += 1
                continue
            out.append(_jis_char(data[i], data[i + 1], carrier))
            i += 2
        elif mode == "kana" and data[i] > 0x20:
            out.append(bytes((data[i] + 0x80,)).decode("cp932"))
            i += 1
        else:
            out.append(chr(data[i]))
            i += 1
    return "".join(out)


def _jis_char(j1: int, j2: int, carrier: str | None) -> str:
    """One JIS double byte: au's mail emoji rows (0x75-0x7B) or CP50221 text."""
    if carrier == "au" and 0x75 <= j1 <= 0x7B:
        # au folds its emoji Shift_JIS rows F6/F7 onto 0x75-0x78 and F3/F4 onto 0x79-0x7C.
        lead_rows = 0x16 if j1 <= 0x78 else 0x0C
        code = int.from_bytes(_jis_to_sjis(j1 + lead_rows, j2), "big")
        pua = emoji.pua_from_sjis(code, "au")
        return emoji.from_carrier(pua, "au") if pua else GETA
    return _jis_to_sjis(j1, j2).decode("cp932", "replace")


def _jis_to_sjis(j1: int, j2: int) -> bytes:
    """JIS row/cell -> the Shift_JIS double byte (rows past 0x7E give the F0+ leads)."""
    s1 = (j1 + 1) // 2 + (0x70 if j1 <= 0x5E else 0xB0)
    s2 = j2 + (0x1F if j2 <= 0x5F else 0x20) if j1 % 2 else j2 + 0x7E
    return bytes((s1, s2))
