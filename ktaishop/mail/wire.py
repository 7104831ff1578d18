"""A text mail to one bare address written straight to SMTP bytes, for bulk sending.

``carrier_compat.mail.build_text_mail`` + ``smtp_bytes`` go through Python's ``email``
package, which parses every header it is given again; for a newsletter to thousands
that was most of a worker's time. :class:`WireTemplate` does that once per sender
and carrier (From, MIME headers) and then writes each recipient's mail directly:
the same encoders (``encode_header_words``, ``encode_mail_text``), the same header
order, folding and body transfer encoding, so the bytes are the ones
``smtp_bytes(build_text_mail(...))`` gives (tests/mail/test_mail_wire.py compares
them). Anything the fast path does not cover (display names in To, Cc/Bcc, extra
headers that need encoding) is left to the email package by the caller.
"""

from __future__ import annotations

import binascii
import time
from dataclasses import dataclass
from email.utils import formatdate, make_msgid

from carrier_compat.address import header_address, split_address
from carrier_compat.mail import (
    build_text_mail,
    check_header_value,
    encode_header_words,
    smtp_envelope,
)
from carrier_compat.mail_codec import MailProfile, encode_mail_text

_MAX_LINE = 76  # as carrier_compat.mail: lines holding RFC 2047 encoded words
_SUBJECT_ROOM = _MAX_LINE - len("Subject") - 2
_BASE64_CHUNK = 57  # bytes per 76-character base64 line, as email.contentmanager


@dataclass(frozen=True)
class WireMail:
    """A mail ready for ``Transport.send``: the bytes and the SMTP envelope."""

    data: bytes
    mail_from: str
    rcpts: tuple[str, ...]


class WireTemplate:
    """Everything of a text mail that is the same for each recipient of one carrier
    in one mail profile (``profile``: the carrier's legacy or standard form).

    :raise HeaderInjection, ValueError: as ``build_text_mail`` for ``mail_from``.
    """

    def __init__(self, mail_from: str, profile: MailProfile) -> None:
        sample = build_text_mail(to="a@example.com", mail_from=mail_from, subject="",
                                 body="", carrier=profile.carrier, charset=profile.charset,
                                 mail_profile=profile.name)
        self.profile = profile
        self.from_line = sample["From"].fold(policy=sample.policy.clone(linesep="\r\n"))
        self.envelope_from = smtp_envelope(sample)[0]
        self.domain = split_address(self.envelope_from)[1].lower()
        self._date = ("", -1)

    def _date_header(self) -> str:
        """``formatdate(localtime=True)``, worked out once a second."""
        second = int(time.time())
        if self._date[1] != second:
            self._date = (formatdate(second, localtime=True), second)
        return self._date[0]

    def build(self, to: str, subject: str, body: str,
              extra: tuple[tuple[str, str], ...] = ()) -> WireMail:
        """The mail to the bare address ``to``; ``extra`` are ASCII headers, unfolded.

        :raise HeaderInjection: on a line break in ``subject`` or an extra header.
        :raise ValueError: when ``to`` is not a bare valid address.
        """
        try:
            wire_to = header_address(to)
        except ValueError:
            raise ValueError(f"invalid mail address in To: {to!r}") from None
        check_header_value(subject, "Subject")
        encoded_subject = encode_header_words(subject, self.profile, _SUBJECT_ROOM)
        cte, payload = self._body(body)
        head = [
            self.from_line, f"To: {wire_to}\r\n",
            f"Subject: {encoded_subject}".replace("\n", "\r\n"), "\r\n",
            f"Date: {self._date_header()}\r\n",
            f"Message-ID: {make_msgid(domain=self.domain)}\r\n",
            "MIME-Version: 1.0\r\n",
            f"Content-Transfer-Encoding: {cte}\r\n",
            f'Content-Type: text/plain; charset="{self.profile.charset}"\r\n',
        ]
        for name, value in extra:
            head.append(f"{name}: {check_header_value(value, name)}\r\n")
        head.append("\r\n")
        data = "".join(head).encode("ascii") + payload
        return WireMail(data, self.envelope_from, (wire_to,))

    def _body(self, text: str) -> tuple[str, bytes]:
        """(CTE, CRLF payload) exactly as ``set_text_part`` + the bytes generator."""
        data = encode_mail_text(text if text.endswith("\n") else text + "\n", self.profile)
        cte = self.profile.body_cte
        if cte in ("7bit", "8bit") and any(len(line) > 998 for line in data.split(b"\n")):
            cte = "base64"
        if cte == "base64":
            lines = [binascii.b2a_base64(data[i:i + _BASE64_CHUNK])
                     for i in range(0, len(data), _BASE64_CHUNK)]
            return cte, b"".join(lines).replace(b"\n", b"\r\n")
        return cte, data.replace(b"\n", b"\r\n")
