"""Text mail to au handsets: ISO-2022-JP, au's mail JIS emoji codes, 7bit."""

from __future__ import annotations

import base64
import re

import pytest

from carrier_compat.address import carrier_for_address
from carrier_compat.emoji import EMOJI, from_carrier, to_carrier
from carrier_compat.mail import build_text_mail
from carrier_compat.mail_codec import MAIL_PROFILES, encode_mail_text
from tests.carrier_compat.mail_support import (
    EXTENDED,
    SHOP,
    body_as_received,
    header_lines,
    parse,
    raw_header,
    running_sink,
    send_over_smtp,
    subject_as_received,
    whatwg_decode,
    wire,
)

TO = "hanako@ezweb.ne.jp"
AU = MAIL_PROFILES["au"]
# au's emoji occupy JIS rows 0x75-0x7B, where CP50221 puts the IBM-extension kanji;
# on an au handset 髙 would show as an emoji, so it is sent as its common form 高.
EXTENDED_ON_AU = "①㈱高～∥－"


def au_mail(**overrides):
    fields = {"to": TO, "mail_from": SHOP, "subject": "発送のお知らせ☀",
              "body": f"花子様\n{EXTENDED}\n晴れ☀です"}
    fields.update(overrides)
    return build_text_mail(**fields)


@pytest.mark.parametrize("address", [TO, "x@au.com", "old.user@sb.ezweb.ne.jp"])
def test_au_addresses_get_iso_2022_jp(address):
    received = parse(au_mail(to=address))
    assert carrier_for_address(address) == "au"
    assert received.get_content_charset() == "iso-2022-jp"
    assert received["Content-Transfer-Encoding"] == "7bit"


def test_whole_mail_is_seven_bit():
    assert max(wire(au_mail())) < 0x80


def test_body_arrives_readable_with_emoji():
    received = parse(au_mail())
    assert body_as_received(received, "au") == f"花子様\n{EXTENDED_ON_AU}\n晴れ☀です"


def test_extension_characters_decode_in_a_whatwg_iso_2022_jp_decoder():
    received = parse(au_mail(body=f"受付 {EXTENDED} 完了"))
    assert whatwg_decode(received.get_payload(decode=True), "iso-2022-jp") == (
        f"受付 {EXTENDED_ON_AU} 完了\n")


def test_emoji_uses_kddi_mail_jis_codes():
    # KDDI's mail table: ☀ (Shift_JIS F660) is JIS 0x7541, sent inside ESC $ B.
    assert encode_mail_text(" ☀ ", AU) == b" \x1b$BuA\x1b(B "
    # The ends of the two Shift_JIS blocks: F340 -> 0x7921, F48D -> 0x7B6D.
    first = from_carrier("\ue5cd", "au")
    last = from_carrier("\ueb88", "au")
    assert encode_mail_text(first, AU) == b"\x1b$By!\x1b(B"
    assert encode_mail_text(last, AU) == b"\x1b$B{m\x1b(B"


def test_every_au_emoji_survives_the_mail():
    symbols = [s.unicode for s in EMOJI if s.unicode and s.au_sjis]
    assert len(symbols) > 200
    received = parse(au_mail(body=" ".join(symbols)))
    expected = " ".join(from_carrier(to_carrier(u, "au"), "au") for u in symbols)
    text = body_as_received(received, "au")
    assert text == expected and "?" not in text


def test_half_width_katakana_is_sent_full_width():
    received = parse(au_mail(body="ｶﾞｲﾄﾞﾌﾞｯｸ"))
    assert b"\x1b(I" not in received.get_payload(decode=True)  # RFC 1468 has no kana set
    assert body_as_received(received, "au") == "ガイドブック"


def test_subject_words_each_return_to_ascii():
    subject = f"【au】{EXTENDED}ご注文☀ありがとうございました" * 2
    msg = au_mail(subject=subject)
    raw = raw_header(msg, "Subject")
    words = re.findall(r"=\?ISO-2022-JP\?B\?([^?]+)\?=", raw)
    assert len(words) > 1
    for word in words:
        assert base64.b64decode(word).endswith(b"\x1b(B")
    assert subject_as_received(msg, "au") == subject.replace("髙", "高")
    assert all(len(line) <= 78 for line in header_lines(msg))


@pytest.fixture
def smtp_sink():
    yield from running_sink()


def test_au_mail_survives_smtp(smtp_sink):
    msg = au_mail(to="a..b.@ezweb.ne.jp")
    send_over_smtp(smtp_sink, msg)
    (mail,) = smtp_sink.wait_for(1)
    assert mail.rcpt_tos == ["a..b.@ezweb.ne.jp"]
    assert body_as_received(mail.message, "au") == f"花子様\n{EXTENDED_ON_AU}\n晴れ☀です"
    assert subject_as_received(msg, "au") == "発送のお知らせ☀"
