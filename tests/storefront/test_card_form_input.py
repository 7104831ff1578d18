"""The card form refuses an expiry the handset could not have chosen from its lists."""

from __future__ import annotations

from sqlalchemy import func, select

from ktaishop.extensions import db
from models import Order

from .flows import COD_OPTIONS, to_confirmation
from .shop import DOCOMO_UA, Shopper, seed_shop

CARD = {"card_number": "4111111111111111", "exp_month": "12", "exp_year": "2099",
        "holder": "TARO YAMADA"}


def test_card_expiry_outside_the_lists_is_refused_on_the_form(app):
    catalog = seed_shop(app)
    phone = Shopper(app, DOCOMO_UA)
    card_page = to_confirmation(phone, catalog.plain_id, catalog.plain_variant_id,
                                options=COD_OPTIONS | {"payment": "card"}, expect=False)
    for bad in ({"exp_year": "9" * 30}, {"exp_year": "2100"}, {"exp_month": "13"},
                {"exp_month": "9" * 30}, {"exp_year": "abc"}):
        page = phone.submit(card_page, CARD | bad)
        assert page.status == 200 and "有効期限を選んでください" in page.text, bad
        assert "ご注文内容の確認" not in page.text, bad
    confirm = phone.submit(card_page, CARD)
    assert "ご注文内容の確認" in confirm.text and "末尾1111" in confirm.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == 0
