"""Product photos for the HTML5 face: a few scaled widths, WebP or JPEG, for ``srcset``.

The keitai face asks for ``/image/<product>/<n>`` (scaled to the handset's screen) and
``?thumb=1``. The HTML5 face names a width from :data:`PHOTO_WIDTHS` (``?w=480``) and
``fmt=webp`` inside a ``<picture>``, so a browser picks the copy for its layout and pixel
density; any other width is refused (404), so nobody can fill the disk with sizes.
Copies come from the keitai layer's image pipeline and its disk cache.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace

from flask import url_for

PHOTO_WIDTHS = (160, 320, 480, 640, 960)
# A copy of width w may weigh about w*w/4 bytes (480 px: 57 KB), at least MIN_BUDGET.
MIN_BUDGET = 16 * 1024
WEBP = "webp"


class UnknownPhotoSize(ValueError):
    """A width or format the HTML5 face never asks for."""


def photo_url(product_id: int, index: int, width: int, fmt: str = "") -> str:
    return url_for("storefront.product_image", product_id=product_id, index=index, w=width,
                   fmt=fmt or None)


def photo_srcset(product_id: int, index: int = 1, fmt: str = "", up_to: int = 960) -> str:
    """``url 160w, url 320w, …`` of one photo, in ``fmt`` (``webp``) or the default JPEG,
    no wider than ``up_to``.

    Grids stop at 480 px: a phone's half-width column at 3x would pick the 640 px copy,
    and six of those real photos would outweigh the page's budget for little a shopper
    can see at that size.
    """
    return ", ".join(f"{photo_url(product_id, index, w, fmt)} {w}w"
                     for w in PHOTO_WIDTHS if w <= up_to)


def photo_target(args: Mapping[str, str]) -> SimpleNamespace | None:
    """What ``carrier_compat.images.scaled_image`` needs for ``?w=&fmt=``; None without ``w``.

    :raise UnknownPhotoSize: for a width not in ``PHOTO_WIDTHS`` or a format other than webp.
    """
    if "w" not in args:
        return None
    width, fmt = args.get("w", ""), args.get("fmt", "")
    if not width.isdigit() or int(width) not in PHOTO_WIDTHS or fmt not in ("", WEBP):
        raise UnknownPhotoSize(width)
    pixels = int(width)
    return SimpleNamespace(
        screen_width=pixels,
        image_formats=("WEBP",) if fmt == WEBP else ("JPEG",),
        page_limit_bytes=2 * max(pixels * pixels // 4, MIN_BUDGET),
    )
