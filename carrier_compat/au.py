"""au (KDDI) EZweb handsets: `KDDI-SA31 UP.Browser/6.2...` and HDML `UP.Browser/3.04-SN12`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from carrier_compat.base import Carrier, parse_size

_WAP2 = re.compile(r"^KDDI-([A-Za-z0-9]+)\s+UP\.Browser/([\d.]+)")
_HDML = re.compile(r"^UP\.Browser/([\d.]+)-([A-Za-z0-9]+)")

# au handsets send their size in X-UP-DEVCAP-SCREENPIXELS ("240,320"); these are only
# used without it. HDML-era (cdmaOne) displays were far smaller than WAP 2.0 ones.
DEFAULT_PIXELS = (240, 320)
DEFAULT_HDML_PIXELS = (120, 120)

# Page limits when the handset does not send X-UP-DEVCAP-MAX-PDU: KDDI's content guide
# gives about 9 KB for CDMA 1X / cdmaOne WAP pages and 100 KB for CDMA 1X WIN handsets.
# The third character of the device ID tells the generation (1 cdmaOne, 2 1X, 3 WIN).
WIN_PAGE_LIMIT = 100 * 1024
OLD_PAGE_LIMIT = 9 * 1024


class Au(Carrier):
    """An EZweb handset. `model` is the au device ID (e.g. 'SA31', 'SN3F').

    Cookies work except over https: au's gateway does not pass cookies on SSL pages.
    """

    name: ClassVar[str] = "au"
    is_keitai: ClassVar[bool] = True
    emoji_carrier: ClassVar[str | None] = "au"
    subscriber_header: ClassVar[str | None] = "HTTP_X_UP_SUBNO"
    charset = "Shift_JIS"
    codec = "cp932"

    @classmethod
    def matches(cls, environ: Mapping[str, Any]) -> bool:
        ua = str(environ.get("HTTP_USER_AGENT", ""))
        return ua.startswith("KDDI-") or ua.startswith("UP.Browser/")

    def _parse(self) -> None:
        if (wap2 := _WAP2.match(self.user_agent)) is not None:
            self.model, self.browser_version = wap2.group(1), wap2.group(2)
        elif (hdml := _HDML.match(self.user_agent)) is not None:
            self.browser_version, self.model = hdml.group(1), hdml.group(2)
        else:
            self.browser_version = ""
        self.device_id = self.model
        self.is_hdml = self.browser_version.startswith("3.")
        self.is_win = bool(self.model and len(self.model) >= 3 and self.model[2] == "3")
        self.supports_cookie = not self.is_https
        default = DEFAULT_HDML_PIXELS if self.is_hdml else DEFAULT_PIXELS
        pixels = parse_size(self.environ.get("HTTP_X_UP_DEVCAP_SCREENPIXELS"), ",")
        self.screen_width, self.screen_height = pixels or default
        self.page_limit_bytes = self._page_limit()
        self.image_formats = ("PNG",) if self.is_hdml else ("JPEG", "PNG")

    def _page_limit(self) -> int:
        pdu = str(self.environ.get("HTTP_X_UP_DEVCAP_MAX_PDU", "")).strip()
        if pdu.isdigit() and 1024 <= int(pdu) <= 10 * 1024 * 1024:
            return int(pdu)
        return WIN_PAGE_LIMIT if self.is_win else OLD_PAGE_LIMIT
