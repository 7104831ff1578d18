"""Issue #19, money at the storefront: the card is authorised for what 注文する orders.

(1a) a cart changed after the card was authorised asks for the card again, for the new
total; (1b) an older session cookie replayed cannot reuse an authorisation for a second
order; (2) authorisations nobody will use are voided (going back, a refused order);
(3) prices and fees are locked at the 最終確認画面.
"""

from __future__ import annotations

from sqlalchemy import func, select

from ktaishop.extensions import db
from ktaishop.payment import gateway
from models import CardAuthorisation, Order, OrderStatus, Product, ShopSettings, Variant
from models.payment_records import AMOUNT_CHANGED, NOT_AUTHORIZED
from models.quote import QUOTE_CHANGED

from .flows import COD_OPTIONS, to_confirmation
from .shop import (
    IPHONE_UA,
    PASSWORD,
    Shopper,
    deliver_mail,
    link_to,
    mail_text,
    seed_shop,
    url_in,
)

CARD = {"card_number": "4111111111111111", "exp_month": "12", "exp_year": "2099",
        "holder": "RYOKO KOBAYASHI"}
CARD_OPTIONS = COD_OPTIONS | {"payment": "card"}


def _orders(app) -> list[Order]:
    with app.app_context():
        return list(db.session.scalars(select(Order).order_by(Order.id)))


def _guest_at_confirmation(app, catalog):
    phone = Shopper(app, IPHONE_UA, cookies=True)
    card_page = to_confirmation(phone, catalog.plain_id, catalog.plain_variant_id,
                                options=CARD_OPTIONS, expect=False)
    confirm = phone.submit(card_page, CARD)
    assert "ご注文内容の確認" in confirm.text and "末尾1111" in confirm.text
    return phone, confirm


def _states(app) -> dict[int, str]:
    with app.app_context():
        return {a.amount: a.state for a in db.session.scalars(select(CardAuthorisation))}


def test_a_cart_changed_after_the_card_asks_for_the_card_again_for_the_new_total(
        app, smtp_server):
    """1a: 1 mug authorised (1,200 円), 3 in the cart, the page reloaded, 注文する."""
    catalog = seed_shop(app)
    app.config["MAIL_URL"] = smtp_server.url
    phone, _ = _guest_at_confirmation(app, catalog)
    cart = phone.get("/cart")
    phone.submit(cart, {"variant_id": str(catalog.plain_variant_id), "quantity": "3"},
                 action_contains="/cart/update")
    again = phone.get("/checkout/confirm")
    assert "カード情報" in again.text and AMOUNT_CHANGED in again.text  # not the 注文する page
    old_total = 1200 + 800
    new_total = 3600 + 800
    assert _states(app) == {old_total: "released"}  # the old authorisation was voided
    with app.app_context():
        assert list(gateway().voided.values()) == [old_total]
    confirm = phone.submit(again, CARD)
    assert f"{new_total:,}円" in confirm.text
    phone.submit(confirm, {}, action_contains="/checkout/place")
    [order] = _orders(app)
    assert order.total == new_total and order.authorised_amount == new_total
    assert _states(app) == {old_total: "released", new_total: "claimed"}
    link = url_in(mail_text(deliver_mail(app, smtp_server, 1)[0]), "/order/confirm/")
    phone.submit(phone.get(link), {})  # the guest confirms: the exact total is captured
    with app.app_context():
        order = db.session.get(Order, order.id)
        assert order.status == OrderStatus.COMPLETED and order.payment_status == "決済完了"
        assert gateway().captured == {order.payment_reference: new_total}


def test_a_replayed_session_cannot_use_one_authorisation_for_a_second_order(app):
    """1b: the cookie of the confirmation page, saved and sent again after 注文する."""
    catalog = seed_shop(app)
    phone, confirm = _guest_at_confirmation(app, catalog)
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    saved = phone.client.client.get_cookie(cookie_name).value
    phone.submit(confirm, {}, action_contains="/checkout/place")
    assert len(_orders(app)) == 1
    phone.client.client.set_cookie(cookie_name, saved)  # the replay
    info = phone.get("/checkout/info")
    phone.submit(info, {"name": "別の 名前", "kana": "ベツノ ナマエ", "tel": "0312345678",
                        "email": "other@example.com", "zip_code": "1000001",
                        "address": "東京都千代田区1-1", "same": "1"})
    confirm = phone.get("/checkout/confirm")
    refused = phone.submit(confirm, {}, action_contains="/checkout/place")
    assert NOT_AUTHORIZED in refused.text and "カード情報" in refused.text
    [order] = _orders(app)  # still one order, one authorisation
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order).where(
            Order.payment_reference == order.payment_reference)) == 1


