"""メール送信 (P12–P14): template 読み込み, validation, a real SMTP send, and failures."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import MailKind, MailLog, MailTemplate, OutboxMessage, OutboxStatus

from .support import csrf_token_from


@pytest.fixture
def order(app, small_shop, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    return small_shop["completed"][0]


def mail_page(client, order, template_id=None):
    query = f"?template={template_id}" if template_id else ""
    return client.get(f"/admin/orders/{order.id}/mail{query}").get_data(as_text=True)


def send(client, order, **fields):
    data = {"subject": "お支払いについて", "mail_from": "shop@ktaishop.example",
            "cc": "", "bcc": "", "body": "いつもありがとうございます。"}
    data.update(fields)
    data["csrf_token"] = csrf_token_from(mail_page(client, order))
    return client.post(f"/admin/orders/{order.id}/mail", data=data, follow_redirects=True)


def logged(db, order) -> int:
    return db.scalar(select(func.count()).select_from(MailLog)
                     .where(MailLog.order_id == order.id, MailLog.subject == "お支払いについて"))


def test_template_is_read_in_with_the_orders_merge_fields(admin_client, order, db):
    general = MailTemplate.for_kind(db, MailKind.GENERAL)
    blank = mail_page(admin_client, order)
    assert ">指定しない</option>" in blank and "汎用メール: ご注文についてのご連絡" in blank
    assert f'<td id="mail-to">{order.purchaser_email}</td>' in blank
    page = mail_page(admin_client, order, general.id)
    assert 'value="ご注文についてのご連絡"' in page
    assert f"{order.purchaser_name} 様\n注文番号: {order.order_no}\n合計: {order.total:,}円" in page
    assert "{{" not in page.split('id="body"')[1].split("</textarea>")[0]


def test_send_reaches_to_cc_and_bcc_and_is_recorded(admin_client, order, db, smtp_server):
    page = send(admin_client, order, cc="a..b.@docomo.ne.jp、cc2@example.com",
                bcc="boss@example.com").get_data(as_text=True)
    assert "メールを送信しました。" in page
    assert "お支払いについて" in page  # the detail's メール送信履歴
    received = smtp_server.wait_for(1)
    assert len(received) == 1
    assert sorted(r.replace('"', "") for r in received[0].rcpt_tos) == sorted([
        order.purchaser_email, "a..b.@docomo.ne.jp", "cc2@example.com", "boss@example.com"])
    message = received[0].message
    assert message["Subject"] == "お支払いについて" and "Bcc" not in message
    assert "いつもありがとうございます。" in message.get_content()
    assert logged(db, order) == 1
    log = db.scalar(select(MailLog).where(MailLog.subject == "お支払いについて"))
    view = admin_client.get(f"/admin/orders/{order.id}/mails/{log.id}").get_data(as_text=True)
    assert "いつもありがとうございます。" in view and "boss@example.com" in view


BAD_INPUT = [
    ({"subject": ""}, "件名を入力してください。"),
    ({"body": ""}, "本文を入力してください。"),
    ({"mail_from": ""}, "FROMを入力してください。"),
    ({"subject": "件名\r\nBcc: victim@example.com"}, "件名に改行は使えません。"),
    ({"mail_from": "shop@ktaishop.example\nBcc: victim@example.com"}, "FROMに改行は使えません。"),
    ({"mail_from": "shop@"}, "FROMのメールアドレスが正しくありません。"),
    ({"cc": "ok@example.com, not an address"},
     "CCのメールアドレス「not an address」が正しくありません。"),
    ({"bcc": "a@example.com, b@example.com"}, "BCCに指定できるメールアドレスは1つです。"),
    ({"bcc": "a..b@example.com"}, "BCCのメールアドレスが正しくありません。"),  # not a keitai domain
]


def test_bad_input_is_refused_with_a_message_and_nothing_sent(
        admin_client, order, db, smtp_server):
    for fields, message in BAD_INPUT:
        page = send(admin_client, order, **fields).get_data(as_text=True)
        assert message in page, fields
    assert db.scalar(select(func.count()).select_from(OutboxMessage)
                     .where(OutboxMessage.kind == MailKind.GENERAL)) == 0
    assert smtp_server.messages == []


def test_a_refused_send_is_shown_and_not_recorded_as_sent(admin_client, order, db, smtp_server):
    smtp_server.fail_next = [554]
    page = send(admin_client, order).get_data(as_text=True)
    assert "メールを送信できませんでした。" in page
    assert 'value="お支払いについて"' in page  # the form keeps what was typed
    assert logged(db, order) == 0
    row = db.scalar(select(OutboxMessage).where(OutboxMessage.subject == "お支払いについて"))
    assert row.status == OutboxStatus.FAILED
