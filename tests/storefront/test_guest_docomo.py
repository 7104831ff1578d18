"""The whole guest checkout on a cookie-less docomo handset (SH902i, i-mode browser 1.0)."""

from __future__ import annotations

import re

from sqlalchemy import select

from ktaishop.extensions import db
from models import MailLog, Order, OrderStatus, Variant

from .shop import BUYER, DOCOMO_UA, Shopper, deliver_mail, link_to, mail_text, seed_shop, url_in

KEY = re.compile(r"ksid=([A-Za-z0-9_-]{43})")


def assert_key_only_internal(shopper: Shopper) -> None:
    """Once there is a session, every internal link and form carries it; others never."""
    for page in shopper.pages:
        urls = page.links() + page.forms()
        keys = {m for url in urls for m in KEY.findall(url)}
        assert len(keys) <= 1, "one page, one session key"
        for url in urls:
            internal = url.startswith("/")
            if not internal:
                assert "ksid=" not in url, url
            elif keys:
                assert "ksid=" in url and "guid=ON" in url, url
        assert "Set-Cookie" not in page.headers


def test_guest_checkout_on_docomo_without_cookies(app, smtp_server):
    catalog = seed_shop(app)
    app.config["MAIL_URL"] = smtp_server.url
    phone = Shopper(app, DOCOMO_UA)

    top = phone.get("/")
    assert top.headers["Content-Type"] == "application/xhtml+xml; charset=Shift_JIS"
    assert "商品陳列棚" in top.text and 'accesskey="1"' in top.text
    assert "特定商取引法に基づく表記" in top.text
    shelf = phone.get(link_to(top, f"/shelf/{catalog.shelf_id}"))
    product = phone.get(link_to(shelf, f"/product/{catalog.product_id}"))
    assert "1,980円" in product.text and "在庫あり" in product.text
    cart = product_to_cart(phone, product, catalog.variant_id, quantity="2")
    assert "白Tシャツ" in cart.text and "3,960円" in cart.text

    start = phone.get(link_to(cart, "/checkout"))
    info_page = phone.get(link_to(start, "/checkout/guest"))
    errors = phone.submit(info_page, BUYER | {"tel": "abc", "kana": "Yamada"})
    assert "電話番号は0から始まる" in errors.text
    assert "氏名カナはカタカナで入力してください" in errors.text
    options = phone.submit(errors, BUYER | {"same": "1"})
    assert "配送希望日" in options.text and "指定なし" in options.text
    confirm = phone.submit(options, {"date": "", "time": "午前中", "wrapping": "包装紙",
                                     "note": "不在時は宅配ボックスへ", "payment": "cod"})
    assert "ご注文内容の確認" in confirm.text
    # 3,960 + 配送料 800 + 包装料 105 = 4,865; 代引き手数料 315 on top.
    assert "代引き手数料：315円" in confirm.text and "合計金額：" in confirm.text
    assert "5,180円" in confirm.text
    done = phone.submit(confirm, {}, action_contains="/checkout/place")
    assert "仮注文を受け付けました" in done.text

    with app.app_context():
        order = db.session.scalar(select(Order))
        assert order.status == OrderStatus.PROVISIONAL
        assert order.purchaser_kana == "ヤマダ　タロウ" and order.purchaser_tel == "09012345678"
        assert order.purchaser_email == "taro..yamada.@docomo.ne.jp"
        assert order.carrier == "docomo" and order.total == 5180
        assert db.session.get(Variant, catalog.variant_id).stock == 8

    mails = deliver_mail(app, smtp_server, 1)
    assert mails[0].rcpt_tos == ["taro..yamada.@docomo.ne.jp"]
    link = url_in(mail_text(mails[0]), "/order/confirm/")

    # The mailed link opens in the handset's browser: a fresh session, no key yet.
    confirm_page = phone.get(link)
    assert "注文を確定する" in confirm_page.text
    finished = phone.submit(confirm_page, {})
    assert "注文完了" in finished.text and order.order_no in finished.text
    with app.app_context():
        assert db.session.get(Order, order.id).status == OrderStatus.COMPLETED

    mails = deliver_mail(app, smtp_server, 2)
    body = mail_text(mails[1])
    assert "ご注文を承りました" in body and order.order_no in body
    with app.app_context():
        logged = db.session.scalars(select(MailLog).where(MailLog.order_id == order.id)).all()
        assert len(logged) == 2

    again = phone.get(link)
    assert "使用済み" in again.text
    assert_key_only_internal(phone)


def product_to_cart(phone: Shopper, product, variant_id: int, quantity: str = "1"):
    return phone.submit(product, {"product_id": re.search(r'name="product_id" value="(\d+)"',
                                                          product.text).group(1),
                                  "variant_id": str(variant_id), "quantity": quantity},
                        action_contains="/cart/add")
