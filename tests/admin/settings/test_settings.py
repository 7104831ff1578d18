"""設定: fees and options feed new orders; bad input is refused whole; admin users."""

from __future__ import annotations

from sqlalchemy import select

from models import (
    AdminUser,
    CartLine,
    CheckoutDetails,
    PaymentMethod,
    Person,
    Product,
    ShopSettings,
    Variant,
    place_order,
)
from tests.admin.conftest import form_token
from tests.conftest import ADMIN_LOGIN


def settings_data(token: str, **overrides: str) -> dict[str, str]:
    data = {
        "csrf_token": token, "shop_name": "テストショップ", "seller": "株式会社テスト",
        "manager": "山田", "zip_code": "100-0001", "address": "東京都千代田区1-1",
        "tel": "03-1234-5678", "fax": "", "returns_policy": "7日以内", "privacy_policy": "",
        "shipping_fee": "600", "free_shipping_over": "5000",
        "delivery_time_slots": "午前中\n14時～16時\n", "delivery_lead_days": "2",
        "delivery_range_days": "10", "guest_confirmation": "y", "confirmation_hours": "48",
        "low_stock_threshold": "5", "mail_from": "info@shop.example",
        "mail_bcc": "copy@shop.example",
        # 消費税・インボイス and the 最終確認画面's words
        "default_tax_rate": "10", "tax_rounding": "floor", "invoice_number": "",
        "delivery_timing": "ご注文確定から3営業日以内に発送",
        "payment_timing_cod": "商品お受け取り時に配達員へお支払い",
        "payment_timing_card": "ご注文確定時に決済",
        "returns_summary": "商品到着後7日以内に限り返品できます。", "returns_url": "",
    }
    tiers = [("3000", "200"), ("", "500")]
    for i in range(6):
        up_to, fee = tiers[i] if i < len(tiers) else ("", "")
        data |= {f"cod_fee_tiers-{i}-up_to": up_to, f"cod_fee_tiers-{i}-fee": fee}
    wrapping = [("のし", "100")]
    for i in range(6):
        name, fee = wrapping[i] if i < len(wrapping) else ("", "")
        data |= {f"wrapping_options-{i}-name": name, f"wrapping_options-{i}-fee": fee}
    return data | overrides


def _order_total(db, price: int, payment: PaymentMethod, wrapping: str = ""):
    product = Product(code=f"p{price}", name="商品", price=price, priority=0,
                      variants=[Variant(option_text="", stock=10)])
    db.add(product)
    db.flush()
    details = CheckoutDetails(purchaser=Person("購入 者", email="buyer@docomo.ne.jp"),
                              payment=payment, wrapping=wrapping)
    order = place_order(db, [CartLine(product.variants[0].id, 1)], details, guest=False).order
    db.commit()
    return order.cod_fee, order.shipping_fee, order.wrapping_fee, order.total


def test_saved_settings_drive_new_orders(admin_client, db):
    response = admin_client.post("/admin/settings", data=settings_data(
        form_token(admin_client, "/admin/settings")), follow_redirects=True)
    assert "設定を更新しました。" in response.get_data(as_text=True)
    db.expire_all()
    shop = ShopSettings.load(db)
    assert shop.cod_fee_tiers == [{"up_to": 3000, "fee": 200}, {"up_to": None, "fee": 500}]
    assert shop.wrapping_options == [{"name": "のし", "fee": 100}]
    assert shop.delivery_time_slots == ["午前中", "14時～16時"]
    assert (shop.delivery_lead_days, shop.delivery_range_days, shop.confirmation_hours) == (
        2, 10, 48)
    assert (shop.mail_from, shop.mail_bcc, shop.low_stock_threshold) == (
        "info@shop.example", "copy@shop.example", 5)
    assert not shop.easy_login
    # 2,000 yen COD with のし: 600 shipping, 2,700 collected -> first tier (200).
    assert _order_total(db, 2000, PaymentMethod.COD, "のし") == (200, 600, 100, 2900)
    # 5,000 yen: free shipping, 5,000 collected -> open tier (500).
    assert _order_total(db, 5000, PaymentMethod.COD) == (500, 0, 0, 5500)
    assert _order_total(db, 1000, PaymentMethod.CARD) == (0, 600, 0, 1600)


def test_bad_fee_tiers_and_fields_change_nothing(admin_client, db):
    before = ShopSettings.load(db).cod_fee_tiers
    db.commit()
    token = form_token(admin_client, "/admin/settings")
    data = settings_data(token, **{"cod_fee_tiers-1-up_to": "2000", "cod_fee_tiers-1-fee": "",
                                   "shipping_fee": "送料", "mail_from": "not-an-address",
                                   "wrapping_options-1-fee": "50"})
    response = admin_client.post("/admin/settings", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "代引き手数料の各段に手数料を入力してください。" in page
    assert "代引き手数料の上限金額は、最後の段だけを空欄（上限なし）にしてください。" in page
    assert "配送料は半角数字で入力してください。" in page
    assert "送信元メールアドレスの形式が正しくありません。" in page
    assert "料金を入れた包装オプションに名前を入力してください。" in page
    db.expire_all()
    assert ShopSettings.load(db).cod_fee_tiers == before


def test_admin_users_add_change_password_and_never_remove_the_last(admin_client, db):
    token = form_token(admin_client, "/admin/settings")
    page = admin_client.post("/admin/settings/admins", follow_redirects=True, data={
        "csrf_token": token, "login": "clerk", "password": "clerk-password-1",
        "confirm": "clerk-password-1"}).get_data(as_text=True)
    assert "管理ユーザー「clerk」を追加しました。" in page
    clerk = db.scalar(select(AdminUser).where(AdminUser.login == "clerk"))
    me = db.scalar(select(AdminUser).where(AdminUser.login == ADMIN_LOGIN))
    clerk_id, me_id = clerk.id, me.id
    db.commit()
    page = admin_client.post(f"/admin/settings/admins/{clerk_id}/password", follow_redirects=True,
                             data={"csrf_token": token, "password": "short", "confirm": "short"}
                             ).get_data(as_text=True)
    assert "パスワードは10文字以上にしてください。" in page
    admin_client.post(f"/admin/settings/admins/{clerk_id}/password", data={
        "csrf_token": token, "password": "new-clerk-pass-2", "confirm": "new-clerk-pass-2"})
    db.expire_all()
    assert db.get(AdminUser, clerk_id).check_password("new-clerk-pass-2")
    db.commit()
    page = admin_client.post(f"/admin/settings/admins/{me_id}/delete", follow_redirects=True,
                             data={"csrf_token": token}).get_data(as_text=True)
    assert "ログイン中の自分自身は削除できません。" in page
    page = admin_client.post(f"/admin/settings/admins/{clerk_id}/delete", follow_redirects=True,
                             data={"csrf_token": token}).get_data(as_text=True)
    assert "管理ユーザー「clerk」を削除しました。" in page
    # Only the logged-in admin is left: nobody can remove the account they use, so the
    # last admin always stays (and the screen offers no 削除 button for it).
    assert db.scalars(select(AdminUser.login)).all() == [ADMIN_LOGIN]
    admins_table = page.split('id="admins"')[1]
    assert "削除できません" in admins_table and ">削除</button>" not in admins_table
