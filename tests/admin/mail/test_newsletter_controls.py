"""メール配信 in Chromium: only the controls that apply are shown, and 宛先ごとの状態
follows the sending without a reload; staff never see the setting's variable name."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import insert

from ktaishop.mail.worker import start_in_process
from models import Member, Newsletter, now

# Enough that sending at 4 a second outlasts a page load after 再開 on a busy machine.
MEMBERS = 20


def visible_controls(page) -> list[str]:
    return [action for action in ("pause", "resume", "cancel", "resend")
            if page.locator(f"form[data-action={action}]").is_visible()]


def states(page) -> list[str]:
    return page.locator("#recipient-rows tr td:nth-child(3)").all_inner_texts()


def test_controls_follow_the_state_and_the_table_follows_the_progress(
        admin_page, live_server, smtp_server):
    app = live_server.app
    app.config.update(MAIL_URL=smtp_server.url, MAIL_RATE=4)
    with app.app_context():
        from ktaishop.extensions import db

        db.session.execute(insert(Member), [
            dict(email=f"user{i}@docomo.ne.jp", name=f"会員{i}", carrier="docomo",
                 email_verified_at=now())  # メルマガ goes to verified members only
            for i in range(MEMBERS)])
        newsletter = Newsletter(kind="text", subject="秋のお知らせ", mail_from="shop@example.jp",
                                body_text="{{member_name}}様 秋のセールです。")
        db.session.add(newsletter)
        db.session.commit()
        newsletter_id = newsletter.id
    smtp_server.fail_next = [550]  # the first recipient's mailbox does not exist
    page = admin_page
    page.on("dialog", lambda dialog: dialog.accept())

    page.goto(f"{live_server.url}/admin/newsletters")
    assert "KTAISHOP_MAIL_RATE" not in page.inner_text("main")
    assert "1秒あたり4通まで" in page.inner_text("#mail-rate")

    page.goto(f"{live_server.url}/admin/newsletters/{newsletter_id}")
    page.get_by_role("button", name="送信", exact=True).click()
    page.wait_for_selector(f"text={MEMBERS}人への送信を始めました")
    assert visible_controls(page) == ["pause", "cancel"]  # sending: no 再開, no 再送
    assert set(states(page)) == {"送信待ち"}

    stop = start_in_process(app)
    try:
        # Locator waits, not wait_for_function: the admin's CSP refuses string evaluation.
        expect(page.locator("#count-sent")).to_have_text(re.compile(r"^\s*([2-9]|\d{2,})\s*$"),
                                                          timeout=20_000)
        page.get_by_role("button", name="一時停止").click()
        page.wait_for_selector("text=一時停止しました。")
        assert visible_controls(page) == ["resume", "cancel"]
        page.get_by_role("button", name="再開").click()
        page.wait_for_selector("text=再開しました。")
        assert visible_controls(page) == ["pause", "cancel"]
        expect(page.locator("#status-label")).to_have_text("送信完了", timeout=30_000)
    finally:
        stop.set()
    # No reload: the table and the buttons came with the progress.
    expect(page.locator("#recipient-rows")).not_to_contain_text("送信待ち")
    assert sorted(states(page)) == ["失敗"] + ["送信済"] * (MEMBERS - 1)
    assert visible_controls(page) == ["resend"]  # done with a failure: only 失敗分を再送
    failed = page.locator("#recipient-rows tr", has_text="失敗")
    assert "user0@docomo.ne.jp" in failed.inner_text()
    assert "550" in failed.locator("td:nth-child(5)").inner_text()
