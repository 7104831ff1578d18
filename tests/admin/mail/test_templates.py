"""メール設定: list, 汎用メール追加/編集/削除, refusals, preview, hostile merge values sent."""

from __future__ import annotations

from sqlalchemy import select

from ktaishop.mail.worker import deliver_due
from models import MailKind, MailTemplate
from models.mail import queue_order_mail
from tests.conftest import csrf_token_from
from tests.mail.helpers import make_order


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _add_general(admin_client) -> tuple[int, str]:
    token = csrf_token_from(_page(admin_client, "/admin/mail-templates"))
    response = admin_client.post("/admin/mail-templates/add", data={"csrf_token": token})
    assert response.status_code == 302
    template_id = int(response.headers["Location"].split("/")[-2])
    return template_id, csrf_token_from(_page(admin_client, response.headers["Location"]))


def test_list_shows_the_manual_columns_and_required_kinds(admin_client):
    html = _page(admin_client, "/admin/mail-templates")
    for label in ("メール種別", "メールタイトル", "fromメールアドレス", "アクション",
                  "受注確認", "出荷通知", "汎用メール追加", "編集", "削除"):
        assert label in html


def test_add_edit_and_delete_a_general_mail(admin_client, db):
    template_id, token = _add_general(admin_client)
    response = admin_client.post(f"/admin/mail-templates/{template_id}/edit", data={
        "csrf_token": token, "subject": "料金未払いのお知らせ", "mail_from": "shop@example.jp",
        "body": "{{purchaser_name}}様\n合計 {{total}} のお支払いをお願いします。"})
    assert response.status_code == 302
    html = _page(admin_client, "/admin/mail-templates")
    assert "料金未払いのお知らせ" in html and "shop@example.jp" in html

    response = admin_client.post(f"/admin/mail-templates/{template_id}/delete",
                                 data={"csrf_token": token}, follow_redirects=True)
    assert "削除しました" in response.get_data(as_text=True)
    assert db.get(MailTemplate, template_id) is None


def test_order_confirmation_cannot_be_deleted(admin_client, db):
    _page(admin_client, "/admin/mail-templates")
    confirmation = MailTemplate.for_kind(db, MailKind.ORDER_CONFIRMATION)
    token = csrf_token_from(_page(admin_client, "/admin/mail-templates"))
    response = admin_client.post(f"/admin/mail-templates/{confirmation.id}/delete",
                                 data={"csrf_token": token}, follow_redirects=True)
    assert "削除できません" in response.get_data(as_text=True)
    db.expire_all()
    assert MailTemplate.for_kind(db, MailKind.ORDER_CONFIRMATION) is not None


def test_unknown_fields_and_line_breaks_are_refused_with_a_message(admin_client, db):
    template_id, token = _add_general(admin_client)
    response = admin_client.post(f"/admin/mail-templates/{template_id}/edit", data={
        "csrf_token": token, "subject": "件名\r\nBcc: evil@example.com",
        "mail_from": "shop@example.jp", "body": "{{config}} {{order_no}}"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "件名に改行は使えません。" in html
    assert "使えない差込情報があります: {{config}}" in html
    assert db.get(MailTemplate, template_id).subject == ""  # nothing saved


def test_preview_on_a_real_order_shows_hostile_values_literally(admin_client, db):
    order = make_order(db, name="<b>{{config}}</b>")
    token = csrf_token_from(_page(admin_client, "/admin/mail-templates"))
    result = admin_client.post("/admin/mail-templates/preview", data={
        "csrf_token": token, "subject": "{{order_no}} 受注", "mail_from": "shop@example.jp",
        "body": "{{purchaser_name}}様 {{total}}", "order_no": order.order_no}).get_json()
    assert result["subject"] == f"{order.order_no} 受注"
    assert result["body"] == f"<b>{{{{config}}}}</b>様 {order.total:,}円"
    assert result["errors"] == []

    sample = admin_client.post("/admin/mail-templates/preview", data={
        "csrf_token": token, "subject": "x", "mail_from": "shop@example.jp",
        "body": "{{purchaser_name}} {{nope}}"}).get_json()
    assert sample["order"] == "見本の注文" and "小林 亮子" in sample["body"]
    assert any("{{nope}}" in e for e in sample["errors"])


def test_order_mail_with_hostile_values_arrives_literally(app, db, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    db.add(MailTemplate(kind=MailKind.GENERAL, subject="{{purchaser_name}}様",
                        mail_from="shop@example.jp", body="備考: {{note}}\n{{shop_name}}"))
    order = make_order(db, name="{{shop_name}}<script>", email="x@example.com",
                       note="{{config.SECRET_KEY}} 😀")
    template_message = queue_order_mail(db, order, MailKind.GENERAL)
    db.commit()
    assert template_message is not None
    deliver_due(app)
    [mail] = [m.message for m in smtp_server.wait_for(1)]
    assert mail["Subject"] == "{{shop_name}}<script>様"
    body = mail.get_content()
    assert "備考: {{config.SECRET_KEY}} 😀" in body
    assert "test-secret" not in body
    assert db.scalars(select(MailTemplate)).all()
