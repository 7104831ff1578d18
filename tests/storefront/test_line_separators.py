"""Hole 9 (issue #13): U+2028/U+2029/U+0085 (and other control characters) in a one-line
field are refused with a clear message; before, the guest's order mail could then never
be built."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ktaishop.extensions import db
from models import Order

from .shop import BUYER, IPHONE_UA, Shopper, link_to, seed_shop


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u0085", "\u202e", "\x0b"])
def test_a_name_with_a_line_or_direction_control_is_refused(app, separator):
    catalog = seed_shop(app)
    phone = Shopper(app, IPHONE_UA, cookies=True)
    product = phone.get(f"/product/{catalog.plain_id}")
    cart = phone.submit(product, {"quantity": "1"}, action_contains="/cart/add")
    info = phone.get(link_to(phone.get(link_to(cart, "/checkout")), "/checkout/guest"))
    answer = phone.submit(info, BUYER | {"name": f"山田{separator}太郎", "same": "1"})
    assert "氏名に改行や制御文字は使えません" in answer.text
    assert "配送" not in answer.text.split("<h1", 1)[1].split("</h1>", 1)[0]  # still 注文者情報
    fixed = phone.submit(answer, BUYER | {"same": "1"})
    confirm = phone.submit(fixed, {"date": "", "time": "", "wrapping": "", "note": "",
                                   "payment": "cod"})
    done = phone.submit(confirm, {}, action_contains="/checkout/place")
    assert "仮注文を受け付けました" in done.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == 1


def test_the_address_and_the_kana_are_checked_too(app):
    from storefront.forms import clean_person

    form = BUYER | {"address": "東京都\u2028中央区", "kana": "ヤマダ\u2029タロウ"}
    errors = clean_person(form).errors
    assert errors["address"] == "住所に改行や制御文字は使えません。入力し直してください。"
    assert "氏名カナ" in errors["kana"]


def test_a_note_may_have_line_breaks(app):
    from storefront.forms import clean_note

    assert clean_note("午前中に\nお願いします")[1] is None
