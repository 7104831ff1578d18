"""メール設定's 配信形式 per carrier, and the previews of メール設定 and メール配信 per profile.

The choice is made on the メール設定 screen (standard for every carrier until changed);
per-order mail and テスト送信 follow it; the previews show each carrier's mail as the
phone shows it in the profile in use, with the size in both profiles.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from models import Member, Newsletter, ShopSettings, now
from tests.conftest import csrf_token_from
from tests.mail.helpers import make_order, use_mail_profile

STANDARD = "標準（UTF-8・Unicode絵文字）"
LEGACY = "旧端末向け（キャリアの文字コードと絵文字）"


def _page(client, url: str = "/admin/mail-templates") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _checked(page: str, carrier: str) -> str:
    """The value of the checked radio button of ``carrier``."""
    inputs = re.findall(rf'<input[^>]*name="{carrier}"[^>]*>', page)
    [value] = [re.search(r'value="(\w+)"', i)[1] for i in inputs if "checked" in i]
    return value


def _choose(client, **choice) -> str:
    token = csrf_token_from(_page(client))
    data = {"csrf_token": token, "docomo": "standard", "au": "standard", "softbank": "standard"}
    data.update(choice)
    response = client.post("/admin/mail-templates/profiles", data=data, follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_every_carrier_is_standard_until_the_shop_chooses_otherwise(admin_client, db):
    page = _page(admin_client)
    assert "キャリア別の配信形式" in page and STANDARD in page and LEGACY in page
    assert [_checked(page, c) for c in ("docomo", "au", "softbank")] == ["standard"] * 3

    page = _choose(admin_client, docomo="legacy", softbank="legacy")
    assert f"docomo: {LEGACY}、au: {STANDARD}、SoftBank: {LEGACY}" in page
    assert "送信待ちのメールは作成したときの形式で送ります" in page
    assert [_checked(page, c) for c in ("docomo", "au", "softbank")] == [
        "legacy", "standard", "legacy"]
    db.expire_all()
    assert ShopSettings.load(db).legacy_mail_carriers == "docomo,softbank"


def test_a_bad_choice_changes_nothing(admin_client, db):
    _choose(admin_client, au="legacy")
    page = _choose(admin_client, docomo="modern", au="standard")
    assert "配信形式を選んでください。" in page
    response = admin_client.post("/admin/mail-templates/profiles", data={
        "docomo": "legacy", "au": "legacy", "softbank": "legacy"})  # no CSRF token
    assert response.status_code == 400 and "不正な送信です" in response.get_data(as_text=True)
    db.expire_all()
    assert ShopSettings.load(db).legacy_mail_carriers == "au"


def test_template_preview_shows_each_carrier_in_both_profiles_with_sizes(admin_client, db):
    use_mail_profile(db, "standard")
    _choose(admin_client, docomo="legacy")
    token = csrf_token_from(_page(admin_client))
    result = admin_client.post("/admin/mail-templates/preview", data={
        "csrf_token": token, "subject": "ご注文☀🥺", "mail_from": "shop@example.jp",
        "body": "{{purchaser_name}}様\nお寿司🍣を発送しました☀"}).get_json()
    carriers = {c["carrier"]: c for c in result["carriers"]}
    assert list(carriers) == ["docomo", "au", "softbank", "pc"]
    assert carriers["docomo"]["in_use"] == "legacy" and carriers["au"]["in_use"] == "standard"
    docomo = {p["mail_profile"]: p for p in carriers["docomo"]["profiles"]}
    assert (docomo["legacy"]["charset"], docomo["standard"]["charset"]) == ("Shift_JIS", "UTF-8")
    assert docomo["legacy"]["subject"] == "ご注文☀[face with pleading eyes]"
    assert docomo["legacy"]["body"] == "小林 亮子様\nお寿司[すし]を発送しました☀"
    assert docomo["standard"]["body"] == "小林 亮子様\nお寿司🍣を発送しました☀"
    assert 300 < docomo["legacy"]["message_bytes"] < docomo["standard"]["message_bytes"]
    au = {p["mail_profile"]: p["charset"] for p in carriers["au"]["profiles"]}
    assert au == {"standard": "UTF-8", "legacy": "ISO-2022-JP"}
    [pc] = carriers["pc"]["profiles"]
    assert pc["charset"] == "UTF-8" and pc["message_bytes"] > 300


def _newsletter(db, **values) -> Newsletter:
    fields = dict(kind="text", subject="春のセール☀", mail_from="shop@example.jp",
                  body_text="{{member_name}}様\nお寿司🍣の日☀")
    fields.update(values)
    newsletter = Newsletter(**fields)
    db.add(newsletter)
    db.commit()
    return newsletter


def _card(page: str, carrier: str) -> str:
    return page.split(f'data-carrier="{carrier}"')[1].split("</section>")[0]


def test_newsletter_preview_shows_the_profile_in_use_and_the_other_size(admin_client, db):
    use_mail_profile(db, "standard")
    _choose(admin_client, docomo="legacy")
    newsletter = _newsletter(db)
    page = _page(admin_client, f"/admin/newsletters/{newsletter.id}")
    docomo, au = _card(page, "docomo"), _card(page, "au")
    assert f"{LEGACY}・Shift_JIS" in docomo and "お寿司[すし]の日☀" in docomo
    assert re.search(rf"{re.escape(STANDARD)}では メール全体 [\d,]+ バイト", docomo)
    assert f"{STANDARD}・UTF-8" in au and "お寿司🍣の日☀" in au
    assert re.search(rf"{re.escape(LEGACY)}では メール全体 [\d,]+ バイト", au)
    pc = _card(page, "pc")
    assert f"{STANDARD}・UTF-8" in pc and LEGACY not in pc  # one form only

    page = _page(admin_client, f"/admin/newsletters/{newsletter.id}?profile=legacy")
    assert f"{LEGACY}・ISO-2022-JP" in _card(page, "au")
    assert f"<strong>すべて{LEGACY}</strong>" in page
    page = _page(admin_client, f"/admin/newsletters/{newsletter.id}?profile=nonsense")
    assert "<strong>メール設定のとおり</strong>" in page


def test_deco_send_is_checked_against_the_limits_of_the_profile_in_use(admin_client, db):
    """docomo's 10,000-byte body holds this デコメール in Shift_JIS, not in UTF-8."""
    db.add(Member(email="m@docomo.ne.jp", name="会員", carrier="docomo", email_verified_at=now()))
    text = "お知らせ" * 500  # 4,000 bytes in Shift_JIS, 6,000 in UTF-8 (text and HTML)
    newsletter = _newsletter(db, kind="deco", body_text=text, body_html=f"<div>{text}</div>")
    token = csrf_token_from(_page(admin_client, f"/admin/newsletters/{newsletter.id}"))
    page = admin_client.post(f"/admin/newsletters/{newsletter.id}/send", data={
        "csrf_token": token, "when": "now"}, follow_redirects=True).get_data(as_text=True)
    assert "上限の10,000バイトを超えています" in page and "送信を始めました" not in page
    assert _card(page, "docomo").count("class=\"size over\"") == 1

    _choose(admin_client, docomo="legacy")
    page = admin_client.post(f"/admin/newsletters/{newsletter.id}/send", data={
        "csrf_token": token, "when": "now"}, follow_redirects=True).get_data(as_text=True)
    assert "1人への送信を始めました" in page


