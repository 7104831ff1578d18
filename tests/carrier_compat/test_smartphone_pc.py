"""Smartphones, ガラホ and PCs: UTF-8 and standard emoji, never a subscriber ID."""

from __future__ import annotations

import pytest

from carrier_compat import DecodeError, Pc, Smartphone, detect
from tests.carrier_compat.user_agents import PC, SMARTPHONE, Case


@pytest.mark.parametrize("case", SMARTPHONE + PC, ids=str)
def test_real_user_agents(case: Case) -> None:
    carrier = detect(case.environ())
    assert isinstance(carrier, Smartphone if case.name == "smartphone" else Pc)
    assert (carrier.name, carrier.model) == (case.name, case.model)
    assert carrier.is_garaho is case.garaho
    assert carrier.supports_cookie is True
    assert (carrier.screen_width, carrier.screen_height) == case.screen
    assert (carrier.charset, carrier.codec) == ("UTF-8", "utf-8")
    assert carrier.is_keitai is False and carrier.emoji_carrier is None


@pytest.mark.parametrize("case", [c for c in SMARTPHONE if c.garaho], ids=str)
def test_garaho_are_smartphones_flagged_for_key_navigation(case: Case) -> None:
    carrier = detect(case.environ())
    assert carrier.name == "smartphone" and carrier.is_garaho


def test_standard_emoji_pass_through_unchanged() -> None:
    for ua in (SMARTPHONE[0].ua, PC[0].ua):
        carrier = detect({"HTTP_USER_AGENT": ua})
        text = "晴れ☀️ 🇯🇵 ～∥－①髙 🥑"
        assert carrier.encode(text) == text.encode("utf-8")
        assert carrier.decode(text.encode("utf-8")) == text


def test_invalid_utf8_raises_decode_error() -> None:
    with pytest.raises(DecodeError):
        detect({"HTTP_USER_AGENT": PC[0].ua}).decode(b"caf\xe9")


def test_missing_user_agent_is_a_pc() -> None:
    assert detect({}).name == "pc"
