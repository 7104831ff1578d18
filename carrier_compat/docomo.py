"""NTT docomo i-mode handsets (mova `DoCoMo/1.0/...` and FOMA `DoCoMo/2.0 ...`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from carrier_compat.base import Carrier

_MOVA = re.compile(r"^DoCoMo/1\.0/([^/\s]+)((?:/[^/\s]*)*)")
_FOMA = re.compile(r"^DoCoMo/2\.0 (?:MST_v_)?([^(\s]+)(?:\(([^)]*)\))?")
_CACHE = re.compile(r"^c(\d+)$")
_CHARS = re.compile(r"^W(\d+)H(\d+)$")

# Browser area in pixels (width, height) per model, as listed in docomo's published
# handset specifications ("ブラウザ画面サイズ"; compiled e.g. in jpmobile's display table).
# The UA's W..H.. gives characters, not pixels, so it cannot replace this table.
DISPLAY_PIXELS: dict[str, tuple[int, int]] = {
    "F501i": (112, 84), "N501i": (118, 128), "P502i": (96, 117), "D502i": (96, 90),
    "N503i": (118, 128), "F503i": (120, 130), "P503iS": (120, 130), "SO503i": (120, 113),
    "D503i": (132, 126), "N504i": (160, 180), "P504i": (132, 144), "F504i": (132, 136),
    "N505i": (240, 270), "SH505i": (240, 252), "F505i": (240, 268), "P505i": (240, 266),
    "N506i": (240, 295), "D506i": (240, 270), "SO506i": (240, 256), "SH251i": (120, 130),
    "N2001": (118, 128), "N2002": (118, 128), "P2002": (118, 128), "P2101V": (163, 182),
    "T2101V": (176, 144), "N900i": (240, 269), "F900i": (230, 240), "SH900i": (240, 252),
    "N901iS": (240, 270), "P901i": (240, 270), "SH901iS": (240, 252), "D901i": (230, 240),
    "F902i": (230, 240), "N902i": (240, 270), "P902i": (240, 270), "SH902i": (240, 240),
    "D902i": (230, 320), "SH902iS": (240, 240), "N903i": (240, 270), "D903i": (230, 320),
    "F903i": (230, 240), "SO903i": (240, 368), "SH903iTV": (240, 320), "P903iX": (240, 270),
    "N904i": (240, 352), "P904i": (240, 350), "F904i": (240, 352), "SH904i": (240, 320),
    "D904i": (240, 320), "SH700i": (240, 252), "N700i": (240, 270), "SH703i": (240, 240),
    "SH704i": (240, 320), "P703imyu": (240, 270), "N600i": (176, 180),
}
DEFAULT_FOMA_PIXELS = (240, 320)   # typical FOMA browser area since the 904i series
DEFAULT_MOVA_PIXELS = (120, 130)   # common mova 503i-era browser area

# Page size limits. The UA's cache value cN is the browser cache in KB and is what docomo
# documents as the largest page a handset fetches: c10 (mova 502i-505i) 10 KB, c20/c30
# (some 504i/505i), c100 (FOMA, i-mode browser 1.0) 100 KB, c500 (i-mode browser 2.0,
# 2009+) 500 KB. Without the token (501i and other early mova) the limit is 5 KB.
DEFAULT_CACHE_KB = 5
BROWSER2_CACHE_KB = 500


class Docomo(Carrier):
    """An i-mode handset.

    `cache_kb` is the UA's cache size; i-mode browser 2.0 (cache 500) is the first with
    cookies and <style>; older handsets get CSS inlined and the session in the URL.
    `screen_chars` is the (columns, rows) text area from the UA's W..H.. when present.
    """

    name: ClassVar[str] = "docomo"
    is_keitai: ClassVar[bool] = True
    emoji_carrier: ClassVar[str | None] = "docomo"
    subscriber_header: ClassVar[str | None] = "HTTP_X_DCMGUID"
    charset = "Shift_JIS"
    codec = "cp932"
    content_type = "application/xhtml+xml"

    @classmethod
    def matches(cls, environ: Mapping[str, Any]) -> bool:
        return str(environ.get("HTTP_USER_AGENT", "")).startswith("DoCoMo/")

    def _parse(self) -> None:
        tokens = self._ua_tokens()
        self.cache_kb = DEFAULT_CACHE_KB
        self.screen_chars: tuple[int, int] | None = None
        for token in tokens:
            if cache := _CACHE.match(token):
                self.cache_kb = int(cache.group(1))
            elif chars := _CHARS.match(token):
                self.screen_chars = (int(chars.group(1)), int(chars.group(2)))
        self.is_browser2 = self.cache_kb >= BROWSER2_CACHE_KB
        self.supports_cookie = self.is_browser2
        self.supports_style_element = self.is_browser2
        self.page_limit_bytes = self.cache_kb * 1024
        self.image_formats = ("GIF", "JPEG")
        self.screen_width, self.screen_height = self._pixels()

    def _ua_tokens(self) -> list[str]:
        """Set self.model and return the UA's option tokens (cache, TB, W..H.., ...)."""
        self.is_foma = self.user_agent.startswith("DoCoMo/2.0")
        if (mova := _MOVA.match(self.user_agent)) is not None:
            self.model = mova.group(1)
            return [t for t in mova.group(2).split("/") if t]
        if (foma := _FOMA.match(self.user_agent)) is not None:
            self.model = foma.group(1)
            return [t.strip() for t in (foma.group(2) or "").split(";") if t.strip()]
        return []

    def _pixels(self) -> tuple[int, int]:
        if self.model in DISPLAY_PIXELS:
            return DISPLAY_PIXELS[self.model]
        return DEFAULT_FOMA_PIXELS if self.is_foma else DEFAULT_MOVA_PIXELS
