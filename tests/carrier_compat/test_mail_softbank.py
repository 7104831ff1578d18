"""Text mail to SoftBank handsets: Shift_JIS with SoftBank's Shift_JIS emoji codes."""

from __future__ import annotations

import pytest

from carrier_compat.address import carrier_for_address
from carrier_compat.emoji import EMOJI, from_carrier, pua_from_sjis, to_carrier
from carrier_compat.mail import build_text_mail
from tests.carrier_compat.mail_support import (
    EXTENDED,
    SHOP,
    body_as_received,
    parse,
    raw_header,
    subject_as_received,
    whatwg_decode,
)

TO = "jiro@softbank.ne.jp"


def softbank_mail(**overrides):
    fields = {"to": TO, "mail_from": SHOP, "subject": "入荷のお知らせ☀",
              "body": f"次郎様\n{EXTENDED}\n晴れ☀です"}
    fields.update(overrides)
    return build_text_mail(**fields)


@pytest.mark.parametrize("address", [
    TO, "x@d.vodafone.ne.jp", "x@h.vodafone.ne.jp", "x@t.vodafone.ne.jp", "x@c.vodafone.ne.jp",
    "x@k.vodafone.ne.jp", "x@r.vodafone.ne.jp", "x@n.vodafone.ne.jp", "x@s.vodafone.ne.jp",
    "x@q.vodafone.ne.jp", "mickey@disney.ne.jp",
])
def test_softbank_family_addresses_get_shift_jis(address):
    received = parse(softbank_mail(to=address))
    assert carrier_for_address(address) == "softbank"
    assert received.get_content_charset() == "shift_jis"
    assert received["Content-Transfer-Encoding"] == "8bit"


def test_body_arrives_with_extension_characters_and_emoji():
    received = parse(softbank_mail())
    assert body_as_received(received, "softbank") == f"次郎様\n{EXTENDED}\n晴れ☀です"
    assert b"\xf9\x8b" in received.get_payload(decode=True)  # ☀ in SoftBank Shift_JIS


def test_ibm_kanji_never_lands_on_a_softbank_emoji_code():
    # Windows writes 涬 as FB41, which is a SoftBank emoji code; the NEC-selected
    # twin (EDE2) names the same kanji without that clash.
    kanji = bytes([0xFB, 0x41]).decode("cp932")
    assert pua_from_sjis(0xFB41, "softbank") is not None
    received = parse(softbank_mail(body=f"{kanji}と髙"))
    payload = received.get_payload(decode=True)
    assert b"\xfb\x41" not in payload and b"\xed\xe2" in payload
    assert body_as_received(received, "softbank") == f"{kanji}と髙"
    assert whatwg_decode(payload, "shift_jis") == f"{kanji}と髙\n"


def test_every_softbank_emoji_survives_the_mail():
    symbols = [s.unicode for s in EMOJI if s.unicode and s.softbank_sjis]
    assert len(symbols) > 200
    received = parse(softbank_mail(body=" ".join(symbols)))
    expected = " ".join(from_carrier(to_carrier(u, "softbank"), "softbank") for u in symbols)
    text = body_as_received(received, "softbank")
    assert text == expected and "?" not in text


def test_subject_is_shift_jis_with_softbank_emoji():
    msg = softbank_mail()
    assert raw_header(msg, "Subject").startswith("=?Shift_JIS?B?")
    assert subject_as_received(msg, "softbank") == "入荷のお知らせ☀"
