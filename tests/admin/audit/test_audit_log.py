"""操作ログ (issue #13): logins and failed logins, changes, personal-data CSV downloads,
sends and order changes are recorded; the screen searches them and nothing edits them."""

from __future__ import annotations

import pytest
from lxml import html as lxml_html
from sqlalchemy import select

from models import AuditEntry
from tests.conftest import ADMIN_LOGIN, csrf_token_from

from ..orders.test_release_hold import release
from ..settings.test_settings import settings_data


def rows(client, query: str = "") -> list[list[str]]:
    page = client.get(f"/admin/audit{query}").get_data(as_text=True)
    tree = lxml_html.fromstring(page)
    return [[td.text_content().strip() for td in tr.xpath("td")]
            for tr in tree.xpath('//table[@id="audit-log"]/tbody/tr') if len(tr) > 1]


def test_logins_changes_and_downloads_are_recorded_and_searchable(app, admin_client, demo_shop):
    bad = app.test_client()
    page = bad.get("/admin/login").get_data(as_text=True)
    bad.post("/admin/login", data={"login": ADMIN_LOGIN, "password": "guess",
                                   "csrf_token": csrf_token_from(page)})
    token = csrf_token_from(admin_client.get("/admin/settings").get_data(as_text=True))
    admin_client.post("/admin/settings", data=settings_data(token, shop_name="新しい店名"))
    download = admin_client.get("/admin/orders/download?status=completed&status=instructed")
    assert download.status_code == 200
    download.get_data()
    admin_client.get("/admin/members/download").get_data()

    entries = rows(admin_client)
    by_action = {row[2]: row for row in entries}
    assert by_action["ログイン"][1] == ADMIN_LOGIN
    assert by_action["ログイン失敗"][3] == ADMIN_LOGIN
    assert "shop_name" in by_action["設定の変更"][4]
    downloads = [r for r in entries if r[2] == "個人情報を含むCSVのダウンロード"]
    assert {r[3] for r in downloads} == {"注文 ダウンロード", "会員 ダウンロード"}
    assert all(r[4].endswith("件") and r[4][:-1].isdigit() for r in downloads)

    only_failures = rows(admin_client, "?action=login_failed")
    assert [r[2] for r in only_failures] == ["ログイン失敗"]
    assert rows(admin_client, "?keyword=%E4%BC%9A%E5%93%A1")[0][3] == "会員 ダウンロード"


def test_order_cancellations_are_recorded(admin_client, db):
    from tests.foundation.card_orders import held_card_order

    order = held_card_order(db)
    release(admin_client, order.id)
    [entry] = [r for r in rows(admin_client) if r[2] == "在庫の確保を解除"]
    assert entry[3] == order.order_no


def test_entries_cannot_be_changed_or_deleted(admin_client, db):
    entry = db.scalar(select(AuditEntry))  # the login
    entry.detail = "書き換え"
    with pytest.raises(PermissionError):
        db.flush()
    db.rollback()
    db.delete(db.scalar(select(AuditEntry)))
    with pytest.raises(PermissionError):
        db.flush()
    db.rollback()
    for method in ("post", "put", "delete"):
        assert getattr(admin_client, method)("/admin/audit").status_code == 405
