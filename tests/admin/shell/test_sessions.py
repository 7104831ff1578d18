"""Hole 2 (issue #13): a copied admin cookie opens nothing once its login is ended.

Logout, a new password (set by the admin or by another admin) and removal of the
admin end every login of that admin, server-side.

These tests hold no app context between requests (no ``db`` fixture): Flask would
reuse it for every request, and its ``g`` (the loaded admin, the CSRF token) with it,
as no real request does.
"""

from __future__ import annotations

from sqlalchemy import select

from ktaishop.extensions import db as database
from models import AdminUser
from tests.admin.conftest import form_token
from tests.conftest import ADMIN_LOGIN, ADMIN_PASSWORD, csrf_token_from

OTHER, OTHER_PASSWORD = "second-admin", "another-long-password"


def log_in(client, login=ADMIN_LOGIN, password=ADMIN_PASSWORD):
    token = csrf_token_from(client.get("/admin/login").get_data(as_text=True))
    response = client.post("/admin/login", data={"login": login, "password": password,
                                                 "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def copy_of(app, client):
    """Another browser holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def opens_orders(client) -> bool:
    return client.get("/admin/orders").status_code == 200


def add_admin(admin_client, login=OTHER, password=OTHER_PASSWORD):
    token = form_token(admin_client, "/admin/settings")
    admin_client.post("/admin/settings/admins", data={
        "csrf_token": token, "login": login, "password": password, "confirm": password})


def admin_id(app, login):
    with app.app_context():
        return database.session.scalar(select(AdminUser.id).where(AdminUser.login == login))


def test_logout_ends_a_copied_cookie_too(app, admin_client):
    thief = copy_of(app, admin_client)
    assert opens_orders(thief)
    token = form_token(admin_client, "/admin/")
    admin_client.post("/admin/logout", data={"csrf_token": token})
    assert not opens_orders(thief)
    assert not opens_orders(admin_client)


def test_logout_ends_the_admins_logins_elsewhere(app, admin_client):
    elsewhere = log_in(app.test_client())
    token = form_token(admin_client, "/admin/")
    admin_client.post("/admin/logout", data={"csrf_token": token})
    assert not opens_orders(elsewhere)


def test_a_new_password_set_by_another_admin_ends_every_login(app, admin_client):
    add_admin(admin_client)
    other = log_in(app.test_client(), OTHER, OTHER_PASSWORD)
    thief = copy_of(app, other)
    token = form_token(admin_client, "/admin/settings")
    admin_client.post(f"/admin/settings/admins/{admin_id(app, OTHER)}/password", data={
        "csrf_token": token, "password": "brand-new-password", "confirm": "brand-new-password"})
    assert not opens_orders(other) and not opens_orders(thief)
    assert opens_orders(admin_client)  # the admin who changed it stays in
    assert opens_orders(log_in(app.test_client(), OTHER, "brand-new-password"))


def test_changing_ones_own_password_keeps_this_browser_and_ends_the_others(app, admin_client):
    elsewhere = log_in(app.test_client())
    token = form_token(admin_client, "/admin/account")
    page = admin_client.post("/admin/account/password", data={
        "csrf_token": token, "current": ADMIN_PASSWORD, "password": "a-new-long-password",
        "confirm": "a-new-long-password"}, follow_redirects=True)
    assert "ほかの場所のログインは終了しました" in page.get_data(as_text=True)
    assert opens_orders(admin_client) and not opens_orders(elsewhere)


def test_removing_an_admin_ends_its_logins(app, admin_client):
    add_admin(admin_client)
    other = log_in(app.test_client(), OTHER, OTHER_PASSWORD)
    assert opens_orders(other)
    token = form_token(admin_client, "/admin/settings")
    admin_client.post(f"/admin/settings/admins/{admin_id(app, OTHER)}/delete",
                      data={"csrf_token": token})
    assert not opens_orders(other)
    add_admin(admin_client)  # the same login again (it may even get the same id)
    assert not opens_orders(other)
