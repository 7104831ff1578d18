"""Product images scaled to the handset: width, format, byte budget and the disk cache."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from PIL import Image

from carrier_compat import detect
from carrier_compat.images import image_budget, scaled_image
from tests.carrier_compat.conftest import UA_AU, UA_DOCOMO_1, UA_IPHONE, UA_SOFTBANK

AU_ENV = {"HTTP_X_UP_DEVCAP_SCREENPIXELS": "240,320"}


def _carrier(ua: str, **extra: str):
    return detect({"HTTP_USER_AGENT": ua, "REMOTE_ADDR": "192.0.2.1", **extra})


def _photo(path: Path, size: tuple[int, int], *, noisy: bool = True) -> Path:
    """A photo-like picture: gradients plus noise, which compresses like a real photo."""
    rng = random.Random(7)
    image = Image.new("RGB", size)
    pixels = [
        (
            (x * 255 // size[0] + rng.randint(0, 60 if noisy else 0)) % 256,
            (y * 255 // size[1] + rng.randint(0, 60 if noisy else 0)) % 256,
            (x + y) % 256,
        )
        for y in range(size[1])
        for x in range(size[0])
    ]
    image.putdata(pixels)
    image.save(path, "JPEG", quality=95)
    return path


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    return _photo(tmp_path / "product.jpg", (640, 480))


@pytest.mark.parametrize(("ua", "extra"), [(UA_DOCOMO_1, {}), (UA_AU, AU_ENV), (UA_SOFTBANK, {})])
def test_image_fits_screen_width_format_and_budget(
    photo: Path, tmp_path: Path, ua: str, extra: dict[str, str]
) -> None:
    carrier = _carrier(ua, **extra)
    path, mimetype = scaled_image(photo, carrier, tmp_path / "cache")
    with Image.open(path) as image:
        assert image.width <= carrier.screen_width
        assert image.format in carrier.image_formats
        assert mimetype == Image.MIME[image.format]
        # Aspect ratio kept (within a pixel of rounding).
        assert abs(image.height - round(image.width * 480 / 640)) <= 1
    assert path.stat().st_size <= image_budget(carrier)


def test_old_docomo_gets_gif_first(tmp_path: Path) -> None:
    carrier = _carrier(UA_DOCOMO_1)
    assert carrier.image_formats[0] == "GIF"
    source = _photo(tmp_path / "flat.jpg", (300, 200), noisy=False)
    path, mimetype = scaled_image(source, carrier, tmp_path / "cache")
    assert mimetype == "image/gif"
    with Image.open(path) as image:
        assert image.format == "GIF"
        assert image.width == carrier.screen_width


def test_small_images_are_never_upscaled(tmp_path: Path) -> None:
    source = _photo(tmp_path / "icon.jpg", (60, 40))
    path, _ = scaled_image(source, _carrier(UA_IPHONE), tmp_path / "cache")
    with Image.open(path) as image:
        assert image.size == (60, 40)


def test_tight_budget_shrinks_the_image_further(tmp_path: Path) -> None:
    carrier = _carrier("DoCoMo/1.0/P502i/c10")  # a 10 KB mova page
    source = _photo(tmp_path / "big.jpg", (800, 800))
    path, _ = scaled_image(source, carrier, tmp_path / "cache")
    assert path.stat().st_size <= image_budget(carrier)
    with Image.open(path) as image:
        assert image.width <= carrier.screen_width


def test_cached_file_is_reused_until_the_source_changes(photo: Path, tmp_path: Path) -> None:
    carrier = _carrier(UA_SOFTBANK)
    cache = tmp_path / "cache"
    first, _ = scaled_image(photo, carrier, cache)
    written = first.stat().st_mtime_ns
    second, _ = scaled_image(photo, carrier, cache)
    assert second == first and second.stat().st_mtime_ns == written
    assert [p.name for p in cache.iterdir()] == [first.name]
    # A new upload (new mtime and size) gets a new scaled file.
    _photo(photo, (500, 500))
    os.utime(photo, ns=(written + 10**9, written + 10**9))
    third, _ = scaled_image(photo, carrier, cache)
    assert third != first
    with Image.open(third) as image:
        assert image.width == image.height


def test_each_carrier_target_has_its_own_cached_file(photo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    old_docomo, smartphone = _carrier(UA_DOCOMO_1), _carrier(UA_IPHONE)
    docomo_path, docomo_type = scaled_image(photo, old_docomo, cache)
    iphone_path, iphone_type = scaled_image(photo, smartphone, cache)
    assert docomo_path != iphone_path
    assert (docomo_type, iphone_type) == ("image/gif", "image/jpeg")
    with Image.open(iphone_path) as image:
        assert image.width == min(640, smartphone.screen_width)
