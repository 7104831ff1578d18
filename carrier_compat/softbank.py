"""SoftBank handsets and their ancestors (jpmobile's shape: Vodafone < Softbank, Jphone).

- SoftBank 3G (`SoftBank/1.0/910T/...`, Motorola `MOT-V980/...`): UTF-8 pages, emoji as
  SoftBank PUA U+E001-E53E.
- Vodafone 3G (`Vodafone/1.0/V903SH/...`): the same platform under the old brand.
- J-PHONE (`J-PHONE/4.3/V602SH/...`): Shift_JIS pages, no cookies, emoji as "webcode"
  escape sequences (ESC $ G ! SI).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from carrier_compat import emoji
from carrier_compat.base import Carrier, parse_size
from carrier_compat.errors import DecodeError

_MODEL = re.compile(r"^(?:SoftBank|Semulator|Vodafone|Vemulator|J-PHONE|J-EMULATOR)/[\d.]+/"
                    r"([^/\s]+)")
_MOTOROLA = re.compile(r"^MOT-([A-Za-z0-9]+)")

# Page limits from SoftBank's (J-PHONE / Vodafone KK) content guides: C2 type
# (J-PHONE/2.0) 6 KB, C3/C4 and packet P type (J-PHONE/3.0, 4.x) 12 KB, W type
# (J-PHONE/5.0) 200 KB, 3GC type (Vodafone and SoftBank 3G) 300 KB.
PAGE_LIMIT_3G = 300 * 1024
JPHONE_PAGE_LIMITS = {"2": 6 * 1024, "3": 12 * 1024, "4": 12 * 1024, "5": 200 * 1024}
DEFAULT_3G_PIXELS = (240, 320)
DEFAULT_JPHONE_PIXELS = (120, 130)

# Webcode: ESC '$' <group> <chars> SI, groups G E F O P Q = PUA rows E0xx..E5xx.
_GROUPS = "GEFOPQ"
_WEBCODE = re.compile("\x1b\\$([GEFOPQ])([\x21-\x7a]+)\x0f")


class Softbank(Carrier):
    """A SoftBank 3G handset. `model` is e.g. '910T'."""

    name: ClassVar[str] = "softbank"
    is_keitai: ClassVar[bool] = True
    emoji_carrier: ClassVar[str | None] = "softbank"
    subscriber_header: ClassVar[str | None] = "HTTP_X_JPHONE_UID"
    prefixes: ClassVar[tuple[str, ...]] = ("SoftBank/", "Semulator/", "MOT-")
    charset = "UTF-8"
    codec = "utf-8"

    @classmethod
    def matches(cls, environ: Mapping[str, Any]) -> bool:
        return str(environ.get("HTTP_USER_AGENT", "")).startswith(cls.prefixes)

    def _parse(self) -> None:
        found = _MODEL.match(self.user_agent) or _MOTOROLA.match(self.user_agent)
        self.model = found.group(1) if found else None
        pixels = parse_size(self.environ.get("HTTP_X_JPHONE_DISPLAY"), "*")
        self.screen_width, self.screen_height = pixels or self._default_pixels()
        self.supports_cookie = True
        self.page_limit_bytes = PAGE_LIMIT_3G
        self.image_formats = ("JPEG", "PNG")

    def _default_pixels(self) -> tuple[int, int]:
        return DEFAULT_3G_PIXELS


class Vodafone(Softbank):
    """A Vodafone-branded 3G handset (2004-2006), e.g. 'V903SH'."""

    prefixes: ClassVar[tuple[str, ...]] = ("Vodafone/", "Vemulator/")


class Jphone(Softbank):
    """A J-PHONE handset (2G): Shift_JIS, webcode emoji, no cookies."""

    prefixes: ClassVar[tuple[str, ...]] = ("J-PHONE/", "J-EMULATOR/")
    charset = "Shift_JIS"
    codec = "cp932"

    def _parse(self) -> None:
        parts = self.user_agent.split("/", 2)
        self.generation = parts[1][:1] if len(parts) > 1 else ""
        super()._parse()
        self.supports_cookie = False
        self.page_limit_bytes = JPHONE_PAGE_LIMITS.get(self.generation, 6 * 1024)
        self.image_formats = ("PNG", "JPEG")

    def _default_pixels(self) -> tuple[int, int]:
        # W type (J-PHONE/5.0) handsets already had QVGA screens.
        return DEFAULT_3G_PIXELS if self.generation == "5" else DEFAULT_JPHONE_PIXELS

    def encode(self, text: str) -> bytes:
        """Shift_JIS page with emoji as webcode sequences."""
        converted = emoji.map_pua(emoji.to_carrier(text, "softbank"), _TO_WEBCODE)
        return converted.encode("cp932", "xmlcharrefreplace")

    def decode(self, data: bytes) -> str:
        """Shift_JIS with webcode emoji -> str with Unicode emoji; DecodeError if invalid."""
        try:
            text = data.decode("cp932")
        except UnicodeDecodeError as exc:
            raise DecodeError(self.charset, exc.start) from exc
        return _WEBCODE.sub(_from_webcode, text)


def _webcode(pua: int) -> str:
    return f"\x1b${_GROUPS[(pua >> 8) & 0xF]}{chr(0x20 + (pua & 0xFF))}\x0f"


_TO_WEBCODE = {cp: _webcode(cp) for cp in emoji.FROM_CARRIER["softbank"]}


def _from_webcode(match: re.Match[str]) -> str:
    row = 0xE000 + (_GROUPS.index(match.group(1)) << 8)
    puas = "".join(chr(row + ord(ch) - 0x20) for ch in match.group(2))
    return "".join(emoji.FROM_CARRIER["softbank"].get(ord(p), emoji.GETA) for p in puas)
