"""Downscaling of デコメール images with Pillow, keeping format and animation."""

from __future__ import annotations

import io

from PIL import Image, ImageSequence, UnidentifiedImageError

__all__ = ["image_size", "shrink_image"]

MIN_SIDE = 16  # below this a handset shows a smudge, not a picture


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of an image, or None when Pillow cannot read it."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            return im.size
    except (UnidentifiedImageError, OSError):
        return None


def _scaled(size: tuple[int, int], factor: float) -> tuple[int, int] | None:
    width, height = (max(1, round(side * factor)) for side in size)
    if min(width, height) < MIN_SIDE:
        return None
    return width, height


def _save_gif(im: Image.Image, size: tuple[int, int], out: io.BytesIO) -> None:
    # NEAREST keeps palette indices valid, so transparency survives the resize.
    frames = [frame.copy().resize(size, Image.Resampling.NEAREST)
              for frame in ImageSequence.Iterator(im)]
    options = {k: im.info[k] for k in ("transparency", "loop", "duration") if k in im.info}
    if len(frames) > 1:
        options["duration"] = [f.info.get("duration", 100) for f in ImageSequence.Iterator(im)]
        options.setdefault("loop", 0)
        frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], disposal=2,
                       **options)
    else:
        frames[0].save(out, "GIF", **options)


def shrink_image(data: bytes, factor: float = 0.75) -> bytes | None:
    """``data`` scaled by ``factor`` in the same format, or None when it cannot shrink.

    None when Pillow cannot read the image or a side would drop below
    ``MIN_SIDE`` pixels. JPEG stays baseline (old handsets cannot show
    progressive JPEG); PNG is re-saved optimized; GIF keeps all frames.
    """
    try:
        with Image.open(io.BytesIO(data)) as im:
            size = _scaled(im.size, factor)
            if size is None:
                return None
            out = io.BytesIO()
            if im.format == "GIF":
                _save_gif(im, size, out)
            elif im.format == "JPEG":
                rgb = im.convert("RGB").resize(size, Image.Resampling.LANCZOS)
                rgb.save(out, "JPEG", quality=80, progressive=False)
            elif im.format == "PNG":
                im.resize(size, Image.Resampling.LANCZOS).save(out, "PNG", optimize=True)
            else:
                return None
            return out.getvalue()
    except (UnidentifiedImageError, OSError):
        return None
