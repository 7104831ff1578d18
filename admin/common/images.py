"""Uploaded images, checked and made safe: the one path for product and newsletter images.

Contract:

* only JPEG, PNG and GIF are accepted, decided by what Pillow finds in the bytes,
  never by the file name or the browser's content type;
* a file over ``max_bytes`` or over :data:`MAX_PIXELS` is refused before its pixels
  are decoded (a decompression bomb never allocates its image);
* the image is decoded whole and written again: EXIF (GPS, camera), comments and any
  other metadata are left out, and a file that is something else as well (a polyglot)
  comes out as only the image;
* :func:`check_upload` raises :class:`ImageRejected` with a Japanese message; the
  caller stores the prepared bytes (``admin.catalog.images.store`` for products, the
  newsletter's row for デコメール images).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 24_000_000  # e.g. 6000 x 4000; far above any product photo
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

    @property
    def mimetype(self) -> str:
        return {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif"}[self.extension]


def check_upload(data: bytes, *, max_bytes: int = MAX_IMAGE_BYTES,
                 max_pixels: int = MAX_PIXELS, animation: bool = False,
                 kinds: str = "JPEG・PNG・GIF") -> PreparedImage:
    """Validate and re-encode an uploaded file, or raise ImageRejected.

    ``animation`` keeps every frame of an animated GIF (デコメール images move);
    otherwise the first frame is kept (handsets show product photos as stills).
    ``kinds`` names the accepted formats in the messages, as the screen lists them.
    """
    if not data:
        raise ImageRejected("ファイルが空です。")
    if len(data) > max_bytes:
        raise ImageRejected(
            f"ファイルが大きすぎます（{len(data) / 1024 / 1024:.1f}MB）。"
            f"{max_bytes // 1024 // 1024}MBまでの画像にしてください。"
        )
    with warnings.catch_warnings():
        # Pillow only warns below twice its own limit; treat that as a bomb too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as opened:
                loaded = _load_checked(opened, max_pixels, kinds)
                frames = _gif_frames(opened) if animation and loaded[1] == "GIF" else []
        except ImageRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ImageRejected("画像の縦横のサイズが大きすぎます。") from error
        except UnidentifiedImageError as error:
            raise ImageRejected(
                f"画像ファイルではありません。{kinds}の画像を選んでください。"
            ) from error
        except (OSError, SyntaxError, ValueError, EOFError) as error:
            raise ImageRejected("画像ファイルが壊れているため読み込めません。") from error
    if len(frames) > 1:
        return _reencode_animation(frames, loaded[0])
    return _reencode(loaded)


def _load_checked(opened: Image.Image, max_pixels: int,
                  kinds: str) -> tuple[Image.Image, str]:
    if opened.format not in FORMATS:
        raise ImageRejected(
            f"{opened.format or '不明'}形式の画像は使えません。{kinds}にしてください。"
        )
    if opened.width * opened.height > max_pixels:
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


MAX_FRAMES = 100


def _gif_frames(opened: Image.Image) -> list[Image.Image]:
    """Every frame of a GIF (decoded, so a broken one fails here), with its duration."""
    frames = []
    for frame in ImageSequence.Iterator(opened):
        if len(frames) >= MAX_FRAMES:
            raise ImageRejected(f"アニメーションのコマ数が多すぎます（{MAX_FRAMES}コマまで）。")
        copy = frame.copy()
        copy.info = {"duration": frame.info.get("duration", 100)}
        frames.append(copy)
    return frames


def _reencode_animation(frames: list[Image.Image], first: Image.Image) -> PreparedImage:
    """An animated GIF written again, frame by frame, without comments or extensions."""
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], loop=0,
                   duration=[f.info["duration"] for f in frames], optimize=False)
    return PreparedImage(out.getvalue(), "gif", first.width, first.height)


