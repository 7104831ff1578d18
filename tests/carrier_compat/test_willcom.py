"""WILLCOM / DDI Pocket PHS handsets."""

from __future__ import annotations

import pytest

from carrier_compat import Willcom, detect
from tests.carrier_compat.user_agents import WILLCOM, Case


@pytest.mark.parametrize("case", WILLCOM, ids=str)
def test_real_user_agents(case: Case) -> None:
    carrier = detect(case.environ())
    assert isinstance(carrier, Willcom)
    assert (carrier.name, carrier.model) == ("willcom", case.model)
    assert carrier.supports_cookie is case.cookie
    assert (carrier.screen_width, carrier.screen_height) == case.screen
    assert (carrier.charset, carrier.codec) == ("Shift_JIS", "cp932")
    assert carrier.subscriber_id is None


def test_page_limit_from_cache_token() -> None:
    ua = "Mozilla/3.0(WILLCOM;KYOCERA/WX320K/2;2.0.2.11.000000/1/C256) NetFront/3.4"
    assert detect({"HTTP_USER_AGENT": ua}).page_limit_bytes == 256 * 1024


def test_pages_keep_cp932_characters_and_emoji() -> None:
    ua = "Mozilla/3.0(WILLCOM;KYOCERA/WX310K/2;1.2.2.16.000000/0.1/C100) Opera 7.0"
    carrier = detect({"HTTP_USER_AGENT": ua})
    text = "～∥－①髙☀"
    page = carrier.encode(text)
    assert b"?" not in page
    assert carrier.decode(page) == text
