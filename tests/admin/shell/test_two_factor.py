"""二段階認証 (issue #13): TOTP with a QR code, recovery codes, per admin, and a 設定 that
requires it for every admin."""

from __future__ import annotations

import re
import time

import pyotp
from sqlalchemy import select

from ktaishop.extensions import db as database
from models import AdminUser, ShopSettings
from tests.admin.conftest import form_token
from tests.conftest import ADMIN_LOGIN, ADMIN_PASSWORD, csrf_token_from


def secret_of(app) -> str:
    with app.app_context():
        return database.session.scalar(select(AdminUser.totp_secret))


def enrol(app, client) -> list[str]:
    page = client.get("/admin/account/two-factor").get_data(as_text=True)
    assert "<svg" in page and "QRコード" in page
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    assert secret == secret_of(app)
    done = client.post("/admin/account/two-factor", data={
        "csrf_token": csrf_token_from(page), "code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", done.get_data(as_text=True))
    assert len(codes) == 10
    return codes


def password_step(client):
    page = client.get("/admin/login").get_data(as_text=True)
    return client.post("/admin/login", data={"login": ADMIN_LOGIN, "password": ADMIN_PASSWORD,
                                             "csrf_token": csrf_token_from(page)})


def code_step(client, code: str):
    page = client.get("/admin/login/code").get_data(as_text=True)
    return client.post("/admin/login/code", data={"code": code,
                                                  "csrf_token": csrf_token_from(page)})


def test_with_two_factor_the_password_alone_opens_nothing(app, admin_client):
    codes = enrol(app, admin_client)
    client = app.test_client()
    after_password = password_step(client)
    assert after_password.headers["Location"].startswith("/admin/login/code")
    assert client.get("/admin/orders").status_code == 302  # not in yet
    assert "確認コードが正しくありません" in code_step(client, "000000").get_data(as_text=True)
    # The code enrolment used cannot log in (each code works once): the next one does
    # (a phone's clock one step ahead is accepted).
    next_code = pyotp.TOTP(secret_of(app)).at(time.time() + 30)
    assert code_step(client, next_code).status_code == 302
    assert client.get("/admin/orders").status_code == 200

    replay = app.test_client()  # the same code, seen over a shoulder, works once only
    password_step(replay)
    assert "確認コードが正しくありません" in code_step(replay, next_code).get_data(as_text=True)
    assert code_step(replay, codes[0]).status_code == 302  # a recovery code instead
    again = app.test_client()
    password_step(again)
    assert "確認コードが正しくありません" in code_step(again, codes[0]).get_data(as_text=True)


def test_required_by_the_owner_an_admin_must_set_it_up_before_anything_else(app,
                                                                            admin_client):
    with app.app_context():
        ShopSettings.load(database.session).require_two_factor = True
        database.session.commit()
    blocked = admin_client.get("/admin/orders")
    assert blocked.status_code == 302 and blocked.headers["Location"].endswith(
        "/admin/account/two-factor")
    enrol(app, admin_client)
    assert admin_client.get("/admin/orders").status_code == 200
    page = admin_client.get("/admin/account").get_data(as_text=True)
    assert "解除できません" in page


def test_another_admin_resets_a_lost_phone_and_the_audit_log_says_so(app, admin_client):
    enrol(app, admin_client)
    with app.app_context():
        other = AdminUser(login="owner")
        other.set_password("owner-password-1")
        database.session.add(other)
        database.session.commit()
        target = database.session.scalar(select(AdminUser.id).where(
            AdminUser.login == ADMIN_LOGIN))
    owner = app.test_client()
    page = owner.get("/admin/login").get_data(as_text=True)
    owner.post("/admin/login", data={"login": "owner", "password": "owner-password-1",
                                     "csrf_token": csrf_token_from(page)})
    token = form_token(owner, "/admin/settings")
    owner.post(f"/admin/settings/admins/{target}/two-factor/off", data={"csrf_token": token})
    assert password_step(app.test_client()).headers["Location"].endswith("/admin/")
    audit = owner.get("/admin/audit?action=two_factor").get_data(as_text=True)
    assert "ほかの管理ユーザーが二段階認証を解除した" in audit and "owner" in audit
