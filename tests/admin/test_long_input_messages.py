"""Too-long input on 設定, メール設定 and メール配信 is refused in Japanese, nothing saved;
a wrong number on 商品情報 / 設定 gets one message that says what is wrong.

Found by QA: a pasted 60,000-character メルマガ body came back as WTForms' English
"Field cannot be longer than 20000 characters." A browser's maxlength does not stop a
paste through script or an old browser, so the server's message is what the owner reads.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from models import MailTemplate, Newsletter, Product, ShopSettings
from tests.admin.conftest import form_token, product_data
from tests.admin.settings.test_settings import settings_data

ENGLISH = "Field cannot be longer than"


def test_settings_long_text_fields_get_japanese_messages(admin_client, db):
    before = ShopSettings.load(db).shop_name
    db.commit()
    token = form_token(admin_client, "/admin/settings")
    response = admin_client.post("/admin/settings", data=settings_data(
        token, shop_name="店" * 101, seller="売" * 101, manager="責" * 101,
        address="所" * 201, returns_policy="返" * 5001, privacy_policy="個" * 5001))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert ENGLISH not in page
    for message in ("ショップ名は100文字以内で入力してください。",
                    "販売業者は100文字以内で入力してください。",
                    "運営責任者は100文字以内で入力してください。",
                    "所在地は200文字以内で入力してください。",
                    "返品については5000文字以内で入力してください。",
                    "個人情報の取り扱いは5000文字以内で入力してください。"):
        assert message in page
    db.expire_all()
    assert ShopSettings.load(db).shop_name == before


def test_newsletter_long_body_and_from_get_japanese_messages(admin_client, db):
    token = form_token(admin_client, "/admin/newsletters")
    response = admin_client.post("/admin/newsletters/new/text", data={"csrf_token": token})
    newsletter_id = int(re.search(r"/newsletters/(\d+)/edit", response.headers["Location"])[1])
    response = admin_client.post(f"/admin/newsletters/{newsletter_id}/edit", data={
        "csrf_token": token, "subject": "冬のセール", "body_html": "",
        "mail_from": "a" * 250 + "@example.jp", "body_text": "長文" * 15000})
    page = response.get_data(as_text=True)
    assert ENGLISH not in page
    assert "本文（テキスト）は20000文字以内で入力してください。" in page
    assert "FROMのメールアドレスが長すぎます。" in page
    db.expire_all()
    assert db.get(Newsletter, newsletter_id).subject == ""


def test_mail_template_long_body_and_from_get_japanese_messages(admin_client, db):
    token = form_token(admin_client, "/admin/mail-templates")
    response = admin_client.post("/admin/mail-templates/add", data={"csrf_token": token})
    template_id = int(response.headers["Location"].split("/")[-2])
    response = admin_client.post(f"/admin/mail-templates/{template_id}/edit", data={
        "csrf_token": token, "subject": "ご連絡",
        "mail_from": "a" * 250 + "@example.jp", "body": "本文" * 10001})
    page = response.get_data(as_text=True)
    assert ENGLISH not in page
    assert "本文は20000文字以内で入力してください。" in page
    assert "FROMのメールアドレスが長すぎます。" in page
    db.expire_all()
    assert db.get(MailTemplate, template_id).subject == ""


def test_a_number_field_gets_one_message_that_fits_the_mistake(admin_client, db, shelves):
    """Letters: "半角数字で" only (no range message on top); too many digits: the range."""
    token = form_token(admin_client, "/admin/products/new")
    page = admin_client.post("/admin/products/new", data=product_data(
        token, price="abc", priority="99999999999999")).get_data(as_text=True)
    assert page.count("販売価格を半角数字で入力してください。") == 1
    assert "販売価格は0〜9,999,999円で入力してください。" not in page
    assert "優先度は-9999〜9999で入力してください。" in page
    assert "優先度は数字で入力してください。" not in page
    assert db.scalar(select(Product)) is None

    token = form_token(admin_client, "/admin/settings")
    page = admin_client.post("/admin/settings", data=settings_data(
        token, shipping_fee="99999999999999")).get_data(as_text=True)
    assert "配送料は0〜9,999,999円で入力してください。" in page
    assert "配送料は半角数字で入力してください。" not in page


def test_a_refused_option_row_is_shown_again_as_typed(admin_client, db, shelves):
    """Found by QA: a refused option row came back empty (and the rows below moved up)."""
    token = form_token(admin_client, "/admin/products/new")
    response = admin_client.post("/admin/products/new", data=product_data(
        token, **{"axis-0-values": "S M L"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "オプション1: 項目名・選択肢にコロンや空白は使えません。" in page
    assert re.search(r'name="axis-0-name"[^>]*value="サイズ"', page)
    assert re.search(r'name="axis-0-values"[^>]*value="S M L"', page)
    assert re.search(r'name="axis-1-name"[^>]*value="カラー"', page)
    assert re.search(r'name="axis-1-values"[^>]*value="白,黒"', page)
    assert db.scalar(select(Product)) is None
