"""Product images scaled for a handset, cached on disk (Pillow only).

:func:`scaled_image` contract:

* width at most ``carrier.screen_width``, aspect ratio kept, never upscaled;
* format: the first of ``carrier.image_formats`` whose file fits the byte budget
  (for JPEG and WebP after lowering the quality, for every format after shrinking
  further); WebP is for today's browsers (the HTML5 face's ``<picture>``), never a handset;
  if nothing fits even at the smallest size, the smallest file produced is used;
* byte budget: :func:`image_budget` — half the carrier's page limit, because the image
  shares that limit with the page that shows it;
* the result is written once to *cache_dir* under a name derived from the source's
  path, mtime and size and the target (width, formats, budget); later calls return it
  without opening the source. Writes are atomic (temp file + rename).
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

MIMETYPES = {"GIF": "image/gif", "JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"GIF": "gif", "JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
JPEG_QUALITIES = (85, 70, 55, 40, 30)
WEBP_QUALITIES = (70, 55, 45, 35)
SHRINK_STEP = 0.8
MIN_WIDTH = 16
MIN_BUDGET = 2048


def image_budget(carrier: Any) -> int:
    """Largest image file, in bytes, a page for *carrier* should carry."""
    return max(int(carrier.page_limit_bytes) // 2, MIN_BUDGET)


def scaled_image(src_path: str | Path, carrier: Any, cache_dir: str | Path) -> tuple[Path, str]:
    """Path of the image for *carrier* (created on first use) and its mimetype.

    :raise FileNotFoundError: if *src_path* does not exist.
    :raise PIL.UnidentifiedImageError: if it is not an image.
    :raise ValueError: if the carrier lists no format this module can write.
    """
    src = Path(src_path).resolve()
    formats = tuple(f.upper() for f in carrier.image_formats if f.upper() in MIMETYPES)
    if not formats:
        raise ValueError(f"no supported image format in {carrier.image_formats!r}")
    width, budget = int(carrier.screen_width), image_budget(carrier)
    stat = src.stat()
    key = f"{src}|{stat.st_mtime_ns}|{stat.st_size}|{width}|{','.join(formats)}|{budget}"
    stem = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    cache = Path(cache_dir)
    for fmt in formats:
        cached = cache / f"{stem}.{EXTENSIONS[fmt]}"
        if cached.is_file():
            return cached, MIMETYPES[fmt]
    fmt, data = _render(src, width, formats, budget)
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / f"{stem}.{EXTENSIONS[fmt]}"
    write_atomically(target, data)
    return target, MIMETYPES[fmt]


def _render(src: Path, width: int, formats: tuple[str, ...], budget: int) -> tuple[str, bytes]:
    with Image.open(src) as opened:
        opened.seek(0)  # first frame of an animation
        image = ImageOps.exif_transpose(opened).copy()
    target_width = min(width, image.width)
    smallest: tuple[str, bytes] | None = None
    for fmt in formats:
        data = _fit(image, fmt, target_width, budget)
        if len(data) <= budget:
            return fmt, data
        if smallest is None or len(data) < len(smallest[1]):
            smallest = (fmt, data)
    assert smallest is not None
    return smallest


def _fit(image: Image.Image, fmt: str, width: int, budget: int) -> bytes:
    """Encode at *width*, shrinking by SHRINK_STEP until it fits or reaches MIN_WIDTH."""
    while True:
        resized = _resize(image, width)
        qualities = {"JPEG": JPEG_QUALITIES, "WEBP": WEBP_QUALITIES}.get(fmt, (None,))
        for quality in qualities:
            data = _encode(resized, fmt, quality)
            if len(data) <= budget:
                return data
        next_width = int(width * SHRINK_STEP)
        if next_width < MIN_WIDTH or next_width == width:
            return data
        width = next_width


def _resize(image: Image.Image, width: int) -> Image.Image:
    if width >= image.width:
        return image
    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), Image.Resampling.LANCZOS)


def _encode(image: Image.Image, fmt: str, quality: int | None) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        _flatten(image).save(out, "JPEG", quality=quality, optimize=True, progressive=False)
    elif fmt == "WEBP":
        keep = image.mode if image.mode in ("RGB", "RGBA") else "RGBA"
        image.convert(keep).save(out, "WEBP", quality=quality, method=4)
    elif fmt == "GIF":
        # Old handsets show only 256-colour GIFs; quantize keeps the palette adaptive.
        _flatten(image).quantize(colors=256).save(out, "GIF", optimize=True)
    else:
        converted = (
            image if image.mode in ("RGB", "RGBA", "L", "LA", "P") else image.convert("RGBA")
        )
        converted.save(out, "PNG", optimize=True)
    return out.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on a white background (JPEG and GIF here have no alpha)."""
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB") if image.mode != "RGB" else image


def write_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` so a reader sees the old file or the whole new one."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
