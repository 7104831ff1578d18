"""au (KDDI): device IDs, cookies off on https, screen header, au's own emoji codes."""

from __future__ import annotations

import pytest

from carrier_compat import Au, DecodeError, detect
from tests.carrier_compat.user_agents import AU, Case

WIN = "KDDI-SA31 UP.Browser/6.2.0.7.3.129 (GUI) MMP/2.0"


@pytest.mark.parametrize("case", AU, ids=str)
def test_real_user_agents(case: Case) -> None:
    carrier = detect(case.environ())
    assert isinstance(carrier, Au)
    assert (carrier.name, carrier.model) == ("au", case.model)
    assert carrier.supports_cookie is case.cookie
    assert (carrier.screen_width, carrier.screen_height) == case.screen
    assert (carrier.charset, carrier.codec) == ("Shift_JIS", "cp932")
    assert carrier.content_type == "text/html"


@pytest.mark.parametrize("https", [{"wsgi.url_scheme": "https"}, {"HTTPS": "on"}])
def test_no_cookies_over_https(https: dict[str, str]) -> None:
    carrier = detect({"HTTP_USER_AGENT": WIN, **https})
    assert carrier.supports_cookie is False


def test_page_limit_by_generation_and_max_pdu_header() -> None:
    assert detect({"HTTP_USER_AGENT": WIN}).page_limit_bytes == 100 * 1024
    old = detect({"HTTP_USER_AGENT": "KDDI-HI21 UP.Browser/6.0.2.254 (GUI) MMP/1.1"})
    assert old.page_limit_bytes == 9 * 1024
    sent = detect({"HTTP_USER_AGENT": WIN, "HTTP_X_UP_DEVCAP_MAX_PDU": "131072"})
    assert sent.page_limit_bytes == 131072


def test_hdml_browser_is_recognised() -> None:
    carrier = detect({"HTTP_USER_AGENT": "UP.Browser/3.04-SN12 UP.Link/3.4.4"})
    assert carrier.is_hdml and carrier.model == "SN12"


def test_vodafone_with_up_browser_is_not_au() -> None:
    ua = ("Vodafone/1.0/V802N/NJ001/SN123456789012345 Browser/UP.Browser/7.0.2.1.258 "
          "Profile/MIDP-2.0 Configuration/CLDC-1.1")
    assert detect({"HTTP_USER_AGENT": ua}).name == "softbank"


def test_emoji_use_au_codes_not_cp932_user_area() -> None:
    carrier = detect({"HTTP_USER_AGENT": WIN})
    # U+2600 is au Shift_JIS F660 (EmojiSources.txt); docomo's F89F would be wrong here
    assert carrier.encode("☀") == b"\xf6\x60"
    assert carrier.decode(b"\xf6\x60\xf6\x65") == "☀☁"


def test_cp932_characters_survive_the_round_trip() -> None:
    carrier = detect({"HTTP_USER_AGENT": WIN})
    text = "～∥－①髙 ㈱"
    assert carrier.decode(carrier.encode(text)) == text


def test_undecodable_bytes_raise_decode_error() -> None:
    with pytest.raises(DecodeError):
        detect({"HTTP_USER_AGENT": WIN}).decode(b"\x82")
