"""In Chromium: write a デコメール with an image and emoji, preview per carrier, test-send,
send, and watch the progress bar reach the end while the in-process sender works."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import insert

from ktaishop.mail.worker import start_in_process
from models import Member, now
from tests.mail.helpers import use_mail_profile
from tests.mail.test_newsletter_send import gif

MEMBERS = 30
DOMAINS = ("docomo.ne.jp", "ezweb.ne.jp", "softbank.ne.jp", "example.com")


def test_write_preview_test_send_and_send_a_deco_mail(admin_page, live_server, smtp_server,
                                                       tmp_path):
    app = live_server.app
    app.config.update(MAIL_URL=smtp_server.url, MAIL_RATE=40)
    with app.app_context():
        from ktaishop.extensions import db

        db.session.execute(insert(Member), [
            dict(email=f"user{i}@{DOMAINS[i % 4]}", name=f"会員{i}", email_verified_at=now(),
                 carrier=("docomo", "au", "softbank", "pc")[i % 4]) for i in range(MEMBERS)])
        db.session.commit()
        use_mail_profile(db.session, "legacy")  # the carriers' 3G-era デコメール layouts
    page = admin_page
    page.on("dialog", lambda dialog: dialog.accept())
    banner = tmp_path / "banner.gif"
    banner.write_bytes(gif(300, 120, "#ff3366"))

    page.goto(f"{live_server.url}/admin/newsletters")
    page.get_by_role("button", name="デコメール", exact=True).click()
    page.fill("#subject", "春のデコメ")
    page.click("#deco-editor")
    page.keyboard.type("{{member_name}}様 春のセール開催中")
    page.click("#tool-emoji")
    page.locator("#emoji-picker button").first.click()
    page.set_input_files("#tool-image", str(banner))
    page.wait_for_selector("#deco-editor img")
    page.get_by_role("button", name="保存してプレビュー").click()

    page.wait_for_selector("text=メルマガを保存しました")
    cards = page.locator(".preview-card")
    assert [cards.nth(i).locator("h3").inner_text() for i in range(4)] == [
        "docomo", "au", "SoftBank", "PC"]
    docomo = page.frame_locator(".preview-card[data-carrier=docomo] iframe")
    assert "テスト 太郎様 春のセール開催中" in docomo.locator("body").inner_text()
    shown = docomo.locator("img").evaluate("img => img.complete && img.naturalWidth")
    assert shown == 300  # the uploaded image really shows in the preview
    assert re.search(r"画像 [\d,]+ / 92,160 バイト", cards.nth(0).inner_text())
    assert "/ 102,400 バイト" in cards.nth(1).inner_text()

    page.fill("#address", "check@docomo.ne.jp")
    page.get_by_role("button", name="テスト送信").click()
    page.wait_for_selector("text=check@docomo.ne.jp にテスト送信しました")
    [test_mail] = smtp_server.wait_for(1)
    images = [p for p in test_mail.message.walk() if p.get_content_maintype() == "image"]
    assert len(images) == 1 and test_mail.message.get_content_type() == "multipart/mixed"

    stop = start_in_process(app)
    try:
        page.get_by_role("button", name="送信", exact=True).click()
        page.wait_for_selector(f"text={MEMBERS}人への送信を始めました")
        # (A locator wait: a string predicate is code the admin's CSP refuses to eval.)
        expect(page.locator("#count-remaining")).to_have_text("0", timeout=30_000)
        assert page.inner_text("#count-sent") == str(MEMBERS)
        assert page.inner_text("#status-label") == "送信完了"
        width = page.eval_on_selector(".progress-bar .sent", "e => e.style.width")
        assert width == "100%"
    finally:
        stop.set()
    assert len(smtp_server.wait_for(MEMBERS + 1)) == MEMBERS + 1


def test_template_editor_inserts_merge_fields_and_previews_live(admin_page, live_server):
    page = admin_page
    page.goto(f"{live_server.url}/admin/mail-templates")
    page.get_by_role("button", name="汎用メール追加").click()
    page.fill("#subject", "ご注文 {{order_no}}")
    page.fill("#mail_from", "shop@example.jp")
    page.click("#body")
    page.keyboard.type("合計: ")
    page.locator("button.merge[data-field='{{total}}']").click()
    expect(page.locator("#preview-body")).to_have_text("合計: 3,115円")
    assert page.inner_text("#preview-subject") == "ご注文 20081021_0000000004"
    page.keyboard.type(" {{nope}}")
    page.wait_for_selector("#preview-errors li")
    assert "{{nope}}" in page.inner_text("#preview-errors")
