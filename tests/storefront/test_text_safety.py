"""Hostile and unusual text: XSS payloads stay inert, ① 髙 ～ and emoji reach the data."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from carrier_compat.emoji import to_carrier
from ktaishop.extensions import db
from models import Order

from .flows import to_confirmation
from .shop import BUYER, DOCOMO_UA, IPHONE_UA, Shopper, deliver_mail, mail_text, seed_shop

PAYLOAD = "\"'><script>alert(1)</script>&amp;{{shop_name}}"  # fits the 50-char name


def assert_inert(shopper: Shopper) -> None:
    for page in shopper.pages:
        assert "<script>" not in page.text and "'><" not in page.text, page.text


def test_xss_payloads_are_escaped_on_every_page_and_literal_in_mail(app, smtp_server,
                                                                   admin_client):
    catalog = seed_shop(app)
    app.config["MAIL_URL"] = smtp_server.url
    phone = Shopper(app, DOCOMO_UA)
    product = phone.get(f"/product/{catalog.plain_id}")
    cart = phone.submit(product, {"quantity": "1"}, action_contains="/cart/add")
    start = phone.get(next(link for link in cart.links() if "/checkout?" in link))
    info = phone.get(next(link for link in start.links() if "/checkout/guest" in link))
    # Every field gets the payload: the rejected ones come back escaped in the form.
    rejected = phone.submit(info, dict.fromkeys(BUYER, PAYLOAD) | {"same": "0"})
    assert "電話番号は0から始まる" in rejected.text and "&lt;script&gt;" in rejected.text
    accepted = BUYER | {"name": PAYLOAD, "address": PAYLOAD}
    recipient_page = phone.submit(rejected, accepted | {"same": "0"})
    options = phone.submit(recipient_page, accepted | {"email": ""})
    confirm = phone.submit(options, {"date": "", "time": PAYLOAD, "wrapping": "",
                                     "note": PAYLOAD, "payment": "cod"})
    assert "配送希望時間帯は一覧から選んでください" in confirm.text
    confirm = phone.submit(confirm, {"date": "", "time": "", "wrapping": "", "note": PAYLOAD,
                                     "payment": "cod"})
    assert confirm.text.count("&lt;script&gt;") >= 4  # name, address ×2, note
    done = phone.submit(confirm, {}, action_contains="/checkout/place")
    assert "仮注文を受け付けました" in done.text
    assert_inert(phone)
    with app.app_context():
        order = db.session.scalar(select(Order))
    admin_page = admin_client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert "<script>" not in admin_page and "&lt;script&gt;" in admin_page
    with app.app_context():
        order = db.session.scalar(select(Order))
        assert order.purchaser_name == PAYLOAD and order.note == PAYLOAD
        assert order.recipient_address == PAYLOAD
    body = mail_text(deliver_mail(app, smtp_server, 1)[0])
    assert f"{PAYLOAD} 様" in body  # plain text, and {{shop_name}} in data is not expanded


@pytest.mark.parametrize(("ua", "cookies", "emoji"), [
    pytest.param(DOCOMO_UA, False, "🌸", id="docomo"),
    pytest.param(IPHONE_UA, True, "😀", id="smartphone"),
])
def test_special_characters_and_emoji_reach_the_admin_data(app, admin_client, ua, cookies,
                                                          emoji):
    catalog = seed_shop(app)
    phone = Shopper(app, ua, cookies=cookies)
    name = f"髙橋①～{emoji}"
    address = f"東京都港区①－２～３ 髙ビル{emoji}"
    buyer = BUYER | {"name": name, "kana": "ﾀｶﾊｼ", "address": address}
    confirm = to_confirmation(phone, catalog.plain_id, catalog.plain_variant_id, buyer=buyer,
                              options={"date": "", "time": "", "wrapping": "",
                                       "note": f"よろしく{emoji}", "payment": "cod"})
    # The page carries the emoji in the handset's own code (docomo: PUA via Shift_JIS).
    code = phone.carrier.emoji_carrier
    shown = to_carrier(name, code) if code else name
    assert shown in confirm.text and "タカハシ" in confirm.text
    phone.submit(confirm, {}, action_contains="/checkout/place")
    with app.app_context():
        order = db.session.scalar(select(Order))
        assert order.purchaser_name == name and order.recipient_name == name
        assert order.purchaser_address == address
        assert order.purchaser_kana == "タカハシ"  # half-width kana made full-width
        assert order.note == f"よろしく{emoji}"
    admin_page = admin_client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert name in admin_page and address in admin_page
