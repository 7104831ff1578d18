"""Hole 11 (issue #13): once sent, a confirmation or reset link is no longer readable in
the outbox or in the order's メール送信履歴; the mail itself carries it whole."""

from __future__ import annotations

from sqlalchemy import select

from ktaishop.extensions import db
from models import MailKind, MailLog, Member, OutboxMessage, OutboxStatus, now
from models.mail import mask_link_tokens
from tests.storefront.flows import to_confirmation
from tests.storefront.shop import (
    IPHONE_UA,
    Shopper,
    deliver_mail,
    mail_text,
    seed_shop,
    url_in,
)


def stored(app, kind: MailKind) -> OutboxMessage:
    with app.app_context():
        return db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == kind))


def test_a_guests_confirmation_link_is_masked_in_outbox_and_history(app, smtp_server):
    catalog = seed_shop(app)
    app.config["MAIL_URL"] = smtp_server.url
    phone = Shopper(app, IPHONE_UA, cookies=True)
    confirm = to_confirmation(phone, catalog.plain_id, catalog.plain_variant_id)
    phone.submit(confirm, {}, action_contains="/checkout/place")
    queued = stored(app, MailKind.GUEST_CONFIRMATION)
    link = url_in(queued.body, "/order/confirm/")  # whole until it is sent

    [received] = deliver_mail(app, smtp_server, 1)
    assert url_in(mail_text(received), "/order/confirm/") == link  # the guest gets it whole
    sent = stored(app, MailKind.GUEST_CONFIRMATION)
    assert sent.status == OutboxStatus.SENT
    token = link.rsplit("/", 1)[1]
    assert token not in sent.body and "/order/confirm/********" in sent.body
    with app.app_context():
        history = db.session.scalar(select(MailLog))
        assert token not in history.body and "/order/confirm/********" in history.body
    assert "注文を確定する" in phone.get(link).text  # the link itself still works


def test_a_password_reset_link_is_masked_once_sent(app, smtp_server):
    seed_shop(app)
    with app.app_context():
        member = Member(email="jiro@docomo.ne.jp", name="佐藤 次郎", email_verified_at=now())
        member.set_password("secret-pass-1")
        db.session.add(member)
        db.session.commit()
    app.config["MAIL_URL"] = smtp_server.url
    phone = Shopper(app, IPHONE_UA, cookies=True)
    phone.submit(phone.get("/password/reset"), {"email": "jiro@docomo.ne.jp"})
    [received] = deliver_mail(app, smtp_server, 1)
    link = url_in(mail_text(received), "/password/reset/")
    sent = stored(app, MailKind.PASSWORD_RESET)
    assert sent.status == OutboxStatus.SENT
    assert link not in sent.body and "/password/reset/********" in sent.body


def test_masking_keeps_what_was_sent_readable():
    body = ("下のURLを開いてください。\nhttp://shop.example.jp/register/verify/"
            "eyJtIjoxLCJwIjoiYWJjIn0.Z1x2Yw.abcdefghijklmnopqrstu\n"
            "商品: http://shop.example.jp/product/12?ksid=short\n")
    masked = mask_link_tokens(body)
    assert "http://shop.example.jp/register/verify/********" in masked
    assert "http://shop.example.jp/product/12?ksid=short" in masked
    assert masked.startswith("下のURLを開いてください。")
