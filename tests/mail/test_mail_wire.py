"""The bulk sender's hand-written mail bytes are the email package's bytes, exactly.

A handset receives a newsletter built by ``ktaishop.mail.wire``; whatever it shows
(charset, emoji, folding of a long subject, the body's transfer encoding) must be
what ``build_text_mail`` - the builder the carrier tests pin down - would have sent.
"""

from __future__ import annotations

import base64
import random
import re

import pytest

from carrier_compat.errors import HeaderInjection
from carrier_compat.mail import (
    PreEncodedHeader,
    build_text_mail,
    encode_header_words,
    resolve_profile,
    smtp_bytes,
    smtp_envelope,
)
from carrier_compat.mail_codec import encode_mail_text, encoded_sizes
from ktaishop.mail.wire import WireTemplate

ADDRESSES = ["m1@docomo.ne.jp", "a..b.@docomo.ne.jp", "m.2.@ezweb.ne.jp",
             "m3@softbank.ne.jp", "m4@example.com", "m5@i.softbank.jp"]
SUBJECTS = ["Sale", "会員1様 セールのお知らせ😀", "ｾｰﾙ ①髙橋様 ～ 限定" * 4, "A" * 90,
            "x" * 66 + "あ"]
BODIES = ["", "会員1様\nセールです。😀☀\n", "no newline at end", "CRLF\r\nline\rend\n",
          "From here\n.dot line\n", "長い行" * 400 + "\n", "ｶﾀｶﾅ ①②㈱ 髙 ∥ －\n" * 30]
_VARYING = re.compile(rb"^(Date|Message-ID): .*?\r\n", re.M)


def _slow(to: str, mail_from: str, subject: str, body: str, url: str,
          mail_profile: str = "legacy") -> tuple[bytes, tuple]:
    mail = build_text_mail(to=to, mail_from=mail_from, subject=subject, body=body,
                           mail_profile=mail_profile)
    mail["List-Unsubscribe"] = PreEncodedHeader("List-Unsubscribe", f"<{url}>", f"<{url}>")
    sender, rcpts = smtp_envelope(mail)
    return smtp_bytes(mail), (sender, tuple(rcpts))


@pytest.mark.parametrize("mail_profile", ["legacy", "standard"])
@pytest.mark.parametrize("mail_from", ["shop@example.jp", "ショップ <shop@Example.JP>",
                                       '"Shop, Inc." <info@shop.example.com>'])
def test_wire_bytes_equal_the_email_package_bytes(mail_from, mail_profile):
    url = "http://127.0.0.1:5000/unsubscribe/abc.DEF-1"
    templates: dict = {}
    for to in ADDRESSES:
        profile = resolve_profile(to, None, mail_profile=mail_profile)
        template = templates.setdefault(profile, WireTemplate(mail_from, profile))
        for subject in SUBJECTS:
            for body in BODIES:
                wire = template.build(to, subject, body, (("List-Unsubscribe", f"<{url}>"),))
                data, envelope = _slow(to, mail_from, subject, body, url, mail_profile)
                assert _VARYING.sub(b"", wire.data) == _VARYING.sub(b"", data), (to, subject)
                assert (wire.mail_from, wire.rcpts) == envelope
                assert len(_VARYING.findall(wire.data)) == 2


def test_wire_refuses_what_the_email_package_refuses():
    profile = resolve_profile("m@docomo.ne.jp", None)
    template = WireTemplate("shop@example.jp", profile)
    with pytest.raises(HeaderInjection):
        template.build("m@docomo.ne.jp", "件名\r\nBcc: x@example.com", "本文")
    with pytest.raises(ValueError):
        template.build("名前 <m@docomo.ne.jp>", "件名", "本文")
    with pytest.raises(HeaderInjection):
        WireTemplate("shop@example.jp\nBcc: x@example.com", profile)


def _reference_words(text: str, profile, first_room: int) -> str:
    """The folding rule spelled out: encode each growing chunk, break before overflow."""
    def word(chunk: str) -> str:
        data = base64.b64encode(encode_mail_text(chunk, profile)).decode("ascii")
        return f"=?{profile.charset}?B?{data}?="

    words, room, chunk = [], first_room, ""
    for ch in text:
        if chunk and len(word(chunk + ch)) > room:
            words.append(word(chunk))
            room, chunk = 75, ""
        chunk += ch
    return "\n ".join(words + [word(chunk)])


def test_subject_folding_matches_encoding_every_chunk():
    """Long subjects of many scripts break where encoding each chunk would break them."""
    rng = random.Random(7)
    plain = "会員様セールのお知らせ「限定」～ー・、。ａＺ０！　abc XYZ-_.:()[]髙德濵\u301c"
    mixed = plain + "﨑①㈱∥－￢ｶﾞｷﾞ😀☀\u3030\u303d#*1\ufe0f\u20e3\u2014\u2015"
    fast = 0
    for carrier in ("docomo", "au", "softbank", "pc"):
        profile = resolve_profile(f"m@{_DOMAINS[carrier]}", None)
        for alphabet in (plain, mixed) * 150:
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 70)))
            room = rng.choice([67, 58, 30])
            if text.isascii() and len(text) <= room:
                continue
            assert encode_header_words(text, profile, room) == _reference_words(
                text, profile, room), (carrier, text)
            sizes = encoded_sizes(text, profile)
            if sizes is not None:
                fast += 1
                runs = sum(1 for i, (_, double) in enumerate(sizes)
                           if double and (i == 0 or not sizes[i - 1][1]))
                encoded = encode_mail_text(text, profile)
                assert sum(size for size, _ in sizes) + 6 * runs == len(encoded)
    assert fast >= 500  # the size-based folding was what got checked


_DOMAINS = {"docomo": "docomo.ne.jp", "au": "ezweb.ne.jp", "softbank": "softbank.ne.jp",
            "pc": "example.com"}


def test_unsubscribe_tokens_are_the_serializers_tokens(app):
    """The fast signer gives exactly itsdangerous's timed tokens of [member id, address
    fingerprint] (issue #19: bound to the address, dated by the newsletter's sending)."""
    from datetime import datetime

    from itsdangerous import TimestampSigner, URLSafeTimedSerializer

    from ktaishop.mail import newsletter_mail

    sent = datetime(2026, 5, 1, 10, 0)
    stamp = newsletter_mail._issued(sent)

    class AtSending(TimestampSigner):
        def get_timestamp(self) -> int:
            return stamp

    reference = URLSafeTimedSerializer("test-secret", salt=newsletter_mail.UNSUBSCRIBE_SALT,
                                       signer=AtSending)
    with app.app_context():
        for member_id in [*range(0, 3000, 7), 10**6, 2**31, 10**15]:
            address = f"m{member_id}@docomo.ne.jp"
            token = newsletter_mail.unsubscribe_token(member_id, address, sent)
            fingerprint = newsletter_mail.address_fingerprint(address)
            assert token == reference.dumps([member_id, fingerprint])
        assert newsletter_mail.member_for_token(token[:-1] + "x") is None
        fresh = newsletter_mail.unsubscribe_token(7, "m7@docomo.ne.jp")
        assert newsletter_mail.member_for_token(fresh) == (
            7, newsletter_mail.address_fingerprint("M7@DoCoMo.ne.jp"))  # one mailbox
