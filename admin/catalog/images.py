"""Product images: checked by content, re-encoded without metadata, stored with a thumbnail.

Contract:

* :func:`check_upload` (``admin.common.images``, shared with the newsletters' images)
  does all the checking and encoding in memory and raises :class:`ImageRejected` with
  a Japanese message; nothing touches the disk until :func:`store` writes the prepared
  bytes (atomically) under ``IMAGE_DIR``;
* the thumbnail (``IMAGE_DIR/thumbs/<stem>.jpg``) is made once, on first use.
"""

from __future__ import annotations

import io
import uuid
from pathlib import Path

from flask import current_app
from PIL import Image

from admin.common.images import (  # noqa: F401  (the chapter's names for them)
    MAX_IMAGE_BYTES,
    MAX_PIXELS,
    ImageRejected,
    PreparedImage,
    check_upload,
)
from carrier_compat.images import write_atomically

THUMB_SIZE = (120, 120)


def image_dir() -> Path:
    return Path(current_app.config["IMAGE_DIR"])


def store(prepared: PreparedImage) -> str:
    """Write the image under a fresh random name; returns the name for Product.imageN."""
    directory = image_dir()
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.{prepared.extension}"
    write_atomically(directory / name, prepared.data)
    return name


def discard(name: str | None) -> None:
    """Remove an image and its thumbnail (after the product no longer names it)."""
    if not name or not _safe_name(name):
        return
    (image_dir() / name).unlink(missing_ok=True)
    (image_dir() / "thumbs" / _thumb_name(name)).unlink(missing_ok=True)


def thumbnail_path(name: str) -> Path | None:
    """The thumbnail of a stored image, made on first use; None if there is no image."""
    if not _safe_name(name):
        return None
    source = image_dir() / name
    target = image_dir() / "thumbs" / _thumb_name(name)
    if target.is_file():
        return target
    if not source.is_file():
        return None
    try:
        with Image.open(source) as opened:
            opened.seek(0)
            image = opened.convert("RGBA")
    except (OSError, ValueError, SyntaxError):
        return None
    image.thumbnail(THUMB_SIZE)
    flat = Image.new("RGB", image.size, (255, 255, 255))
    flat.paste(image, mask=image.getchannel("A"))
    out = io.BytesIO()
    flat.save(out, "JPEG", quality=80)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(target, out.getvalue())
    return target


def _thumb_name(name: str) -> str:
    return f"{Path(name).stem}.jpg"


def _safe_name(name: str) -> bool:
    """Only plain file names we could have written (no paths, no dot files)."""
    return bool(name) and "/" not in name and "\\" not in name and not name.startswith(".")
