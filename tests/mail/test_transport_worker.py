"""Transports from MAIL_URL, refusals at RCPT, the in-process sender and its rate limit."""

from __future__ import annotations

import smtplib
import time

import pytest
from sqlalchemy import select

from ktaishop import create_app
from ktaishop.mail.outbox import send_now
from ktaishop.mail.transport import FileTransport, SmtpTransport, transport_from_url
from ktaishop.mail.worker import deliver_due
from models import Member, OutboxMessage, OutboxStatus, queue_mail


def test_mail_urls_name_their_transport():
    starttls = transport_from_url("smtp+starttls://shop%40example.jp:p%40ss@mail.example.jp:2587")
    assert isinstance(starttls, SmtpTransport)
    assert (starttls.config.mode, starttls.config.host, starttls.config.port) == (
        "starttls", "mail.example.jp", 2587)
    assert (starttls.config.user, starttls.config.password) == ("shop@example.jp", "p@ss")
    assert transport_from_url("smtps://mail.example.jp").config.port == 465
    assert transport_from_url("smtp://mail.example.jp").config.mode == "plain"
    assert isinstance(transport_from_url("file:///tmp/mail"), FileTransport)
    with pytest.raises(ValueError):
        transport_from_url("http://mail.example.jp")


@pytest.mark.parametrize("pipelining", [True, False], ids=["pipelined", "one-by-one"])
def test_refused_mailbox_fails_with_the_answer_and_stops_newsletters(app, db, smtp_server,
                                                                     pipelining):
    smtp_server.pipelining = pipelining
    app.config["MAIL_URL"] = smtp_server.url
    db.add(Member(email="gone@docomo.ne.jp", name="不在"))
    message = queue_mail(db, to="gone@docomo.ne.jp", mail_from="shop@example.jp",
                         subject="お知らせ", body="本文")
    db.commit()
    smtp_server.refuse["gone@docomo.ne.jp"] = 550

    error = send_now(db, message)
    db.commit()

    assert "550" in error and "No such user" in error
    assert message.status == OutboxStatus.FAILED
    member = db.scalar(select(Member).where(Member.email == "gone@docomo.ne.jp"))
    assert member.bounced is True
    assert smtp_server.messages == []


@pytest.mark.parametrize("pipelining", [True, False], ids=["pipelined", "one-by-one"])
def test_a_refused_bcc_does_not_keep_the_purchaser_from_the_mail(app, db, smtp_server,
                                                                 pipelining):
    smtp_server.pipelining = pipelining
    app.config["MAIL_URL"] = smtp_server.url
    queue_mail(db, to="buyer@example.com", mail_from="shop@example.jp", subject="受注",
               body="ありがとうございます", bcc="typo@example.com")
    smtp_server.refuse["typo@example.com"] = 550
    assert deliver_due(app) == 1
    [received] = smtp_server.wait_for(1)
    assert received.rcpt_tos == ["buyer@example.com"]


@pytest.mark.parametrize("pipelining", [True, False], ids=["pipelined", "one-by-one"])
def test_a_refused_purchaser_gets_no_mail_and_neither_does_the_bcc(app, db, smtp_server,
                                                                   pipelining):
    smtp_server.pipelining = pipelining
    app.config["MAIL_URL"] = smtp_server.url
    message = queue_mail(db, to="gone@example.com", mail_from="shop@example.jp",
                         subject="受注", body="本文", bcc="shop-copy@example.jp")
    queue_mail(db, to="next@example.com", mail_from="shop@example.jp", subject="受注",
               body="本文")
    smtp_server.refuse["gone@example.com"] = 550
    assert deliver_due(app) == 1

    [received] = smtp_server.wait_for(1)
    time.sleep(0.2)  # nothing else arrives late
    assert [m.rcpt_tos for m in smtp_server.messages] == [["next@example.com"]]
    assert received.rcpt_tos == ["next@example.com"]
    db.refresh(message)
    assert message.status == OutboxStatus.FAILED and "550" in message.last_error


@pytest.mark.parametrize("pipelining", [True, False], ids=["pipelined", "one-by-one"])
def test_lines_starting_with_a_dot_arrive_as_written(smtp_server, pipelining):
    smtp_server.pipelining = pipelining
    transport = transport_from_url(smtp_server.url)
    data = b"Subject: dots\r\n\r\n.\r\n..two\r\n.three\r\nno final line break"
    transport.send(data, "shop@example.jp", ["a@example.com"])
    transport.close()

    [received] = smtp_server.wait_for(1)
    assert received.raw.replace(b"\r\n", b"\n").endswith(
        b"\n.\n..two\n.three\nno final line break\n")


def test_a_pipelining_server_gets_the_envelope_and_data_in_one_write(smtp_server, monkeypatch):
    writes: list[bytes | str] = []
    original = smtplib.SMTP.send
    monkeypatch.setattr(smtplib.SMTP, "send",
                        lambda conn, data: writes.append(data) or original(conn, data))
    transport = transport_from_url(smtp_server.url)
    transport.send(b"Subject: a\r\n\r\nA\r\n", "shop@example.jp", ["a@example.com"])
    writes.clear()  # the EHLO and the first message, which opened the connection
    transport.send(b"Subject: b\r\n\r\nB\r\n", "shop@example.jp", ["b@example.com"])
    transport.close()

    assert writes[:2] == ["MAIL FROM:<shop@example.jp>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n",
                          b"Subject: b\r\n\r\nB\r\n.\r\n"]
    assert len(smtp_server.wait_for(2)) == 2


def test_in_process_sender_delivers_at_the_configured_rate(database_url, tmp_path, smtp_server):
    app = create_app({
        "TESTING": True, "DATABASE_URL": database_url, "MAIL_URL": smtp_server.url,
        "SECRET_KEY": "test", "SEND_MAIL_IN_PROCESS": True, "MAIL_RATE": 20,
        "IMAGE_DIR": str(tmp_path),
    })
    stop = app.extensions["ktaishop.sender"]
    try:
        with app.app_context():
            from ktaishop.extensions import db as _db
            from tests.conftest import empty_tables

            empty_tables(_db.engine)
            for i in range(10):
                queue_mail(_db.session, to=f"r{i}@example.com", mail_from="shop@example.jp",
                           subject="順番", body=f"{i}")
            _db.session.commit()
            start = time.monotonic()
            assert len(smtp_server.wait_for(10, timeout=20)) == 10
            elapsed = time.monotonic() - start
            assert elapsed >= 0.4  # 10 messages at 20 per second take about half a second
            _db.session.rollback()
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and _db.session.scalar(
                    select(OutboxMessage.id).where(OutboxMessage.status != OutboxStatus.SENT)):
                _db.session.rollback()
                time.sleep(0.05)
    finally:
        stop.set()
        time.sleep(0.3)
        with app.app_context():
            _db.engine.dispose()
