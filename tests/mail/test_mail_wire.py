"""The bulk sender's hand-written mail bytes are the email package's bytes, exactly.

A handset receives a newsletter built by ``ktaishop.mail_wire``; whatever it shows
(charset, emoji, folding of a long subject, the body's transfer encoding) must be
what ``build_text_mail`` - the builder the carrier tests pin down - would have sent.
"""

from __future__ import annotations

import re

import pytest

from carrier_compat.errors import HeaderInjection
from carrier_compat.mail import (
    PreEncodedHeader,
    build_text_mail,
    resolve_profile,
    smtp_bytes,
    smtp_envelope,
)
from ktaishop.mail_wire import WireTemplate

ADDRESSES = ["m1@docomo.ne.jp", "a..b.@docomo.ne.jp", "m.2.@ezweb.ne.jp",
             "m3@softbank.ne.jp", "m4@example.com", "m5@i.softbank.jp"]
SUBJECTS = ["Sale", "会員1様 セールのお知らせ😀", "ｾｰﾙ ①髙橋様 ～ 限定" * 4, "A" * 90,
            "x" * 66 + "あ"]
BODIES = ["", "会員1様\nセールです。😀☀\n", "no newline at end", "CRLF\r\nline\rend\n",
          "From here\n.dot line\n", "長い行" * 400 + "\n", "ｶﾀｶﾅ ①②㈱ 髙 ∥ －\n" * 30]
_VARYING = re.compile(rb"^(Date|Message-ID): .*?\r\n", re.M)


def _slow(to: str, mail_from: str, subject: str, body: str, url: str) -> tuple[bytes, tuple]:
    mail = build_text_mail(to=to, mail_from=mail_from, subject=subject, body=body)
    mail["List-Unsubscribe"] = PreEncodedHeader("List-Unsubscribe", f"<{url}>", f"<{url}>")
    sender, rcpts = smtp_envelope(mail)
    return smtp_bytes(mail), (sender, tuple(rcpts))


@pytest.mark.parametrize("mail_from", ["shop@example.jp", "ショップ <shop@Example.JP>",
                                       '"Shop, Inc." <info@shop.example.com>'])
def test_wire_bytes_equal_the_email_package_bytes(mail_from):
    url = "http://127.0.0.1:5000/unsubscribe/abc.DEF-1"
    templates: dict = {}
    for to in ADDRESSES:
        profile = resolve_profile(to, None)
        template = templates.setdefault(profile, WireTemplate(mail_from, profile))
        for subject in SUBJECTS:
            for body in BODIES:
                wire = template.build(to, subject, body, (("List-Unsubscribe", f"<{url}>"),))
                data, envelope = _slow(to, mail_from, subject, body, url)
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
