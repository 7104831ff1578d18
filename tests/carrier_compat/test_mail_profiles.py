"""Carrier mail in both profiles: standard (UTF-8, Unicode emoji) and legacy (3G-era forms).

Each carrier domain's text mail and デコメール are read back with the ``email`` package as
a receiver would: the charset and transfer encoding declared, the subject's RFC 2047
words, emoji as Unicode (standard) or as the carrier's own codes (legacy), and the
デコメール's layout and size against the carrier's limits.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from carrier_compat.decomail import DECO_LIMITS, InlineImage, build_deco_mail, deco_size_report
from carrier_compat.mail import build_text_mail
from carrier_compat.mail_codec import LEGACY, STANDARD, profile_for
from tests.carrier_compat.mail_support import (
    EXTENDED,
    SHOP,
    body_as_received,
    parse,
    raw_header,
    subject_as_received,
    wire,
)

# Every domain family of the three carriers: the profile follows the carrier, not the name.
DOMAINS = {"docomo.ne.jp": "docomo", "ezweb.ne.jp": "au", "au.com": "au",
           "softbank.ne.jp": "softbank", "t.vodafone.ne.jp": "softbank"}
LEGACY_FORM = {"docomo": ("shift_jis", "8bit"), "au": ("iso-2022-jp", "7bit"),
               "softbank": ("shift_jis", "8bit")}
LEGACY_WORD = {"docomo": "=?Shift_JIS?B?", "au": "=?ISO-2022-JP?B?",
               "softbank": "=?Shift_JIS?B?"}
# ☀ is in every carrier's set; 🥺 (Unicode 11) in none; 🍣 is not in docomo's.
SUBJECT = "【セール】晴れ☀の日に🥺"
BODY = f"山田様\n{EXTENDED}\nお寿司🍣と晴れ☀、😀❤️"
SUN = {"docomo": b"\xf8\x9f", "softbank": b"\xf9\x8b"}  # ☀ in the Shift_JIS emoji codes


def text_mail(domain: str, mail_profile: str, **overrides):
    fields = dict(to=f"member.1@{domain}", mail_from=SHOP, subject=SUBJECT, body=BODY,
                  mail_profile=mail_profile)
    fields.update(overrides)
    return build_text_mail(**fields)


@pytest.mark.parametrize("domain", DOMAINS)
def test_standard_text_mail_is_utf8_with_every_emoji_as_itself(domain):
    msg = text_mail(domain, STANDARD)
    received = parse(msg)
    assert received.get_content_type() == "text/plain"
    assert received.get_content_charset() == "utf-8"
    assert received["Content-Transfer-Encoding"] == "base64"
    payload = received.get_payload(decode=True)
    assert payload.decode("utf-8") == BODY + "\n"  # 🍣 🥺 😀 ❤️ untouched, no stand-ins
    assert not any(0xE000 <= ord(ch) <= 0xF8FF for ch in payload.decode("utf-8"))
    assert raw_header(msg, "Subject").startswith("=?UTF-8?B?")
    assert received["Subject"] == SUBJECT


@pytest.mark.parametrize("domain", DOMAINS)
def test_legacy_text_mail_keeps_the_carriers_charset_codes_and_fallbacks(domain):
    carrier = DOMAINS[domain]
    msg = text_mail(domain, LEGACY)
    received = parse(msg)
    charset, cte = LEGACY_FORM[carrier]
    assert received.get_content_charset() == charset
    assert received["Content-Transfer-Encoding"] == cte
    assert raw_header(msg, "Subject").startswith(LEGACY_WORD[carrier])
    payload = received.get_payload(decode=True)
    if carrier in SUN:
        assert SUN[carrier] in payload
    else:  # 晴れ, then ☀ as au's mail JIS code 7541, in the same ESC $ B run
        assert b"@2$luA" in payload
    shown = body_as_received(received, carrier)
    # au's emoji take the IBM-extension rows of JIS: 髙 arrives in its common form.
    assert "晴れ☀" in shown and EXTENDED.replace("髙", "高" if carrier == "au" else "髙") in shown
    assert "[grinning face]" in shown  # 😀: no carrier had it, today's text stand-in
    assert ("[すし]" in shown) == (carrier == "docomo")  # docomo alone lacks 🍣
    assert subject_as_received(msg, carrier) == "【セール】晴れ☀の日に[face with pleading eyes]"


def test_standard_subject_words_fold_within_76_characters_and_read_back_whole():
    subject = "夏の大感謝祭☀️ 全品ポイント10倍🎉 本日限り" * 3
    msg = text_mail("docomo.ne.jp", STANDARD, subject=subject)
    lines = wire(msg).split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    subject_lines = [line for line in lines if line.startswith((b"Subject:", b" =?UTF-8"))]
    assert len(subject_lines) > 1 and all(len(line) <= 76 for line in subject_lines)
    assert parse(msg)["Subject"] == subject


def test_smartphones_and_pcs_have_one_form_in_both_profiles():
    for carrier in ("smartphone", "pc"):
        assert profile_for(carrier, None, STANDARD) == profile_for(carrier, None, LEGACY)
    with pytest.raises(ValueError):
        profile_for("docomo", None, "modern")
    with pytest.raises(ValueError):
        profile_for("docomo", "Shift_JIS", STANDARD)


def gif(width: int, height: int, colour: str = "#ff6600") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "GIF")
    return out.getvalue()


def noise_jpeg(width: int, height: int) -> bytes:
    """A photo-like JPEG that compresses badly: it must be downscaled to fit."""
    image = Image.effect_noise((width, height), 90).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    return out.getvalue()


HTML = ('<div align="center"><font color="#ff0000">セール☀🍣</font><br>'
        '<img src="cid:banner@shop"><br><img src="cid:photo@shop"></div>')


def deco(domain: str, mail_profile: str, images: list[InlineImage]):
    return build_deco_mail(to=f"member@{domain}", mail_from=SHOP, subject="デコメ☀🥺",
                           html=HTML, text="", images=images, mail_profile=mail_profile)


def _images(photo_side: int = 200) -> list[InlineImage]:
    return [InlineImage("banner@shop", "banner.gif", gif(240, 60), "image/gif"),
            InlineImage("photo@shop", "photo.jpg", noise_jpeg(photo_side, photo_side),
                        "image/jpeg")]


@pytest.mark.parametrize("domain", DOMAINS)
def test_standard_deco_mail_is_utf8_html_with_images_by_content_id(domain):
    msg = deco(domain, STANDARD, _images())
    received = parse(msg)
    assert received.get_content_type() == "multipart/alternative"
    text_part, related = received.iter_parts()
    assert text_part.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    assert related.get_param("type") == "text/html"
    html_part, *image_parts = related.iter_parts()
    assert html_part.get_content_type() == "text/html"
    for part in (text_part, html_part):
        assert part.get_content_charset() == "utf-8"
        assert part["Content-Transfer-Encoding"] == "base64"
    html = html_part.get_content()
    assert "セール☀🍣" in html and 'charset=UTF-8' in html
    assert "セール☀🍣" in text_part.get_content()
    cids = {str(p["Content-ID"]).strip("<>") for p in image_parts}
    assert cids == {"banner@shop", "photo@shop"}
    assert all(f"cid:{cid}" in html for cid in cids)
    assert raw_header(msg, "Subject").startswith("=?UTF-8?B?")
    assert received["Subject"] == "デコメ☀🥺"


@pytest.mark.parametrize("domain", DOMAINS)
def test_legacy_deco_mail_keeps_each_carriers_layout_and_codes(domain):
    carrier = DOMAINS[domain]
    received = parse(deco(domain, LEGACY, _images()))
    assert received.get_content_type() == "multipart/mixed"
    first = next(received.iter_parts()).get_content_type()
    assert first == ("multipart/alternative" if carrier == "au" else "multipart/related")
    html_part = next(p for p in received.walk() if p.get_content_type() == "text/html")
    assert html_part.get_content_charset() == LEGACY_FORM[carrier][0]
    html = body_as_received(html_part, carrier)
    assert "☀" in html and ("[すし]" in html) == (carrier == "docomo")


@pytest.mark.parametrize("mail_profile", [STANDARD, LEGACY])
@pytest.mark.parametrize("carrier", ["docomo", "au", "softbank"])
def test_deco_mail_fits_each_carriers_limits_in_both_profiles(carrier, mail_profile):
    """Images far over every limit are downscaled until the carrier's limits hold."""
    domain = next(d for d, c in DOMAINS.items() if c == carrier)
    given = _images(photo_side=700)
    limits = DECO_LIMITS[carrier]
    assert sum(len(i.data) for i in given) > max(limits.images or 0, limits.message or 0)
    msg = deco(domain, mail_profile, given)
    sent_images = sum(len(p.get_payload(decode=True)) for p in msg.walk()
                      if p.get_content_maintype() == "image")
    assert sent_images < sum(len(i.data) for i in given)  # shrunk to fit
    if limits.images is not None:
        assert sent_images <= limits.images
    if limits.message is not None:
        assert len(wire(msg)) <= limits.message
    if limits.body is not None:
        body = sum(len(p.get_payload(decode=True)) for p in msg.walk()
                   if p.get_content_maintype() == "text")
        assert body <= limits.body
    [report] = deco_size_report(html=HTML, text="", images=given, carriers=[carrier],
                                mail_profile=mail_profile)
    assert report.sendable and not report.fits
    assert (report.mail_profile, report.charset) == (
        mail_profile, "UTF-8" if mail_profile == STANDARD else profile_for(carrier).charset)


def test_standard_body_limit_counts_utf8_bytes():
    """docomo's 10,000-byte body limit holds fewer Japanese characters in UTF-8."""
    text = "あ" * 2000  # 4,000 bytes in Shift_JIS, 6,000 in UTF-8; HTML and text both
    html = f"<div>{text}</div>"
    legacy, standard = (deco_size_report(html=html, text=text, images=[], carriers=["docomo"],
                                         mail_profile=p)[0] for p in (LEGACY, STANDARD))
    assert legacy.sendable and legacy.body_bytes < 10_000
    assert not standard.sendable and standard.body_bytes > 10_000
    assert "10,000バイト" in standard.problem
