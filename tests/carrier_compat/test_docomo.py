"""docomo i-mode: detection from real UAs, limits by browser generation, Shift_JIS pages."""

from __future__ import annotations

import pytest

from carrier_compat import DecodeError, Docomo, detect
from tests.carrier_compat.user_agents import DOCOMO, Case

CP932_HARD = "～∥－①髙"  # each breaks under Python's 'shift_jis' codec


@pytest.mark.parametrize("case", DOCOMO, ids=str)
def test_real_user_agents(case: Case) -> None:
    carrier = detect(case.environ())
    assert isinstance(carrier, Docomo)
    assert (carrier.name, carrier.model) == ("docomo", case.model)
    assert carrier.supports_cookie is case.cookie
    assert (carrier.screen_width, carrier.screen_height) == case.screen
    assert (carrier.charset, carrier.codec) == ("Shift_JIS", "cp932")
    assert carrier.content_type == "application/xhtml+xml"
    assert carrier.is_keitai and carrier.emoji_carrier == "docomo"
    assert carrier.image_formats[0] == "GIF"


@pytest.mark.parametrize(("ua", "limit", "style"), [
    ("DoCoMo/1.0/D501i", 5 * 1024, False),
    ("DoCoMo/1.0/N503i/c10", 10 * 1024, False),
    ("DoCoMo/2.0 SH902i(c100;TB;W24H12)", 100 * 1024, False),
    ("DoCoMo/2.0 P07A3(c500;TB;W24H15)", 500 * 1024, True),
])
def test_page_limit_and_style_element_follow_browser_generation(
        ua: str, limit: int, style: bool) -> None:
    carrier = detect({"HTTP_USER_AGENT": ua})
    assert carrier.page_limit_bytes == limit
    # i-mode browser 1.0 ignores <style>: the web edge must inline CSS for it
    assert carrier.supports_style_element is style


def test_screen_characters_are_not_taken_for_pixels() -> None:
    carrier = detect({"HTTP_USER_AGENT": "DoCoMo/2.0 P905i(c100;TB;W24H15)"})
    assert carrier.screen_chars == (24, 15)
    assert (carrier.screen_width, carrier.screen_height) == (240, 320)


def test_cp932_characters_survive_the_round_trip() -> None:
    carrier = detect({"HTTP_USER_AGENT": "DoCoMo/2.0 SH902i(c100;TB;W24H12)"})
    data = carrier.encode(CP932_HARD)
    assert data == CP932_HARD.encode("cp932")
    assert carrier.decode(data) == CP932_HARD


def test_emoji_use_docomo_shift_jis_codes() -> None:
    carrier = detect({"HTTP_USER_AGENT": "DoCoMo/2.0 SH902i(c100;TB;W24H12)"})
    assert carrier.encode("晴れ☀") == "晴れ".encode("cp932") + b"\xf8\x9f"
    assert carrier.decode(b"\xf8\x9f\xf8\xa0") == "☀☁"


def test_symbol_docomo_lacks_becomes_text_not_question_mark() -> None:
    carrier = detect({"HTTP_USER_AGENT": "DoCoMo/2.0 SH902i(c100;TB;W24H12)"})
    page = carrier.encode("夕方🌆です")
    assert b"?" not in page
    assert carrier.decode(page) == "夕方[夕焼け]です"


def test_character_outside_cp932_becomes_a_numeric_reference() -> None:
    carrier = detect({"HTTP_USER_AGENT": "DoCoMo/2.0 SH902i(c100;TB;W24H12)"})
    assert carrier.encode("𠮷野家") == b"&#134071;" + "野家".encode("cp932")


def test_undecodable_bytes_raise_decode_error_in_japanese() -> None:
    carrier = detect({"HTTP_USER_AGENT": "DoCoMo/2.0 SH902i(c100;TB;W24H12)"})
    with pytest.raises(DecodeError) as info:
        carrier.decode(b"abc\x81")
    assert isinstance(info.value, ValueError)
    assert "文字" in info.value.message
    assert info.value.position == 3