@pytest.mark.parametrize("profile", ["standard", "legacy"])
def test_per_order_mail_and_test_send_follow_the_profile(app, admin_client, db, smtp_server,
                                                        profile):
    app.config["MAIL_URL"] = smtp_server.url
    use_mail_profile(db, profile)
    order = make_order(db, email="taro@ezweb.ne.jp")
    form = _page(admin_client, f"/admin/orders/{order.id}/mail")
    admin_client.post(f"/admin/orders/{order.id}/mail", data={
        "csrf_token": csrf_token_from(form), "subject": "お支払い☀", "mail_from": "shop@example.jp",
        "cc": "", "bcc": "", "body": "晴れ☀"})
    newsletter = _newsletter(db)
    token = csrf_token_from(_page(admin_client, f"/admin/newsletters/{newsletter.id}"))
    admin_client.post(f"/admin/newsletters/{newsletter.id}/test", data={
        "csrf_token": token, "address": "tester@au.com"})
    order_mail, test_mail = smtp_server.wait_for(2)
    expected = "utf-8" if profile == "standard" else "iso-2022-jp"
    assert order_mail.rcpt_tos == ["taro@ezweb.ne.jp"] and test_mail.rcpt_tos == ["tester@au.com"]
    assert order_mail.message.get_content_charset() == expected
    assert test_mail.message.get_content_charset() == expected


def test_choose_a_profile_and_watch_the_template_preview_in_chromium(admin_page, live_server,
                                                                     tmp_path):
    page = admin_page
    page.goto(f"{live_server.url}/admin/mail-templates")
    page.check("#au-1")  # 旧端末向け for au
    page.get_by_role("button", name="配信形式を更新").click()
    page.wait_for_selector("text=配信形式を更新しました")
    assert page.is_checked("#au-1") and page.is_checked("#docomo-0")
    page.locator("#mail-profile-form").screenshot(path=str(tmp_path / "mail_profiles.png"))

    page.get_by_role("button", name="汎用メール追加").click()
    page.fill("#subject", "ご注文☀🥺")
    page.fill("#mail_from", "shop@example.jp")
    page.fill("#body", "お寿司🍣を発送しました☀")
    # au has 🍣 of its own; the preview follows the typing.
    # A locator wait, not wait_for_function: the admin's CSP refuses string evaluation.
    expect(page.locator(".phone-preview[data-carrier=au] pre")).to_have_text(
        "お寿司🍣を発送しました☀")
    au = page.inner_text("#preview-carriers tr.in-use[data-carrier=au]")
    assert "旧端末向け" in au and "（使用中）" in au and "ISO-2022-JP" in au
    assert re.search(r"[\d,]+ バイト", au)
    docomo = page.inner_text("#preview-carriers tr.in-use[data-carrier=docomo]")
    assert "標準" in docomo and "UTF-8" in docomo
    assert "お寿司[すし]" not in page.inner_text(".phone-preview[data-carrier=docomo]")
    assert "[face with pleading eyes]" in page.inner_text(".phone-preview[data-carrier=au]")
    page.locator("section.preview").screenshot(path=str(tmp_path / "template_preview.png"))
