"""A real SMTP server for mail tests that can also misbehave like a carrier's.

``smtp_server`` here replaces the top-level one for the mail tests (tests/mail and
tests/admin/mail import it in their conftest): aiosmtpd's
Controller cannot start on port 0 (it connects to the port it was given to check
the server is up), so a free port is picked first. The server keeps the raw bytes
of every message and can refuse recipients at RCPT or hang up at MAIL FROM. Like
Postfix and the carriers' servers it offers PIPELINING unless told not to (the
top-level server, plain aiosmtpd, does not: the rest of the suite sends the other way).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.conftest import ReceivedMail, SmtpServer, free_port


@dataclass
class MailServer(SmtpServer):
    refuse: dict[str, int] = field(default_factory=dict)  # address -> code at RCPT
    drop_every: int = 0  # hang up at every n-th MAIL FROM (0: never)
    pipelining: bool = True  # offer PIPELINING (RFC 2920) in the EHLO answer
    mail_commands: int = 0
    drops: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler:
    def __init__(self, server: MailServer) -> None:
        self.server = server

    async def handle_EHLO(self, smtp, session, envelope, hostname, responses):  # noqa: N802
        session.host_name = hostname
        if self.server.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, smtp, session, envelope, address, options):  # noqa: N802
        with self.server.lock:
            self.server.mail_commands += 1
            every = self.server.drop_every
            drop = bool(every) and self.server.mail_commands % every == 0
            if drop:
                self.server.drops += 1
        if drop:
            smtp.transport.close()  # like a throttling carrier MTA: no answer, just gone
            return "421 closing"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, smtp, session, envelope, address, options):  # noqa: N802
        code = self.server.refuse.get(address)
        if code:
            return f"{code} No such user here (test)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp, session, envelope):  # noqa: N802
        if self.server.fail_next:
            return f"{self.server.fail_next.pop(0)} Requested action not taken (test)"
        with self.server.lock:
            self.server.messages.append(
                ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[MailServer]:
    from aiosmtpd.controller import Controller

    server = MailServer("127.0.0.1", free_port())
    controller = Controller(_Handler(server), hostname="127.0.0.1", port=server.port,
                            data_size_limit=10 * 1024 * 1024)
    controller.start()
    yield server
    controller.stop()

