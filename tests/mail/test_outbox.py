"""The outbox against a real SMTP server: send_now, deliver_due, retries, BCC, .eml files."""

from __future__ import annotations

from email import message_from_bytes, policy

from sqlalchemy import select

from ktaishop.mail.outbox import send_now
from ktaishop.mail.worker import deliver_due
from models import MailKind, MailLog, OutboxMessage, OutboxStatus, queue_mail

from .helpers import make_order, use_mail_profile


def _queue(db, **overrides) -> OutboxMessage:
    values = dict(to="taro@docomo.ne.jp", mail_from="shop@example.jp",
                  subject="ご注文ありがとうございます", body="ありがとうございます😀")
    values.update(overrides)
    message = queue_mail(db, **values)
    db.commit()
    return message


def test_send_now_delivers_docomo_mail_and_logs_it_on_the_order(app, db, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    use_mail_profile(db, "legacy")
    order = make_order(db)
    message = _queue(db, order_id=order.id, bcc="boss@example.jp", kind=MailKind.GENERAL)

    assert send_now(db, message) is None
    db.commit()

    [received] = smtp_server.wait_for(1)
    assert sorted(received.rcpt_tos) == ["boss@example.jp", "taro@docomo.ne.jp"]
    assert b"boss@example.jp" not in received.raw  # BCC only in the envelope
    mail = received.message
    assert mail.get_content_charset().lower() == "shift_jis"
    assert mail["Subject"] == "ご注文ありがとうございます"
    assert "ありがとうございます" in mail.get_content()
    assert message.status == OutboxStatus.SENT
    [logged] = db.scalars(select(MailLog).where(MailLog.order_id == order.id)).all()
    assert logged.subject == "ご注文ありがとうございます"


def test_send_now_reports_a_refusal_in_japanese_and_logs_nothing(app, db, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    order = make_order(db)
    message = _queue(db, order_id=order.id)
    smtp_server.fail_next.append(554)

    error = send_now(db, message)
    db.commit()

    assert error is not None and "554" in error and "拒否" in error
    assert message.status == OutboxStatus.FAILED
    assert "554" in message.last_error
    assert db.scalars(select(MailLog)).all() == []


def test_send_now_without_a_server_fails_clearly(app, db):
    app.config["MAIL_URL"] = "smtp://127.0.0.1:9"  # discard port: nothing listens
    message = _queue(db)
    error = send_now(db, message)
    assert error is not None and "接続できません" in error
    assert message.status == OutboxStatus.FAILED


def test_deliver_due_sends_each_carrier_in_its_charset(app, db, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    use_mail_profile(db, "legacy")  # the standard profile: tests/mail/test_mail_profiles.py
    for to in ("a@docomo.ne.jp", "b@ezweb.ne.jp", "c@softbank.ne.jp", "d@example.com"):
        _queue(db, to=to)

    assert deliver_due(app) == 4

    charsets = {m.rcpt_tos[0]: m.message.get_content_charset().lower()
                for m in smtp_server.wait_for(4)}
    assert charsets["a@docomo.ne.jp"] == "shift_jis"
    assert charsets["d@example.com"] == "utf-8"
    assert charsets["b@ezweb.ne.jp"] == "iso-2022-jp"
    assert charsets["c@softbank.ne.jp"] == "shift_jis"
    assert all(m.status == OutboxStatus.SENT for m in db.scalars(select(OutboxMessage)))


def test_temporary_refusal_is_retried_later_and_then_sent(app, db, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    message = _queue(db)
    smtp_server.fail_next.append(451)

    assert deliver_due(app) == 0
    db.refresh(message)
    assert message.status == OutboxStatus.QUEUED and "451" in message.last_error
    assert message.next_attempt_at > message.created_at  # backoff, not a busy loop

    message.next_attempt_at = message.created_at
    db.commit()
    assert deliver_due(app) == 1
    assert len(smtp_server.wait_for(1)) == 1


def test_permanent_refusal_is_recorded_with_the_answer_and_not_retried(app, db, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    message = _queue(db, to="gone@example.com")
    smtp_server.fail_next.append(550)
    assert deliver_due(app) == 0
    db.refresh(message)
    assert message.status == OutboxStatus.FAILED and "550" in message.last_error


def test_header_injection_in_a_row_fails_it_without_sending(app, db, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    message = _queue(db, subject="hello\r\nBcc: victim@example.com")
    assert deliver_due(app) == 0
    db.refresh(message)
    assert message.status == OutboxStatus.FAILED
    assert smtp_server.messages == []


def test_file_transport_writes_eml_files(app, db, tmp_path):
    app.config["MAIL_URL"] = f"file://{tmp_path / 'out'}"
    _queue(db, to="x@ezweb.ne.jp")
    assert deliver_due(app) == 1
    [path] = (tmp_path / "out").glob("*.eml")
    mail = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert mail["To"] == "x@ezweb.ne.jp"
    assert mail["Subject"] == "ご注文ありがとうございます"


def test_a_bug_with_one_message_fails_it_and_the_rest_still_go(app, db, smtp_server,
                                                               monkeypatch):
    from ktaishop.mail import outbox

    def explode(session, message, cache):
        raise RuntimeError("builder bug")

    monkeypatch.setitem(outbox.BUILDERS, "broken", explode)
    app.config["MAIL_URL"] = smtp_server.url
    bad = _queue(db, to="first@example.com")
    bad.kind = "broken"
    _queue(db, to="second@example.com")
    db.commit()

    assert deliver_due(app) == 1
    db.refresh(bad)
    assert bad.status == OutboxStatus.FAILED and "予期しないエラー" in bad.last_error
    assert [m.rcpt_tos for m in smtp_server.wait_for(1)] == [["second@example.com"]]
