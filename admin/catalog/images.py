"""Product images: checked by content, re-encoded without metadata, stored with a thumbnail.

Contract:

* only JPEG, PNG and GIF are accepted, decided by what Pillow finds in the bytes,
  never by the file name or the browser's content type;
* a file over :data:`MAX_IMAGE_BYTES` or over :data:`MAX_PIXELS` is refused before its
  pixels are decoded (a decompression bomb never allocates its image);
* :func:`check_upload` does all the checking and encoding in memory and raises
  :class:`ImageRejected` with a Japanese message; nothing touches the disk until
  :func:`store` writes the prepared bytes (atomically) under ``IMAGE_DIR``;
* the thumbnail (``IMAGE_DIR/thumbs/<stem>.jpg``) is made once, on first use.
"""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from carrier_compat.images import write_atomically

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 24_000_000  # e.g. 6000 x 4000; far above any product photo
THUMB_SIZE = (120, 120)
FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif"}


class ImageRejected(ValueError):
    """An upload that is not a usable image; ``str(error)`` is the message to show."""


@dataclass(frozen=True)
class PreparedImage:
    """A checked, re-encoded image waiting to be written."""

    data: bytes
    extension: str
    width: int
    height: int


def image_dir() -> Path:
    return Path(current_app.config["IMAGE_DIR"])


def check_upload(data: bytes) -> PreparedImage:
    """Validate and re-encode an uploaded file, or raise ImageRejected."""
    if not data:
        raise ImageRejected("ファイルが空です。")
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRejected(
            f"ファイルが大きすぎます（{len(data) / 1024 / 1024:.1f}MB）。"
            f"{MAX_IMAGE_BYTES // 1024 // 1024}MBまでの画像にしてください。"
        )
    with warnings.catch_warnings():
        # Pillow only warns below twice its own limit; treat that as a bomb too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as opened:
                image = _load_checked(opened)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ImageRejected("画像の縦横のサイズが大きすぎます。") from error
        except UnidentifiedImageError as error:
            raise ImageRejected(
                "画像ファイルではありません。JPEG・PNG・GIFの画像を選んでください。"
            ) from error
        except (OSError, SyntaxError, ValueError, EOFError) as error:
            raise ImageRejected("画像ファイルが壊れているため読み込めません。") from error
    return _reencode(image)


def _load_checked(opened: Image.Image) -> tuple[Image.Image, str]:
    if opened.format not in FORMATS:
        raise ImageRejected(
            f"{opened.format or '不明'}形式の画像は使えません。JPEG・PNG・GIFにしてください。"
        )
    if opened.width * opened.height > MAX_PIXELS:
        raise ImageRejected(
            f"画像の縦横のサイズが大きすぎます（{opened.width}×{opened.height}）。"
        )
    fmt = opened.format
    opened.seek(0)
    opened.load()  # decodes every byte: a truncated or corrupt file fails here
    return ImageOps.exif_transpose(opened), fmt


def _reencode(loaded: tuple[Image.Image, str]) -> PreparedImage:
    """Write the pixels again in the same format; EXIF, GPS and comments are left out."""
    image, fmt = loaded
    image.info = {}
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=90, optimize=True)
    elif fmt == "GIF":
        image.save(out, "GIF", optimize=True)  # first frame: handsets show stills
    else:
        keep = image.mode in ("RGB", "RGBA", "L", "LA", "P", "1")
        (image if keep else image.convert("RGBA")).save(out, "PNG", optimize=True)
    return PreparedImage(out.getvalue(), FORMATS[fmt], image.width, image.height)


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
