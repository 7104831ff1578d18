"""Transports from MAIL_URL, refusals at RCPT, the in-process sender and its rate limit."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from ktaishop import create_app
from ktaishop.mailer import FileTransport, SmtpTransport, transport_from_url
from ktaishop.outbox import deliver_due, send_now
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


def test_refused_mailbox_fails_with_the_answer_and_stops_newsletters(app, db, smtp_server):
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


def test_a_refused_bcc_does_not_keep_the_purchaser_from_the_mail(app, db, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    queue_mail(db, to="buyer@example.com", mail_from="shop@example.jp", subject="受注",
               body="ありがとうございます", bcc="typo@example.com")
    smtp_server.refuse["typo@example.com"] = 550
    assert deliver_due(app) == 1
    [received] = smtp_server.wait_for(1)
    assert received.rcpt_tos == ["buyer@example.com"]


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
