"""SoftBank, Vodafone and J-PHONE: generations, X-JPHONE-DISPLAY, UTF-8 vs webcode."""

from __future__ import annotations

import pytest

from carrier_compat import DecodeError, Jphone, Softbank, Vodafone, detect
from tests.carrier_compat.user_agents import SOFTBANK, Case

SB = ("SoftBank/1.0/910T/TJ001/SN123456789012345 Browser/NetFront/3.3 Profile/MIDP-2.0 "
      "Configuration/CLDC-1.1")
JPHONE = ("J-PHONE/4.3/V602SH/SNJSHA3029293 SH/0001aa Profile/MIDP-1.0 "
          "Configuration/CLDC-1.0 Ext-Profile/JSCL-1.3.2")


@pytest.mark.parametrize("case", SOFTBANK, ids=str)
def test_real_user_agents(case: Case) -> None:
    carrier = detect(case.environ())
    assert isinstance(carrier, Softbank)
    assert (carrier.name, carrier.model) == ("softbank", case.model)
    assert carrier.supports_cookie is case.cookie
    assert (carrier.screen_width, carrier.screen_height) == case.screen
    assert carrier.charset == case.charset


@pytest.mark.parametrize(("ua", "cls"), [
    (SB, Softbank), (JPHONE, Jphone),
    ("Vodafone/1.0/V903SH/SHJ001/SN1 Browser/UP.Browser/7.0.2.1 Profile/MIDP-2.0", Vodafone),
])
def test_generation_classes(ua: str, cls: type) -> None:
    assert type(detect({"HTTP_USER_AGENT": ua})) is cls


def test_page_limits_by_generation() -> None:
    assert detect({"HTTP_USER_AGENT": SB}).page_limit_bytes == 300 * 1024
    assert detect({"HTTP_USER_AGENT": "J-PHONE/2.0/J-DN02"}).page_limit_bytes == 6 * 1024
    assert detect({"HTTP_USER_AGENT": JPHONE}).page_limit_bytes == 12 * 1024


def test_3g_pages_are_utf8_with_softbank_private_use_emoji() -> None:
    carrier = detect({"HTTP_USER_AGENT": SB})
    assert carrier.encode("晴れ☀") == "晴れ\ue04a".encode()
    assert carrier.decode("雨\ue04b".encode()) == "雨☔"
    assert carrier.decode(carrier.encode("～∥－①髙")) == "～∥－①髙"


def test_3g_rejects_invalid_utf8() -> None:
    with pytest.raises(DecodeError):
        detect({"HTTP_USER_AGENT": SB}).decode(b"\xff\xfe")


def test_jphone_pages_are_shift_jis_with_webcode_emoji() -> None:
    carrier = detect({"HTTP_USER_AGENT": JPHONE})
    page = carrier.encode("晴れ☀")
    assert page == "晴れ".encode("cp932") + b"\x1b$Gj\x0f"
    assert carrier.decode(page) == "晴れ☀"
    assert carrier.decode(b"\x1b$GjB\x0f") == "☀❤"


def test_jphone_rejects_invalid_shift_jis() -> None:
    with pytest.raises(DecodeError):
        detect({"HTTP_USER_AGENT": JPHONE}).decode(b"\x9f")
