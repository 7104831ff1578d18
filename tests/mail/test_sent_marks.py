"""The bulk sender records each mail as sent before the next one goes out.

That order is the whole "at most one duplicate per killed worker" promise: the
"sent" mark of message N (now one autocommitted statement, on PostgreSQL read back
while message N+1's envelope is on the wire) must be committed - visible to another
connection - before message N+1's text goes.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from ktaishop.mail.outbox import SendOptions, claim, send_claimed, sending_session
from ktaishop.mail.transport import transport_from_url
from models import OutboxMessage, OutboxStatus, queue_mail


class _Witness:
    """A transport that, before each message's text goes, counts the rows another
    connection sees as sent."""

    def __init__(self, inner, engine) -> None:
        self.inner, self.engine, self.seen = inner, engine, []

    def _count_sent(self) -> int:
        with self.engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.status == OutboxStatus.SENT))

    def send(self, data, mail_from, rcpts, before_data=None) -> None:
        def check() -> None:
            if before_data is not None:
                before_data()
            self.seen.append(self._count_sent())

        self.inner.send(data, mail_from, rcpts, before_data=check)

    def close(self) -> None:
        self.inner.close()


def test_each_mail_is_recorded_sent_before_the_next_goes(app, db, smtp_server):
    for i in range(12):
        queue_mail(db, to=f"m{i}@docomo.ne.jp", mail_from="shop@example.jp",
                   subject=f"お知らせ{i}", body="本文")
    db.commit()
    transport = _Witness(transport_from_url(smtp_server.url), db.get_bind())
    with sending_session(db.get_bind()) as worker:
        ids, lease_until = claim(worker, batch=20, lease_seconds=60)
        assert send_claimed(worker, ids, lease_until, transport, SendOptions()) == 12
    transport.close()

    assert transport.seen == list(range(12))  # message i saw the i before it recorded
    rows = db.scalars(select(OutboxMessage)).all()
    assert {(m.status, m.last_error) for m in rows} == {(OutboxStatus.SENT, "")}
    assert all(m.sent_at is not None for m in rows)
    assert len(smtp_server.wait_for(12)) == 12


@pytest.mark.parametrize("pipelining", [True, False], ids=["pipelined", "one-by-one"])
def test_a_failing_hook_before_data_sends_nothing_and_the_connection_goes_on(smtp_server,
                                                                            pipelining):
    smtp_server.pipelining = pipelining
    transport = transport_from_url(smtp_server.url)

    def refuse() -> None:
        raise RuntimeError("the previous mail is not recorded")

    with pytest.raises(RuntimeError):
        transport.send(b"Subject: a\r\n\r\nA\r\n", "shop@example.jp", ["a@example.com"],
                       before_data=refuse)
    transport.send(b"Subject: b\r\n\r\nB\r\n", "shop@example.jp", ["b@example.com"])
    transport.close()

    [received] = smtp_server.wait_for(1)
    time.sleep(0.2)  # nothing else arrives late
    assert len(smtp_server.messages) == 1
    assert received.rcpt_tos == ["b@example.com"]
