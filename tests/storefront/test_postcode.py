"""郵便番号 → 住所 without script (「住所検索」 on every face) and as JSON for the script."""

from __future__ import annotations

import re

import pytest

from storefront.address import address_parts

from .shop import BUYER, DOCOMO_UA, IPHONE_UA, PASSWORD, SOFTBANK_UA, Shopper, link_to, seed_shop


def to_info(phone: Shopper, catalog):
    product = phone.get(f"/product/{catalog.plain_id}")
    cart = phone.submit(product, {"quantity": "1"}, action_contains="/cart/add")
    start = phone.get(link_to(cart, "/checkout"))
    return phone.get(link_to(start, "/checkout/guest"))


@pytest.mark.parametrize(("ua", "cookies"), [(DOCOMO_UA, False), (SOFTBANK_UA, True)],
                         ids=["docomo", "softbank"])
def test_keitai_address_button_fills_the_address_and_keeps_what_was_typed(app, ua, cookies):
    catalog = seed_shop(app)
    phone = Shopper(app, ua, cookies=cookies)
    info = to_info(phone, catalog)
    assert 'value="住所検索" name="zip_lookup"' in info.text
    typed = {"name": "山田 太郎", "zip_code": "１００－０００１", "address": "", "same": "1"}
    filled = phone.submit(info, typed | {"zip_lookup": "住所検索"})
    assert "注文者情報" in filled.text and "入力内容をご確認ください" not in filled.text
    assert 'name="address" value="東京都千代田区千代田"' in filled.text
    assert 'name="name" value="山田 太郎"' in filled.text
    assert 'name="zip_code" value="1000001"' in filled.text
    # Pressed again after typing the 番地: what was typed after the 町域 stays.
    again = phone.submit(filled, typed | {"address": "東京都千代田区千代田1-1",
                                          "zip_lookup": "住所検索"})
    assert 'name="address" value="東京都千代田区千代田1-1"' in again.text
    unknown = phone.submit(filled, typed | {"zip_code": "0000000", "zip_lookup": "住所検索"})
    assert "この郵便番号の住所が見つかりません" in unknown.text
    short = phone.submit(filled, typed | {"zip_code": "123", "zip_lookup": "住所検索"})
    assert "郵便番号は7桁の数字で入力してください" in short.text
    # 次へ is judged as ever: the button never placed an order step.
    done = phone.submit(again, BUYER | {"address": "東京都千代田区千代田1-1", "same": "1"})
    assert "配送・決済" in done.text


def test_html5_address_button_without_script_fills_the_parts(app):
    catalog = seed_shop(app)
    phone = Shopper(app, IPHONE_UA, cookies=True)
    info = to_info(phone, catalog)
    parts = {"pref": "", "city": "", "street": "", "building": "5階"}
    filled = phone.submit(info, {"zip_code": "4520961", "zip_lookup": ""} | parts)
    assert re.search(r"<option selected>愛知県</option>", filled.text)
    assert 'name="city" value="清須市"' in filled.text
    assert 'name="street" value="春日"' in filled.text  # 60 町域 share the code: their common part
    assert 'name="building" value="5階"' in filled.text
    nothing = phone.submit(filled, {"zip_code": "9999999", "zip_lookup": ""} | parts)
    assert 'aria-invalid="true"' in nothing.text and "見つかりません" in nothing.text


def test_the_register_and_profile_forms_have_the_button_too(app):
    seed_shop(app)
    phone = Shopper(app, DOCOMO_UA)
    form = phone.get("/register")
    filled = phone.submit(form, {"zip_code": "1000001", "address": "", "newsletter": "1",
                                 "zip_lookup": "住所検索", "password": PASSWORD})
    assert "会員登録" in filled.text and 'value="東京都千代田区千代田"' in filled.text
    assert 'name="newsletter" value="1" checked="checked"' in filled.text


def test_the_json_endpoint(client):
    found = client.get("/postcode/1000001")
    assert found.status_code == 200 and found.mimetype == "application/json"
    assert found.json["place"] == {"prefecture": "東京都", "city": "千代田区", "town": "千代田"}
    many = client.get("/postcode/4520961").json
    assert len(many["places"]) > 50 and many["place"]["town"] == "春日"
    office = client.get("/postcode/1008994").json  # a 事業所's own code
    assert office["place"]["city"] == "千代田区"
    missing = client.get("/postcode/9999999")
    assert missing.status_code == 404 and "見つかりません" in missing.json["error"]
    assert client.get("/postcode/12ab").status_code == 404


@pytest.mark.parametrize(("address", "postcode", "parts"), [
    ("東京都中央区晴海1-8-10 トリトン", "1046022", ("東京都", "中央区", "晴海1-8-10", "トリトン")),
    ("北海道札幌市中央区北1条西2", "", ("北海道", "札幌市中央区", "北1条西2", "")),
    ("長野県北佐久郡軽井沢町軽井沢1", "", ("長野県", "北佐久郡軽井沢町", "軽井沢1", "")),
    ("どこかの住所", "", ("", "", "どこかの住所", "")),
])
def test_a_stored_address_splits_back_into_the_same_address(app, address, postcode, parts):
    with app.app_context():
        split = address_parts(address, postcode)
    assert (split.pref, split.city, split.street, split.building) == parts
    assert split.joined() == address
