"""出荷通知メール送信 (P22): mails really sent, never twice, failures stay 出荷済."""

from __future__ import annotations

import html
import re
import threading

from sqlalchemy import func, select

from ktaishop.extensions import db as _db
from models import MailKind, MailLog, OrderStatus, OutboxMessage, PackageStatus
from tests.conftest import csrf_token_from

from .conftest import orders_in


def _shipped(db):
    return [o for o in orders_in(db, OrderStatus.INSTRUCTED)
            if o.package.status == PackageStatus.SHIPPED]


def _press(client):
    page = client.get("/admin/delivery/notice").get_data(as_text=True)
    assert "出荷通知メールを送信し" in page
    return client.post("/admin/delivery/notice", data={"csrf_token": csrf_token_from(page)})


def test_notices_are_sent_and_orders_completed(shop, db, app, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    shipped = _shipped(db)
    assert len(shipped) == 3
    result = html.unescape(_press(shop).get_data(as_text=True))
    assert "3 件の出荷通知メールを送信し" in result
    mails = smtp_server.wait_for(3)
    assert sorted(m.rcpt_tos[0] for m in mails) == sorted(o.purchaser_email for o in shipped)
    bodies = "".join(m.message.get_body().get_content() for m in mails)
    for order in shipped:
        assert order.package.delivery_no in bodies
    db.expire_all()
    assert all(o.status == OrderStatus.DONE for o in shipped)
    assert all(o.package.status == PackageStatus.NOTIFIED for o in shipped)
    assert db.scalar(select(func.count()).select_from(MailLog)
                     .where(MailLog.order_id.in_([o.id for o in shipped]),
                            MailLog.subject == "商品を出荷しました。")) == 3
    # Pressed again: nobody is left to notify, nobody gets a second mail.
    page = shop.get("/admin/delivery/notice").get_data(as_text=True)
    assert "出荷済の荷物はありません" in page
    listing = shop.get("/admin/delivery").get_data(as_text=True)
    assert 'id="notice-button" disabled' in listing
    assert len(smtp_server.messages) == 3


def test_failed_recipient_stays_shipped_and_is_listed(shop, db, app, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    shipped = _shipped(db)
    smtp_server.fail_next.append(550)  # the first mailbox does not exist
    text = html.unescape(_press(shop).get_data(as_text=True))
    assert "2 件の出荷通知メールを送信し" in text
    assert "メールを送信できなかったため、出荷済のままです" in text
    db.expire_all()
    failed = [o for o in shipped if o.package.status == PackageStatus.SHIPPED]
    assert len(failed) == 1 and failed[0].status == OrderStatus.INSTRUCTED
    assert failed[0].order_no in text and failed[0].purchaser_email in text
    # The next press sends to that recipient only.
    text = html.unescape(_press(shop).get_data(as_text=True))
    assert "1 件の出荷通知メールを送信し" in text
    assert len(smtp_server.wait_for(3)) == 3
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages).count(
        failed[0].purchaser_email) == 1


def test_two_browsers_pressing_at_once_send_each_notice_once(shop, db, app, smtp_server):
    """Four admins press OK at the same moment: every purchaser gets exactly one mail."""
    from admin.delivery.notice_mail import send_notices

    app.config["MAIL_URL"] = smtp_server.url
    shipped = _shipped(db)
    db.rollback()  # SQLite: the test's own read transaction holds the write lock
    start = threading.Barrier(4)
    results, errors = [], []

    def press() -> None:
        try:
            with app.test_request_context():
                session = _db.new_session()
                start.wait()
                results.append(send_notices(session, "tester", limit=100))
                session.close()
        except Exception as error:  # reported below: a thread must not hide it
            errors.append(error)

    threads = [threading.Thread(target=press) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sum(len(batch.sent) for batch in results) == 3
    assert not any(batch.failed for batch in results)
    smtp_server.wait_for(3)
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == sorted(
        o.purchaser_email for o in shipped)
    notices = db.scalar(select(func.count()).select_from(OutboxMessage)
                        .where(OutboxMessage.kind == MailKind.SHIPPING_NOTICE))
    assert notices == 3


def test_big_batch_goes_in_slices_with_progress(shop, db, app, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    app.config["SHIPPING_NOTICE_SLICE"] = 2
    first = _press(shop)
    text = html.unescape(first.get_data(as_text=True))
    assert "送信済 2 件" in text and "残り 1 件" in text
    form = dict(re.findall(r'name="(after_id|sent|failed)" value="([^"]*)"', text))
    final = shop.post("/admin/delivery/notice", data={"csrf_token": csrf_token_from(text), **form})
    assert "3 件の出荷通知メールを送信し" in html.unescape(final.get_data(as_text=True))
    # The same progress form sent again (a reload) notifies nobody a second time.
    again = shop.post("/admin/delivery/notice", data={"csrf_token": csrf_token_from(text), **form})
    assert again.status_code == 200
    assert len(smtp_server.wait_for(3)) == 3
