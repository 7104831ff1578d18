"""An error inside the admin links back to the admin, not to the shop's top page.

Found by QA: an owner whose 注文一覧 had expired (stale CSRF token on 取消) got
「画面の有効期限が切れたか…」 with a 「トップへ戻る」 link to the shop's storefront.
"""

from __future__ import annotations

import re


def _back_link(body: str) -> tuple[str, str]:
    match = re.search(r'<a href="([^"]*)">([^<]*)</a>', body)
    assert match, body
    return match[1], match[2]


def test_expired_admin_form_links_back_to_the_admin(admin_client):
    response = admin_client.post("/admin/orders/1/cancel", data={"csrf_token": "stale"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "画面の有効期限が切れたか、不正な送信です。" in body
    assert _back_link(body) == ("/admin/", "管理画面のトップへ戻る")


def test_unknown_admin_page_links_back_to_the_admin(admin_client):
    response = admin_client.get("/admin/orders/999999")
    assert response.status_code == 404
    assert _back_link(response.get_data(as_text=True)) == ("/admin/", "管理画面のトップへ戻る")


def test_unknown_shop_page_on_a_pc_still_links_to_the_shop(client):
    response = client.get("/no-such-page", headers={"User-Agent": "Mozilla/5.0 (Windows NT 10.0)"})
    assert response.status_code == 404
    assert _back_link(response.get_data(as_text=True)) == ("/", "トップへ戻る")
