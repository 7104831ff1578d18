"""The admin login: menu after login, clear answers to bad input, never a 500."""

from __future__ import annotations

from tests.conftest import ADMIN_LOGIN, ADMIN_PASSWORD, csrf_token_from

MENU = ("注文", "配送", "商品情報", "商品陳列棚", "顧客管理", "メール設定", "メール配信", "設定")


def login(client, password=ADMIN_PASSWORD, next_url=None, token=True):
    page = client.get("/admin/login").get_data(as_text=True)
    data = {"login": ADMIN_LOGIN, "password": password}
    if token:
        data["csrf_token"] = csrf_token_from(page)
    url = "/admin/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data=data)


def test_every_admin_url_needs_login(client, admin_user):
    for url in ("/admin/", "/admin/orders", "/admin/settings", "/admin/members"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/admin/login?next=" in response.headers["Location"]


def test_login_shows_the_manuals_menu(admin_client):
    html = admin_client.get("/admin/").get_data(as_text=True)
    positions = [html.index(f">{label}</a>") for label in MENU]
    assert positions == sorted(positions), "menu entries are in the manual's order"
    assert "ログアウト" in html


def test_wrong_password_is_refused_with_a_message(client, admin_user):
    response = login(client, password="wrong")
    assert response.status_code == 200
    assert "ログインIDまたはパスワードが正しくありません。" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_missing_csrf_token_is_a_clear_400(client, admin_user):
    response = login(client, token=False)
    assert response.status_code == 400
    assert "不正な送信" in response.get_data(as_text=True)


def test_repeated_failures_lock_the_login(client, admin_user, still_login_clock):
    for _ in range(5):
        login(client, password="wrong")
    response = login(client)  # even the right password waits now
    assert "しばらくログインできません" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_next_is_followed_only_within_the_site(client, admin_user):
    assert login(client, next_url="/admin/orders").headers["Location"] == "/admin/orders"
    client.post("/admin/logout", data={"csrf_token": csrf_token_from(
        client.get("/admin/").get_data(as_text=True))})
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        location = login(client, next_url=evil).headers["Location"]
        assert "evil" not in location and location.endswith("/admin/")


def test_logout_needs_post_and_ends_the_session(admin_client):
    assert admin_client.get("/admin/logout").status_code == 405
    token = csrf_token_from(admin_client.get("/admin/").get_data(as_text=True))
    admin_client.post("/admin/logout", data={"csrf_token": token})
    assert admin_client.get("/admin/").status_code == 302


def test_unknown_page_is_a_japanese_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "見つかりませんでした" in response.get_data(as_text=True)
