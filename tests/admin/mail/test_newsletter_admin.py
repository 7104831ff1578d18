"""メール配信 screens: write, refuse bad input, preview per carrier, test-send, send, control."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from ktaishop.mail.worker import deliver_due
from models import Member, Newsletter, NewsletterStatus, now
from tests.conftest import csrf_token_from
from tests.mail.helpers import use_mail_profile
from tests.mail.test_newsletter_send import CARRIER_ADDRESSES, gif


def _get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _create(client, kind: str) -> tuple[int, str]:
    token = csrf_token_from(_get(client, "/admin/newsletters"))
    response = client.post(f"/admin/newsletters/new/{kind}", data={"csrf_token": token})
    assert response.status_code == 302
    newsletter_id = int(re.search(r"/newsletters/(\d+)/edit", response.headers["Location"])[1])
    return newsletter_id, token


def _save(client, newsletter_id: int, token: str, **fields) -> str:
    data = {"csrf_token": token, "subject": "春のセール☀", "mail_from": "shop@example.jp",
            "body_text": "{{member_name}}様\n春のセールです☀", "body_html": ""}
    data.update(fields)
    response = client.post(f"/admin/newsletters/{newsletter_id}/edit", data=data,
                           follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _members(db) -> None:
    db.add_all(Member(email=a, name=f"{c}会員", carrier=c, email_verified_at=now())
               for c, a in CARRIER_ADDRESSES.items())
    db.add(Member(email="stop@example.com", name="停止", newsletter=False,
                  email_verified_at=now()))
    db.commit()


def test_text_newsletter_preview_test_send_and_send(app, db, admin_client, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    use_mail_profile(db, "legacy")
    _members(db)
    newsletter_id, token = _create(admin_client, "text")
    page = _save(admin_client, newsletter_id, token)
    assert "メルマガを保存しました" in page
    for label in ("docomo", "au", "SoftBank", "PC"):
        assert f"<h3>{label}</h3>" in page
    assert "テスト 太郎様" in page and "現在 5人" in page

    page = admin_client.post(f"/admin/newsletters/{newsletter_id}/test", data={
        "csrf_token": token, "address": "tester@ezweb.ne.jp"}, follow_redirects=True)
    assert "tester@ezweb.ne.jp にテスト送信しました" in page.get_data(as_text=True)
    [test_mail] = smtp_server.wait_for(1)
    assert test_mail.rcpt_tos == ["tester@ezweb.ne.jp"]
    assert test_mail.message.get_content_charset().lower() == "iso-2022-jp"

    page = admin_client.post(f"/admin/newsletters/{newsletter_id}/send", data={
        "csrf_token": token, "when": "now"}, follow_redirects=True).get_data(as_text=True)
    assert "5人への送信を始めました" in page
    assert admin_client.get(f"/admin/newsletters/{newsletter_id}/progress").get_json()[
        "remaining"] == 5
    assert deliver_due(app) == 5
    progress = admin_client.get(f"/admin/newsletters/{newsletter_id}/progress").get_json()
    assert (progress["sent"], progress["failed"], progress["remaining"]) == (5, 0, 0)
    assert progress["label"] == "送信完了"
    listing = _get(admin_client, "/admin/newsletters")
    assert "春のセール☀" in listing and "送信完了" in listing
    assert "stop@example.com" not in {m.rcpt_tos[0] for m in smtp_server.messages}


def test_bad_input_is_refused_with_messages(app, db, admin_client):
    newsletter_id, token = _create(admin_client, "text")
    page = _save(admin_client, newsletter_id, token, subject="件名\nBcc: x@example.com",
                 body_text="{{order_no}} {{member_name}}", mail_from="not an address")
    assert "件名に改行は使えません。" in page
    assert "使えない差込情報があります: {{order_no}}" in page
    assert "FROMのメールアドレスが正しくありません。" in page
    assert db.get(Newsletter, newsletter_id).subject == ""

    _save(admin_client, newsletter_id, token)
    page = admin_client.post(f"/admin/newsletters/{newsletter_id}/send", data={
        "csrf_token": token, "when": "at",
        "scheduled_at": (now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")},
        follow_redirects=True).get_data(as_text=True)
    assert "今より後の日時" in page
    assert db.get(Newsletter, newsletter_id).status == NewsletterStatus.DRAFT


def test_schedule_pause_resume_cancel(app, db, admin_client, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    _members(db)
    newsletter_id, token = _create(admin_client, "text")
    _save(admin_client, newsletter_id, token)
    later = (now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page = admin_client.post(f"/admin/newsletters/{newsletter_id}/send", data={
        "csrf_token": token, "when": "at", "scheduled_at": later}, follow_redirects=True)
    assert "送信するよう予約しました" in page.get_data(as_text=True)
    newsletter = db.get(Newsletter, newsletter_id)
    assert newsletter.status == NewsletterStatus.SCHEDULED
    assert deliver_due(app) == 0

    newsletter.scheduled_at = now() - timedelta(minutes=1)
    db.commit()
    assert deliver_due(app, limit=1) == 1  # the worker started it at its time
    admin_client.post(f"/admin/newsletters/{newsletter_id}/pause", data={"csrf_token": token})
    assert deliver_due(app) == 0
    page = admin_client.post(f"/admin/newsletters/{newsletter_id}/resume",
                             data={"csrf_token": token}, follow_redirects=True)
    assert "再開しました" in page.get_data(as_text=True)
    assert deliver_due(app, limit=1) == 1
    page = admin_client.post(f"/admin/newsletters/{newsletter_id}/cancel",
                             data={"csrf_token": token}, follow_redirects=True)
    assert "中止しました" in page.get_data(as_text=True)
    assert deliver_due(app) == 0
    progress = admin_client.get(f"/admin/newsletters/{newsletter_id}/progress").get_json()
    assert (progress["sent"], progress["remaining"], progress["cancelled"]) == (2, 0, 3)
    assert len(smtp_server.messages) == 2


def test_deco_image_upload_sizes_and_refusals(app, db, admin_client):
    newsletter_id, token = _create(admin_client, "deco")
    bad = admin_client.post(f"/admin/newsletters/{newsletter_id}/images", data={
        "csrf_token": token, "image": (io.BytesIO(b"<svg></svg>"), "x.svg")},
        content_type="multipart/form-data")
    assert bad.status_code == 400 and "GIF・JPEG・PNG" in bad.get_json()["error"]
    good = admin_client.post(f"/admin/newsletters/{newsletter_id}/images", data={
        "csrf_token": token, "image": (io.BytesIO(gif(800, 600)), "banner.gif")},
        content_type="multipart/form-data").get_json()
    assert admin_client.get(good["url"]).mimetype == "image/gif"

    html = (f'<div style="text-align: center;"><font color="#ff0000">セール☀</font></div>'
            f'<img src="{good["url"]}"><script>alert(1)</script>')
    page = _save(admin_client, newsletter_id, token, body_html=html, body_text="")
    stored = db.get(Newsletter, newsletter_id).body_html
    assert f'src="cid:{good["cid"]}"' in stored and "<script" not in stored
    assert '<div align="center">' in stored
    assert "メール全体" in page and "/ 102,400" in page  # au's limit shown beside the size

    long_html = "<br>".join(["長い本文です。" * 10] * 80)
    _save(admin_client, newsletter_id, token, body_html=long_html, body_text="")
    page = admin_client.post(f"/admin/newsletters/{newsletter_id}/send", data={
        "csrf_token": token, "when": "now"}, follow_redirects=True).get_data(as_text=True)
    assert "上限の10,000バイトを超えています" in page
    assert db.get(Newsletter, newsletter_id).status == NewsletterStatus.DRAFT
