"""Mail to PCs and smartphones: UTF-8, standard emoji; legacy ISO-2022-JP on request."""

from __future__ import annotations

import copy
import pickle

import pytest

from carrier_compat.mail import build_text_mail, smtp_envelope
from tests.carrier_compat.mail_support import (
    EXTENDED,
    SHOP,
    header_lines,
    parse,
    running_sink,
    send_over_smtp,
    whatwg_decode,
    wire,
)
from tests.mail_decoding import decode_mail_text

SUSHI = "\U0001f363"


def pc_mail(**overrides):
    fields = {"to": "customer@example.com", "mail_from": SHOP,
              "subject": f"ご注文ありがとうございます{SUSHI}",
              "body": f"お客様\n{EXTENDED}\n特上{SUSHI}セット"}
    fields.update(overrides)
    return build_text_mail(**fields)


@pytest.mark.parametrize("address", ["customer@example.com", "user@i.softbank.jp",
                                     "someone@gmail.com"])
def test_utf8_with_standard_emoji_read_by_the_plain_email_package(address):
    received = parse(pc_mail(to=address))
    assert received.get_content_charset() == "utf-8"
    assert received.get_content() == f"お客様\n{EXTENDED}\n特上{SUSHI}セット\n"
    assert received["Subject"] == f"ご注文ありがとうございます{SUSHI}"
    assert received["From"].addresses[0].display_name == "ショップ"


def test_legacy_iso_2022_jp_carries_nec_and_ibm_characters():
    msg = pc_mail(body=f"株式会社 {EXTENDED} 様", subject=f"{EXTENDED}", charset="ISO-2022-JP")
    received = parse(msg)
    payload = received.get_payload(decode=True)
    assert received.get_content_charset() == "iso-2022-jp"
    assert b"\x1b$B-!" in payload  # ① as NEC row 13, as CP50221 writes it
    assert b"|b" in payload  # 髙 in NEC-selected IBM row 92 (0x7C62)
    # A WHATWG decoder (browsers, Thunderbird) and ours read the same text.
    assert whatwg_decode(payload, "iso-2022-jp") == f"株式会社 {EXTENDED} 様\n"
    assert decode_mail_text(payload, "ISO-2022-JP") == f"株式会社 {EXTENDED} 様\n"


def test_python_strict_codec_would_have_lost_these_characters():
    # Why a CP50221-style encoder: JIS X 0208 alone cannot carry any of them.
    for ch in EXTENDED:
        with pytest.raises(UnicodeEncodeError):
            ch.encode("iso2022_jp")


def test_bcc_goes_to_the_envelope_only():
    msg = pc_mail(cc=["cc@example.com"], bcc="audit@example.jp")
    sender, rcpts = smtp_envelope(msg)
    assert sender == "shop@example.jp"
    assert rcpts == ["customer@example.com", "cc@example.com", "audit@example.jp"]
    assert b"audit@example.jp" not in wire(msg)
    assert parse(msg)["Cc"].addresses[0].addr_spec == "cc@example.com"


def test_long_subject_is_folded_within_line_limits():
    msg = pc_mail(subject="とても長い件名です。" * 12)
    assert parse(msg)["Subject"] == "とても長い件名です。" * 12
    assert all(len(line) <= 78 for line in header_lines(msg))


def test_extra_headers_are_kept_and_reserved_ones_refused():
    msg = pc_mail(headers={"List-Unsubscribe": "<https://shop.example.jp/unsubscribe/abc>",
                           "X-Campaign": "春のセール"})
    received = parse(msg)
    assert received["List-Unsubscribe"] == "<https://shop.example.jp/unsubscribe/abc>"
    assert received["X-Campaign"] == "春のセール"
    with pytest.raises(ValueError):
        pc_mail(headers={"Content-Type": "text/html"})
    with pytest.raises(ValueError):
        pc_mail(headers={"Bad Name": "x"})


def test_invalid_addresses_are_refused():
    for bad in ["no-at-sign", "a b@example.com", "a..b@example.com", "x@localhost"]:
        with pytest.raises(ValueError):
            pc_mail(to=bad)


@pytest.fixture
def smtp_sink():
    yield from running_sink()


def test_pc_mail_with_bcc_over_smtp(smtp_sink):
    msg = pc_mail(bcc="audit@example.jp")
    send_over_smtp(smtp_sink, msg)
    (mail,) = smtp_sink.wait_for(1)
    assert mail.rcpt_tos == ["customer@example.com", "audit@example.jp"]
    assert b"Bcc" not in mail.raw and b"audit@" not in mail.raw
    assert mail.message.get_content() == f"お客様\n{EXTENDED}\n特上{SUSHI}セット\n"


def test_display_names_with_commas_and_quotes_stay_one_mailbox():
    msg = pc_mail(to=['Yamada, Taro "Boss" <taro@example.com>', "山田, 花子 <hanako@example.com>"])
    addresses = parse(msg)["To"].addresses
    assert [(a.display_name, a.addr_spec) for a in addresses] == [
        ('Yamada, Taro "Boss"', "taro@example.com"), ("山田, 花子", "hanako@example.com")]
    assert smtp_envelope(msg)[1] == ["taro@example.com", "hanako@example.com"]


@pytest.mark.parametrize("carrier", ["docomo", "au", "softbank", "pc"])
def test_built_mail_can_be_copied_pickled_and_written_as_eml(carrier):
    to = {"docomo": "a@docomo.ne.jp", "au": "a@ezweb.ne.jp", "softbank": "a@softbank.ne.jp",
          "pc": "a@example.com"}[carrier]
    msg = pc_mail(to=to)
    assert wire(copy.deepcopy(msg)) == wire(msg)
    assert wire(pickle.loads(pickle.dumps(msg))) == wire(msg)
    assert msg.as_bytes().replace(b"\n", b"\r\n") == wire(msg)  # e.g. a file:// outbox
