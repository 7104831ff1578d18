"""A guest's card is charged only when the mailed link is confirmed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ktaishop.extensions import db
from ktaishop.payment import gateway
from models import Order, OrderStatus, now
from tests.conftest import csrf_token_from

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
        assert gateway().voided == {order.payment_reference: order.total}


def test_a_guest_order_the_shop_cancelled_is_never_charged(app, smtp_server, admin_client):
    phone, link = _guest_card_order(app, smtp_server)
    with app.app_context():
        order_id = db.session.scalar(select(Order.id))
    opened = phone.get(link)  # the guest has the page with 注文を確定する open...
    page = admin_client.get("/admin/orders").get_data(as_text=True)
    admin_client.post(f"/admin/orders/{order_id}/cancel",
                      data={"csrf_token": csrf_token_from(page)})  # ...when the shop cancels
    refused = phone.submit(opened, {})
    assert "このURLは使用済みか、正しくありません。" in refused.text
    assert "このURLは使用済みか、正しくありません。" in phone.get(link).text
    with app.app_context():
        order = db.session.get(Order, order_id)
        assert order.status == OrderStatus.CANCELLED and order.payment_status == "与信取消"
        assert gateway().voided == {order.payment_reference: order.total}
        assert gateway().captured == {}