def test_going_back_from_the_confirmation_page_voids_the_authorisation(app):
    catalog = seed_shop(app)
    phone, confirm = _guest_at_confirmation(app, catalog)
    options = phone.get(link_to(confirm, "/checkout/options"))
    phone.submit(options, COD_OPTIONS)  # changes to 代引き
    assert _states(app) == {2000: "released"}
    with app.app_context():
        assert gateway().voided == {r: 2000 for r in gateway().authorised}


def test_an_order_refused_for_stock_voids_its_authorisation(app):
    catalog = seed_shop(app, stock=1)
    phone, confirm = _guest_at_confirmation(app, catalog)
    with app.app_context():
        db.session.get(Variant, catalog.plain_variant_id).stock = 0  # sold meanwhile
        db.session.commit()
    refused = phone.submit(confirm, {}, action_contains="/checkout/place")
    assert "在庫が不足" in refused.text
    assert _orders(app) == [] and _states(app) == {2000: "released"}
    with app.app_context():
        assert list(gateway().voided.values()) == [2000] and gateway().captured == {}


def _member(app) -> None:
    from models import Member, now

    with app.app_context():
        member = Member(email="taro@example.com", name="山田 太郎", kana="ヤマダ タロウ",
                        tel="0312345678", zip_code="1000001", address="東京都千代田区1-1",
                        email_verified_at=now())
        member.set_password(PASSWORD)
        db.session.add(member)
        db.session.commit()


def test_a_price_changed_after_the_confirmation_page_orders_nothing(app):
    """3: a member sees the total; the shop raises the price; the same 注文する."""
    catalog = seed_shop(app)
    _member(app)
    phone = Shopper(app, IPHONE_UA, cookies=True)
    phone.submit(phone.get("/login"), {"email": "taro@example.com", "password": PASSWORD})
    product = phone.get(f"/product/{catalog.plain_id}")
    phone.submit(product, {"quantity": "1"}, action_contains="/cart/add")
    info = phone.get("/checkout/info")
    options = phone.submit(info, {"same": "1"} | {
        "name": "山田 太郎", "kana": "ヤマダ タロウ", "tel": "0312345678",
        "email": "taro@example.com", "zip_code": "1000001", "address": "東京都千代田区1-1"})
    confirm = phone.submit(options, COD_OPTIONS)
    assert "2,315円" in confirm.text  # 1,200 + 配送料 800 + 代引き 315
    with app.app_context():
        db.session.get(Product, catalog.plain_id).price = 120000
        db.session.commit()
    back = phone.submit(confirm, {}, action_contains="/checkout/place")
    assert QUOTE_CHANGED in back.text and "ご注文内容の確認" in back.text
    assert "120,000円" in back.text and "2,315円" not in back.text
    assert _orders(app) == []
    done = phone.submit(back, {}, action_contains="/checkout/place")  # now at what it shows
    assert "注文完了" in done.text
    [order] = _orders(app)
    assert order.total == 121050  # free shipping over 10,000 円; 代引き 1,050 円


def test_fees_changed_after_the_confirmation_page_order_nothing(app):
    catalog = seed_shop(app)
    phone = Shopper(app, IPHONE_UA, cookies=True)
    confirm = to_confirmation(phone, catalog.plain_id, catalog.plain_variant_id)
    with app.app_context():
        ShopSettings.load(db.session).shipping_fee = 1500
        db.session.commit()
    back = phone.submit(confirm, {}, action_contains="/checkout/place")
    assert QUOTE_CHANGED in back.text and "1,500円" in back.text
    assert _orders(app) == []


def test_the_members_order_page_shows_a_refund(app):
    """2: what went back to the card is on マイページ's 注文詳細 too."""
    from ktaishop.payment import settle_item_changes

    catalog = seed_shop(app)
    _member(app)
    phone = Shopper(app, IPHONE_UA, cookies=True)
    phone.submit(phone.get("/login"), {"email": "taro@example.com", "password": PASSWORD})
    for product_id in (catalog.plain_id, catalog.product_id):
        page = phone.get(f"/product/{product_id}")
        phone.submit(page, {"variant_id": str(catalog.variant_id), "quantity": "1"},
                     action_contains="/cart/add")
    info = phone.get("/checkout/info")
    options = phone.submit(info, {"same": "1"} | {
        "name": "山田 太郎", "kana": "ヤマダ タロウ", "tel": "0312345678",
        "email": "taro@example.com", "zip_code": "1000001", "address": "東京都千代田区1-1"})
    confirm = phone.submit(phone.submit(options, CARD_OPTIONS), CARD)
    phone.submit(confirm, {}, action_contains="/checkout/place")
    [order] = _orders(app)
    with app.app_context():
        order = db.session.get(Order, order.id)
        assert order.payment_status == "決済完了"
        order.cancel_item(db.session, order.items[0], "tester")  # the mug, 1,200 円
        assert settle_item_changes(order, "tester") == 1200
        db.session.commit()
    page = phone.get(f"/mypage/orders/{order.id}")
    assert "ご返金額：1,200円（クレジットカードへ返金）" in page.text
