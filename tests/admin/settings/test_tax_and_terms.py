"""設定's 消費税・インボイス and 最終確認画面 sections, and the shop information the
特定商取引法 requires: what is refused says why, and nothing is half-saved."""

from __future__ import annotations

from models import ShopSettings
from tests.admin.conftest import form_token

from .test_settings import settings_data


def _post(admin_client, **overrides: str):
    token = form_token(admin_client, "/admin/settings")
    return admin_client.post("/admin/settings", data=settings_data(token, **overrides),
                             follow_redirects=True)


def test_rate_rounding_number_and_wording_are_saved(admin_client, db):
    response = _post(admin_client, default_tax_rate="8", tax_rounding="half_up",
                     invoice_number="ｔ７０００－０１２０－５０００２",  # typed on a phone
                     delivery_timing="ご注文確定から5営業日以内に発送",
                     returns_url="https://shop.example/returns")
    assert "設定を更新しました。" in response.get_data(as_text=True)
    db.expire_all()
    shop = ShopSettings.load(db)
    assert (shop.default_tax_rate, shop.tax_rounding) == (8, "half_up")
    assert shop.invoice_number == "T7000012050002"
    assert shop.delivery_timing == "ご注文確定から5営業日以内に発送"
    assert shop.returns_url == "https://shop.example/returns"
    page = admin_client.get("/admin/settings").get_data(as_text=True)
    assert 'value="T7000012050002"' in page
    assert '<option selected value="8">軽減税率 8%</option>' in page


def test_a_wrong_registration_number_is_refused_with_a_clear_message(admin_client, db):
    before = ShopSettings.load(db).invoice_number
    db.commit()
    response = _post(admin_client, invoice_number="T7000012050003", shop_name="変えたい名前")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "適格請求書発行事業者登録番号が正しくありません（チェックデジットが合いません）" in page
    response = _post(admin_client, invoice_number="7000012050002")
    assert "「T」と13桁の半角数字で入力してください" in response.get_data(as_text=True)
    db.expire_all()
    shop = ShopSettings.load(db)
    assert shop.invoice_number == before and shop.shop_name != "変えたい名前"


def test_an_empty_registration_number_means_not_registered(admin_client, db):
    ShopSettings.load(db).invoice_number = "T7000012050002"
    db.commit()
    assert "設定を更新しました。" in _post(admin_client, invoice_number="").get_data(as_text=True)
    db.expire_all()
    assert ShopSettings.load(db).invoice_number == ""


def test_seller_address_and_tel_are_required(admin_client, db):
    response = _post(admin_client, seller=" ", address="", tel="", delivery_timing="",
                     returns_url="javascript:alert(1)", tax_rounding="round", default_tax_rate="5")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ("販売業者を入力してください（特定商取引法に基づく表記に必要です）。",
                    "所在地を入力してください（特定商取引法に基づく表記に必要です）。",
                    "電話番号を入力してください（特定商取引法に基づく表記に必要です）。",
                    "引渡時期を入力してください。",
                    "返品特約の全文のURLは http:// か https:// で始まるURLを入力してください。",
                    "消費税の端数処理を選んでください。",
                    "商品の税率（新規登録時）を選んでください。"):
        assert message in page
    assert "Not a valid choice" not in page
    db.expire_all()
    assert ShopSettings.load(db).seller == ""  # untouched (the default shop has none yet)
