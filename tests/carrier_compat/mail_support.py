"""Helpers for the carrier mail tests: parse a built mail back as a receiver would."""

from __future__ import annotations

import base64
import shutil
import smtplib
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.header import decode_header
from email.message import EmailMessage, Message
from email.policy import compat32
from email.policy import default as default_policy

import pytest

from carrier_compat.mail import smtp_bytes, smtp_envelope
from tests.conftest import IN_CI
from tests.mail_decoding import decode_mail_text

# Characters outside JIS X 0208 that Japanese users type every day (NEC row 13, an
# IBM-extension kanji) and the three whose Unicode mapping differs between JIS and CP932.
EXTENDED = "①㈱髙～∥－"
SHOP = "ショップ <shop@example.jp>"


def wire(msg: EmailMessage) -> bytes:
    """The bytes an SMTP server would receive."""
    return smtp_bytes(msg)


def parse(msg: EmailMessage) -> EmailMessage:
    """``msg`` serialised and parsed back with the ``email`` package, policy default."""
    return message_from_bytes(wire(msg), policy=default_policy)  # type: ignore[return-value]


def raw_header(msg: EmailMessage, name: str) -> str:
    """The header exactly as on the wire (unfolded lines kept), via the compat32 parser."""
    value = message_from_bytes(wire(msg), policy=compat32)[name]
    assert value is not None, f"no {name} header"
    return str(value)


def subject_as_received(msg: EmailMessage, carrier: str) -> str:
    """Decode the Subject's RFC 2047 words as the carrier's handset does."""
    parts = []
    for data, charset in decode_header(raw_header(msg, "Subject")):
        if isinstance(data, str):
            parts.append(data)
        else:
            parts.append(decode_mail_text(data, charset or "ascii", carrier))
    return "".join(parts)


def body_as_received(part: Message, carrier: str | None) -> str:
    """A text part's payload decoded in its declared charset, carrier emoji to Unicode,
    without the final line break every part ends with."""
    data = part.get_payload(decode=True)
    assert isinstance(data, bytes)
    text = decode_mail_text(data, part.get_content_charset() or "ascii", carrier)
    assert text.endswith("\n")
    return text[:-1]


def whatwg_decode(data: bytes, label: str) -> str:
    """Decode with Node's TextDecoder - the WHATWG Encoding Standard decoder that
    browsers and Thunderbird use - as an independent receiver. Skips without Node,
    except under CI=true, where that is a failure."""
    node = shutil.which("node")
    if node is None:
        if IN_CI:
            pytest.fail("node is not installed: the WHATWG decoder check cannot run")
        pytest.skip("node is not installed")
    script = (
        "const b=Buffer.from(require('fs').readFileSync(0,'utf8'),'base64');"
        f"process.stdout.write(new TextDecoder({label!r}).decode(b));"
    )
    result = subprocess.run([node, "-e", script], input=base64.b64encode(data).decode(),
                            capture_output=True, text=True, encoding="utf-8", check=True)
    return result.stdout


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=default_policy)  # type: ignore[return-value]


@dataclass
class SmtpSink:
    host: str
    port: int
    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                      bytes(envelope.original_content)))
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.received)


def _free_port() -> int:
    # aiosmtpd's Controller cannot take port=0 (its start-up probe connects to the port
    # it was given), so an ephemeral port is picked here first.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def running_sink() -> Iterator[SmtpSink]:
    """A real aiosmtpd server on 127.0.0.1 keeping the raw bytes of every message.

    Use as a fixture body: ``yield from running_sink()``."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink("127.0.0.1", _free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    controller.start()
    yield sink
    controller.stop()


def send_over_smtp(server, msg: EmailMessage) -> None:
    """Deliver ``msg`` to the test SMTP server the way the shop's transport does."""
    sender, rcpts = smtp_envelope(msg)
    with smtplib.SMTP(server.host, server.port, timeout=10) as smtp:
        smtp.sendmail(sender, rcpts, smtp_bytes(msg), mail_options=["BODY=8BITMIME"])


def header_lines(msg: EmailMessage) -> list[bytes]:
    head = wire(msg).split(b"\r\n\r\n", 1)[0]
    return head.split(b"\r\n")
