"""メール配信: 「日時を指定して送信」 without a usable date refuses; it never sends at once.

Found by QA: with 日時を指定して送信 chosen and the date left empty, the newsletter
went out immediately to every subscriber ("1人への送信を始めました。").
"""

from __future__ import annotations

import re

import pytest

from models import Member, Newsletter, NewsletterStatus, now
from tests.admin.conftest import form_token


def _draft(admin_client, db) -> tuple[int, str]:
    db.add(Member(email="fan@docomo.ne.jp", name="会員", carrier="docomo", email_verified_at=now()))
    db.commit()
    token = form_token(admin_client, "/admin/newsletters")
    response = admin_client.post("/admin/newsletters/new/text", data={"csrf_token": token})
    newsletter_id = int(re.search(r"/newsletters/(\d+)/edit", response.headers["Location"])[1])
    response = admin_client.post(f"/admin/newsletters/{newsletter_id}/edit", data={
        "csrf_token": token, "subject": "冬のセール", "mail_from": "shop@example.jp",
        "body_text": "{{member_name}}様\nセールです", "body_html": ""})
    assert response.status_code == 302
    return newsletter_id, token


@pytest.mark.parametrize("typed", ["", "来週の月曜"])
def test_scheduled_send_without_a_date_is_refused_and_nothing_goes_out(
        admin_client, db, typed):
    newsletter_id, token = _draft(admin_client, db)
    page = admin_client.post(f"/admin/newsletters/{newsletter_id}/send", data={
        "csrf_token": token, "when": "at", "scheduled_at": typed},
        follow_redirects=True).get_data(as_text=True)
    assert "配信日時を入力してください。" in page
    assert "送信を始めました" not in page
    assert "Not a valid" not in page
    db.expire_all()
    assert db.get(Newsletter, newsletter_id).status == NewsletterStatus.DRAFT


def test_send_now_ignores_the_date_box(admin_client, db):
    newsletter_id, token = _draft(admin_client, db)
    page = admin_client.post(f"/admin/newsletters/{newsletter_id}/send", data={
        "csrf_token": token, "when": "now", "scheduled_at": ""},
        follow_redirects=True).get_data(as_text=True)
    assert "1人への送信を始めました。" in page
    db.expire_all()
    assert db.get(Newsletter, newsletter_id).status != NewsletterStatus.DRAFT
