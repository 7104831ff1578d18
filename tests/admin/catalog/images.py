"""Image files for upload tests, made with Pillow (and one crafted by hand)."""

from __future__ import annotations

import functools
import io
import os
import struct
import zlib

from PIL import Image


def png(width: int = 400, height: int = 300, colour: str = "#3a7") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def gif(width: int = 200, height: int = 200) -> bytes:
    out = io.BytesIO()
    Image.new("P", (width, height), 3).save(out, "GIF")
    return out.getvalue()


def jpeg_with_gps(width: int = 640, height: int = 480) -> bytes:
    """A photo as a phone takes it: EXIF with camera, GPS position and a comment."""
    image = Image.new("RGB", (width, height), "#c36")
    exif = Image.Exif()
    exif[0x010F] = "KtaiCam"  # Make
    exif[0x0110] = "SecretPhone 9"  # Model
    gps = {1: "N", 2: (35.0, 39.0, 29.0), 3: "E", 4: (139.0, 44.0, 28.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), comment=b"taken at home")
    return out.getvalue()


@functools.cache  # 20 MB of noise takes a second to make: once per test session
def huge_png(megabytes: int = 20) -> bytes:
    """A real PNG of random pixels weighing about ``megabytes`` MB (noise does not compress)."""
    side = int((megabytes * 1024 * 1024 / 3) ** 0.5) + 8
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=0)
    return out.getvalue()


def corrupt_png() -> bytes:
    """A PNG cut off in the middle of its pixel data (a broken download)."""
    image = Image.frombytes("RGB", (300, 300), os.urandom(300 * 300 * 3))
    out = io.BytesIO()
    image.save(out, "PNG")
    data = out.getvalue()
    return data[: len(data) // 2]


def bomb_png(side: int = 60_000) -> bytes:
    """A tiny file whose header claims side x side pixels (a decompression bomb)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit greyscale
    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    compressor = zlib.compressobj(9)
    idat = compressor.compress(row * 64) + compressor.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat)
            + chunk(b"IEND", b""))


TEXT_AS_JPEG = "これは画像ではありません。\nただのテキストファイルです。\n".encode()
