"""The rig itself: the SMTP server keeps raw bytes."""

from __future__ import annotations

import smtplib


def test_smtp_server_keeps_the_raw_bytes(smtp_server):
    raw = "Subject: =?UTF-8?B?44OG44K544OI?=\r\n\r\n本文\r\n".encode()
    with smtplib.SMTP(smtp_server.host, smtp_server.port) as smtp:
        smtp.sendmail("shop@example.jp", ["a..b.@docomo.ne.jp"], raw)
    [mail] = smtp_server.wait_for(1)
    assert mail.rcpt_tos == ["a..b.@docomo.ne.jp"]
    assert mail.message["Subject"] == "テスト"
