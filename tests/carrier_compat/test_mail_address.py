"""Handset mail addresses: carrier by domain, docomo's non-RFC local parts."""

from __future__ import annotations

import pytest

from carrier_compat.address import (
    carrier_for_address,
    envelope_address,
    header_address,
    is_valid_address,
)
from carrier_compat.errors import HeaderInjection
from carrier_compat.mail import build_text_mail, smtp_envelope
from tests.carrier_compat.mail_support import parse, running_sink, send_over_smtp


@pytest.mark.parametrize(("address", "carrier"), [
    ("taro@docomo.ne.jp", "docomo"),
    ("Taro@DoCoMo.NE.JP", "docomo"),
    ("hanako@ezweb.ne.jp", "au"),
    ("hanako@au.com", "au"),
    ("old@ab.ezweb.ne.jp", "au"),
    ("jiro@softbank.ne.jp", "softbank"),
    ("jiro@t.vodafone.ne.jp", "softbank"),
    ("jiro@q.vodafone.ne.jp", "softbank"),
    ("minnie@disney.ne.jp", "softbank"),
    ("iphone.user@i.softbank.jp", "smartphone"),
    ("someone@gmail.com", "pc"),
    ("x@a.vodafone.ne.jp", "pc"),  # no such Vodafone region letter
    ("x@docomo.ne.jp.example.com", "pc"),
    ("x@notdocomo.ne.jp", "pc"),
    ("not an address", "pc"),
])
def test_carrier_is_chosen_by_domain(address, carrier):
    assert carrier_for_address(address) == carrier


@pytest.mark.parametrize("address", [
    "a..b.@docomo.ne.jp", ".abc@docomo.ne.jp", "abc.@docomo.ne.jp", "a...b@docomo.ne.jp",
    "x..y@ezweb.ne.jp", "normal.user+tag@example.com", "o'brien@example.co.uk",
])
def test_valid_addresses(address):
    assert is_valid_address(address)


@pytest.mark.parametrize("address", [
    "a..b.@example.com",  # docomo's forms only on carrier domains
    ".abc@gmail.com",
    "a b@docomo.ne.jp",
    "abc@docomo.ne.jp\r\nBcc: victim@example.com",
    "abc\n@docomo.ne.jp",
    "abc@docomo.ne.jp ",
    "abc@",
    "@docomo.ne.jp",
    "abc",
    "abc@docomo",
    "abc@-docomo.ne.jp",
    "abc@docomo..ne.jp",
    "abc@docomo.ne.j",
    "ａｂｃ@docomo.ne.jp",
    "a@b@docomo.ne.jp",
    "x" * 65 + "@docomo.ne.jp",
    "",
])
def test_invalid_addresses(address):
    assert not is_valid_address(address)


def test_non_rfc_local_parts_are_quoted_for_headers_and_smtp():
    assert header_address("a..b.@docomo.ne.jp") == '"a..b."@docomo.ne.jp'
    assert header_address(".abc@docomo.ne.jp") == '".abc"@docomo.ne.jp'
    assert header_address("taro@docomo.ne.jp") == "taro@docomo.ne.jp"
    assert envelope_address("a..b.@docomo.ne.jp") == '"a..b."@docomo.ne.jp'
    with pytest.raises(ValueError):
        header_address("a..b.@example.com")


def test_non_rfc_address_is_one_mailbox_to_the_email_package():
    msg = build_text_mail(to=["a..b.@docomo.ne.jp", ".abc@docomo.ne.jp"],
                          mail_from="shop@example.jp", subject="テスト", body="本文")
    addresses = parse(msg)["To"].addresses
    assert [(a.username, a.domain) for a in addresses] == [
        ("a..b.", "docomo.ne.jp"), (".abc", "docomo.ne.jp")]
    assert parse(msg)["To"].defects == ()
    assert smtp_envelope(msg)[1] == ['"a..b."@docomo.ne.jp', '".abc"@docomo.ne.jp']


def test_display_name_with_non_rfc_address():
    msg = build_text_mail(to="山田 太郎 <a..b.@docomo.ne.jp>", mail_from="shop@example.jp",
                          subject="テスト", body="本文")
    (address,) = parse(msg)["To"].addresses
    assert address.username == "a..b."
    assert address.display_name == "山田 太郎"


def test_address_with_line_break_is_injection_not_just_invalid():
    with pytest.raises(HeaderInjection):
        build_text_mail(to="a@docomo.ne.jp\r\nBcc: victim@example.com",
                        mail_from="shop@example.jp", subject="x", body="x")


@pytest.fixture
def smtp_sink():
    yield from running_sink()


def test_every_docomo_style_address_is_delivered(smtp_sink):
    targets = ["a..b.@docomo.ne.jp", ".abc@docomo.ne.jp", "abc.@docomo.ne.jp"]
    msg = build_text_mail(to=targets, mail_from="shop@example.jp", subject="配送", body="本文")
    send_over_smtp(smtp_sink, msg)
    (mail,) = smtp_sink.wait_for(1)
    assert mail.rcpt_tos == targets
