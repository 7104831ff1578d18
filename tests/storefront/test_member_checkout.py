"""Members on au, SoftBank and a smartphone: register by mail, log in, buy, get the mail."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from ktaishop.extensions import db
from models import Member, Order, OrderStatus

from .shop import (
    AU_UA,
    BUYER,
    IPHONE_UA,
    PASSWORD,
    SOFTBANK_UA,
    Shopper,
    deliver_mail,
    link_to,
    mail_text,
    seed_shop,
    url_in,
)

HANDSETS = [
    pytest.param(AU_UA, "hanako@ezweb.ne.jp", "cod", "Shift_JIS", id="au"),
    pytest.param(SOFTBANK_UA, "hanako@softbank.ne.jp", "card", "UTF-8", id="softbank"),
    pytest.param(IPHONE_UA, "hanako@example.com", "card", "UTF-8", id="smartphone"),
]


def add_to_cart(shopper: Shopper, product_id: int, variant_id: int, quantity: str = "1"):
    page = shopper.get(f"/product/{product_id}")
    return shopper.submit(page, {"variant_id": str(variant_id), "quantity": quantity},
                          action_contains="/cart/add")


def register_and_verify(shopper: Shopper, app, smtp_server, email: str, *, mails: int = 1):
    cart = shopper.get("/cart")
    start = shopper.get(link_to(cart, "/checkout"))
    form = shopper.get(link_to(start, "/register"))
    sent = shopper.submit(form, BUYER | {"email": email, "newsletter": "1"})
    assert "確認メールを送信しました" in sent.text
    received = deliver_mail(app, smtp_server, mails)
    assert received[-1].rcpt_tos == [email]
    # The link shows the page; the password is set there, by whoever holds the mailbox.
    link = shopper.get(url_in(mail_text(received[-1]), "/register/verify/"))
    verified = shopper.submit(link, {"password": PASSWORD, "password2": PASSWORD})
    assert "会員登録が完了しました" in verified.text
    return verified


@pytest.mark.parametrize(("ua", "email", "payment", "charset"), HANDSETS)
def test_member_registers_logs_in_and_buys(app, smtp_server, ua, email, payment, charset):
    catalog = seed_shop(app)
    app.config["MAIL_URL"] = smtp_server.url
    phone = Shopper(app, ua, cookies=True)
    add_to_cart(phone, catalog.product_id, catalog.variant_id)
    verified = register_and_verify(phone, app, smtp_server, email)
    assert verified.charset == charset

    login = phone.get(link_to(verified, "/login?next=checkout"))
    wrong = phone.submit(login, {"email": email, "password": "nope-nope"})
    assert "メールアドレスかパスワードが違います" in wrong.text
    info = phone.submit(wrong, {"email": email, "password": PASSWORD})
    assert "カート(1)" in info.text  # the cart survived registration and login
    assert "注文者情報" in info.text and email in info.text  # prefilled from the member
    options = phone.submit(info, {"same": "1"} | _prefilled(info.text))
    page = phone.submit(options, {"date": "", "time": "", "wrapping": "", "note": "",
                                  "payment": payment})
    if payment == "card":
        assert "カード情報" in page.text
        declined = phone.submit(page, {"card_number": "4000 0000 0000 0002", "exp_month": "12",
                                       "exp_year": "2099", "holder": "HANAKO YAMADA"})
        assert "このカードはご利用いただけません" in declined.text
        page = phone.submit(declined, {"card_number": "4111111111111111", "exp_month": "12",
                                       "exp_year": "2099", "holder": "HANAKO YAMADA"})
        assert "末尾1111" in page.text
        assert "4111111111111111" not in page.text
    done = phone.submit(page, {}, action_contains="/checkout/place")
    assert "注文完了" in done.text

    with app.app_context():
        member = db.session.scalar(select(Member).where(Member.email == email))
        order = db.session.scalar(select(Order))
        assert order.member_id == member.id and order.status == OrderStatus.COMPLETED
        assert order.payment_method == payment
        if payment == "card":
            assert order.payment_reference.startswith("SBX-")
            assert order.payment_status == "決済完了"
    received = deliver_mail(app, smtp_server, 2)
    assert order.order_no in mail_text(received[1]) and received[1].rcpt_tos == [email]

    history = phone.get("/mypage/orders")
    assert order.order_no in history.text and "注文完了" in history.text
    detail = phone.get(link_to(history, f"/mypage/orders/{order.id}"))
    assert "白Tシャツ" in detail.text


def _prefilled(page_text: str) -> dict[str, str]:
    from html import unescape

    return {name: unescape(value) for name, value in
            re.findall(r'<input type="(?:text|email|tel)" name="(\w+)" value="([^"]*)"',
                       page_text)}
