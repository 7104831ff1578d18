"""WILLCOM (formerly DDI Pocket) PHS handsets: `Mozilla/3.0(WILLCOM;KYOCERA/WX310K/...)`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from carrier_compat.base import Carrier

_UA = re.compile(r"^Mozilla/3\.0\((?:WILLCOM|DDIPOCKET);([^/;)]+)/([^/;)]+)")
_CACHE = re.compile(r"/[cC](\d+)\)")

# WILLCOM browsers (NetFront, Opera) state their cache in the UA ("/C100" = 100 KB) like
# docomo; 100 KB is the common value for AIR-EDGE handsets that omit it. The display
# size is not sent; WILLCOM's own lineup specs list 240x320 for nearly every model.
DEFAULT_CACHE_KB = 100
DEFAULT_PIXELS = (240, 320)


class Willcom(Carrier):
    """A WILLCOM handset. Shift_JIS pages; emoji sent in docomo's codes, which WILLCOM
    handsets display (their emoji set was made compatible with i-mode's)."""

    name: ClassVar[str] = "willcom"
    is_keitai: ClassVar[bool] = True
    emoji_carrier: ClassVar[str | None] = "docomo"
    charset = "Shift_JIS"
    codec = "cp932"

    @classmethod
    def matches(cls, environ: Mapping[str, Any]) -> bool:
        return _UA.match(str(environ.get("HTTP_USER_AGENT", ""))) is not None

    def _parse(self) -> None:
        found = _UA.match(self.user_agent)
        self.vendor = found.group(1) if found else None
        # "AH-J3001V,AH-J3002V": one UA for two models; the first names it.
        self.model = found.group(2).split(",")[0] if found else None
        cache = _CACHE.search(self.user_agent)
        self.page_limit_bytes = (int(cache.group(1)) if cache else DEFAULT_CACHE_KB) * 1024
        self.screen_width, self.screen_height = DEFAULT_PIXELS
        self.image_formats = ("JPEG", "GIF", "PNG")
