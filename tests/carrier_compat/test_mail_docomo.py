"""Text mail to docomo handsets: Shift_JIS (CP932), docomo emoji codes, 8bit."""

from __future__ import annotations

import pytest

from carrier_compat.emoji import EMOJI, from_carrier, to_carrier
from carrier_compat.errors import HeaderInjection
from carrier_compat.mail import build_text_mail
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

TO = "taro.keitai@docomo.ne.jp"


def docomo_mail(**overrides):
    fields = {"to": TO, "mail_from": SHOP, "subject": "ご注文ありがとうございます☀",
              "body": f"山田様\n{EXTENDED}\n晴れ☀です"}
    fields.update(overrides)
    return build_text_mail(**fields)


def test_body_is_shift_jis_8bit():
    received = parse(docomo_mail())
    assert received.get_content_type() == "text/plain"
    assert received.get_content_charset() == "shift_jis"
    assert received["Content-Transfer-Encoding"] == "8bit"


def test_body_arrives_with_extension_characters_and_emoji():
    received = parse(docomo_mail())
    assert body_as_received(received, "docomo") == f"山田様\n{EXTENDED}\n晴れ☀です"


def test_emoji_is_docomo_shift_jis_code_and_ibm_kanji_in_windows_form():
    payload = parse(docomo_mail()).get_payload(decode=True)
    assert b"\xf8\x9f" in payload  # ☀ in docomo's Shift_JIS emoji code
    assert "髙".encode("cp932") != b"\xfb\xfc"  # Python alone would write EEE0 ...
    assert b"\xfb\xfc" in payload  # ... the handset gets FBFC, as Windows writes it


def test_characters_in_nec_row_13_keep_their_nec_codes():
    # Ⅰ and ¬ also exist among the IBM extensions; Windows writes the NEC/JIS codes.
    payload = parse(docomo_mail(body="Ⅰ型 ￢ №")).get_payload(decode=True)
    assert payload.replace(b"\r\n", b"\n") == "Ⅰ型 ￢ №\n".encode("cp932")
    assert b"\xfa" not in payload


def test_text_reads_the_same_in_a_whatwg_shift_jis_decoder():
    received = parse(docomo_mail(body=f"お届け予定 {EXTENDED} です"))
    assert whatwg_decode(received.get_payload(decode=True), "shift_jis") == (
        f"お届け予定 {EXTENDED} です\n")


def test_subject_is_rfc2047_shift_jis_with_emoji():
    msg = docomo_mail(subject=f"【重要】{EXTENDED}のお知らせ☀" * 3)
    assert raw_header(msg, "Subject").startswith("=?Shift_JIS?B?")
    assert subject_as_received(msg, "docomo") == f"【重要】{EXTENDED}のお知らせ☀" * 3
    assert all(len(line) <= 78 for line in header_lines(msg))


def test_every_docomo_emoji_survives_the_mail():
    symbols = [s.unicode for s in EMOJI if s.unicode and s.docomo_sjis]
    assert len(symbols) > 200
    body = " ".join(symbols)
    received = parse(docomo_mail(body=body))
    expected = " ".join(from_carrier(to_carrier(u, "docomo"), "docomo") for u in symbols)
    assert body_as_received(received, "docomo") == expected
    assert "?" not in body_as_received(received, "docomo")


def test_emoji_docomo_lacks_gets_a_stand_in_never_dropped():
    sushi = "\U0001f363"
    received = parse(docomo_mail(body=f"特上{sushi}セット"))
    text = body_as_received(received, "docomo")
    assert text.startswith("特上") and text.endswith("セット")
    assert len(text) > len("特上セット") and "?" not in text


def test_date_message_id_and_mime_version_are_set():
    received = parse(docomo_mail())
    assert received["MIME-Version"] == "1.0"
    assert received["Date"].datetime is not None
    assert received["Message-ID"].endswith("@example.jp>")


def test_from_display_name_is_encoded_in_the_same_charset():
    msg = docomo_mail()
    assert raw_header(msg, "From").startswith("=?Shift_JIS?B?")
    assert parse(msg)["From"].addresses[0].addr_spec == "shop@example.jp"


@pytest.mark.parametrize("field", ["subject", "to", "mail_from", "cc", "bcc"])
def test_line_breaks_in_header_data_are_refused(field):
    values = {
        "subject": "お知らせ\r\nBcc: victim@example.com",
        "to": f"{TO}\nBcc: victim@example.com",
        "mail_from": "shop@example.jp\rX-Evil: 1",
        "cc": ["ok@example.com", "x@example.com\nBcc: victim@example.com"],
        "bcc": "b@example.com\r\n",
    }
    with pytest.raises(HeaderInjection) as info:
        docomo_mail(**{field: values[field]})
    assert "改行" in info.value.message


def test_line_breaks_in_extra_headers_are_refused():
    with pytest.raises(HeaderInjection):
        docomo_mail(headers={"X-Campaign": "spring\nBcc: victim@example.com"})
    with pytest.raises(HeaderInjection):
        docomo_mail(headers={"X-Campaign\r\nBcc": "victim@example.com"})
    with pytest.raises(HeaderInjection):
        docomo_mail(subject="unicode line separator\u2028Bcc: x@example.com")


@pytest.fixture
def smtp_sink():
    yield from running_sink()


def test_docomo_mail_survives_smtp_byte_for_byte(smtp_sink):
    msg = docomo_mail(to="a..b.@docomo.ne.jp")
    send_over_smtp(smtp_sink, msg)
    (mail,) = smtp_sink.wait_for(1)
    # RCPT TO went out quoted (RFC 5321); the server names the same mailbox unquoted.
    assert mail.rcpt_tos == ["a..b.@docomo.ne.jp"]
    assert mail.raw.rstrip(b"\r\n") == wire(msg).rstrip(b"\r\n")  # SMTP adds the last CRLF
    received = mail.message
    assert received["To"].addresses[0].username == "a..b."
    assert b"\xf8\x9f" in received.get_payload(decode=True)
    assert body_as_received(received, "docomo") == f"山田様\n{EXTENDED}\n晴れ☀です"
