"""Smartphones (iPhone, Android, ...) and ガラホ, Android-based 4G feature phones.

Both get UTF-8 pages with standard emoji. ガラホ keep the keypad of a feature phone, so
`is_garaho` tells templates to build key-navigable pages (accesskeys, no hover menus),
but for charset, cookies and emoji they are smartphones.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from carrier_compat.base import Carrier

_SMARTPHONE = re.compile(r"iPhone|iPod|iPad|Android|Windows Phone|BlackBerry|BB10")
_ANDROID_MODEL = re.compile(r"Android[^;)]*;(?:\s*[a-z]{2}[-_][a-zA-Z]{2};)?\s*([^;)]+?)"
                            r"(?:\s+Build/[^;)]*)?\s*[;)]")
_IOS_DEVICE = re.compile(r"\((iPhone|iPod|iPad)")

# ガラホ model codes. Each carrier's 4G feature phones carry their model number in the
# Android UA ("...; KYF31 Build/..."); these are the marker families:
# au KYF3x/KYF4x (KYOCERA GRATINA, MARVERA, TORQUE X01), SHF3x (SHARP AQUOS K),
# KYX31 (INFOBAR xv); docomo SH-01J/SH-02K/SH-02L/SH-03L (AQUOS ケータイ), P-01J,
# F-02L/F-03L (FCNT arrows ケータイ / らくらくホン), KY-42C; SoftBank/Y!mobile 501KC,
# 601SH, 602SH, 701KC, 806SH (DIGNO ケータイ / AQUOS ケータイ).
GARAHO_MODEL = re.compile(
    r"^(?:KYF[34]\d|SHF3\d|KYX31|SH-0[1-3][J-M]|P-01J|F-0[1-3]L|KY-4[2-4]C"
    r"|50[1-2]KC|60[1-2]SH|70[1-5]KC|80[56]SH)$"
)
DEFAULT_PIXELS = (360, 640)          # CSS pixels of a typical phone viewport
GARAHO_PIXELS = (480, 854)           # 3.4-inch FWVGA panel of most ガラホ
PAGE_LIMIT = 10 * 1024 * 1024


class Smartphone(Carrier):
    """A smartphone or ガラホ (`is_garaho`). `model` is the Android model code or the
    iOS device family ('iPhone', 'iPad', 'iPod')."""

    name: ClassVar[str] = "smartphone"

    @classmethod
    def matches(cls, environ: Mapping[str, Any]) -> bool:
        return _SMARTPHONE.search(str(environ.get("HTTP_USER_AGENT", ""))) is not None

    def _parse(self) -> None:
        self.model = self._model()
        self.is_garaho = bool(self.model and GARAHO_MODEL.match(self.model))
        self.screen_width, self.screen_height = (
            GARAHO_PIXELS if self.is_garaho else DEFAULT_PIXELS)
        self.page_limit_bytes = PAGE_LIMIT
        self.image_formats = ("JPEG", "PNG", "GIF")

    def _model(self) -> str | None:
        if (ios := _IOS_DEVICE.search(self.user_agent)) is not None:
            return ios.group(1)
        if (android := _ANDROID_MODEL.search(self.user_agent)) is not None:
            return android.group(1).strip() or None
        return None
