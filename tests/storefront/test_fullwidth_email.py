"""A mail address typed in 全角 (ｔａｒｏ＠ｄｏｃｏｍｏ．ｎｅ．ｊｐ) is the same address."""

from __future__ import annotations

from .flows import COD_OPTIONS, to_confirmation
from .shop import BUYER, DOCOMO_UA, Shopper, seed_shop
from .test_account import EMAIL, make_member

FULL_WIDTH = "ｔａｒｏ．．ｙａｍａｄａ．＠ｄｏｃｏｍｏ．ｎｅ．ｊｐ"


def test_guest_address_typed_full_width_is_taken_half_width(app):
    catalog = seed_shop(app)
    phone = Shopper(app, DOCOMO_UA)
    confirm = to_confirmation(phone, catalog.plain_id, catalog.plain_variant_id,
                              buyer=BUYER | {"email": FULL_WIDTH}, options=COD_OPTIONS)
    assert "taro..yamada.@docomo.ne.jp" in confirm.text
    assert "ｄｏｃｏｍｏ" not in confirm.text


def test_member_logs_in_with_the_address_typed_full_width(app):
    seed_shop(app)
    make_member(app)  # jiro@docomo.ne.jp
    phone = Shopper(app, DOCOMO_UA)
    typed = EMAIL.replace("jiro", "ｊｉｒｏ").replace("@", "＠").replace(".", "．")
    mypage = phone.submit(phone.get("/login"), {"email": typed, "password": "secret-pass-1"})
    assert "マイページ" in mypage.text and "佐藤 次郎様" in mypage.text
