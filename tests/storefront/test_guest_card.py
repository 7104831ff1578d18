"""A guest's card is charged only when the mailed link is confirmed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ktaishop.extensions import db
from ktaishop.payment import gateway
from models import Order, OrderStatus, now

from .flows import COD_OPTIONS, to_confirmation
from .shop import IPHONE_UA, Shopper, deliver_mail, mail_text, seed_shop, url_in

CARD = {"card_number": "4111111111111111", "exp_month": "12", "exp_year": "2099",
        "holder": "RYOKO KOBAYASHI"}


def _guest_card_order(app, smtp_server):
    catalog = seed_shop(app)
    app.config["MAIL_URL"] = smtp_server.url
    phone = Shopper(app, IPHONE_UA, cookies=True)
    card_page = to_confirmation(phone, catalog.plain_id, catalog.plain_variant_id,
                                options=COD_OPTIONS | {"payment": "card"}, expect=False)
    confirm = phone.submit(card_page, CARD)
    phone.submit(confirm, {}, action_contains="/checkout/place")
    link = url_in(mail_text(deliver_mail(app, smtp_server, 1)[0]), "/order/confirm/")
    with app.app_context():
        order = db.session.scalar(select(Order))
        assert order.status == OrderStatus.PROVISIONAL
        assert order.payment_status == "与信済" and order.paid_at is None
        assert order.payment_reference not in gateway().captured
    return phone, link


def test_confirming_the_link_captures_the_card(app, smtp_server):
    phone, link = _guest_card_order(app, smtp_server)
    phone.submit(phone.get(link), {})
    with app.app_context():
        order = db.session.scalar(select(Order))
        assert order.status == OrderStatus.COMPLETED
        assert order.payment_status == "決済完了" and order.paid_at is not None
        assert gateway().captured[order.payment_reference] == order.total


def test_an_expired_guest_order_voids_the_card_hold(app, smtp_server, runner):
    _guest_card_order(app, smtp_server)
    with app.app_context():
        order = db.session.scalar(select(Order))
        order.confirm_expires_at = now() - timedelta(minutes=1)
        db.session.commit()
        runner.invoke(args=["expire-orders"])
        order = db.session.scalar(select(Order))
        assert order.status == OrderStatus.CANCELLED
        assert order.payment_status == "与信取消"
        assert order.payment_reference not in gateway().captured
