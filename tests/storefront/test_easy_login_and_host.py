"""かんたんログイン only through carrier gateways, linked with the password; the Host check."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select

from ktaishop.extensions import db
from models import Member, ShopSettings

from .shop import DOCOMO_UA, PASSWORD, PC_UA, Shopper, link_to, seed_shop

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
GATEWAY_IP = "210.153.84.10"  # inside docomo's published i-mode gateway range
GUID = {"X-DCMGUID": "abc123XYZ"}
SPOOFED = GUID | {"X-UP-SUBNO": "12345678901234_ab.ezweb.ne.jp", "X-JPHONE-UID": "a1b2c3d4e5f6g7h8"}
EMAIL = "ichiro@docomo.ne.jp"


def make_member(app, *, easy_login: bool = True) -> None:
    with app.app_context():
        ShopSettings.load(db.session).easy_login = easy_login
        member = Member(email=EMAIL, name="鈴木 一郎", kana="スズキ イチロウ", carrier="docomo",
                        email_verified_at=datetime(2026, 1, 1))
        member.set_password(PASSWORD)
        db.session.add(member)
        db.session.commit()


def log_in(phone: Shopper):
    login = phone.get("/login")
    return phone.submit(login, {"email": EMAIL, "password": PASSWORD})


def test_easy_login_is_off_by_default(app):
    seed_shop(app)
    make_member(app, easy_login=False)
    phone = Shopper(app, DOCOMO_UA, headers=GUID, remote_addr=GATEWAY_IP)
    assert "ご利用いただけません" in phone.get("/easy-login").text


def test_link_with_password_then_easy_login_through_the_gateway(app):
    seed_shop(app)
    make_member(app)
    phone = Shopper(app, DOCOMO_UA, headers=GUID, remote_addr=GATEWAY_IP)
    mypage = log_in(phone)
    setup = phone.get(link_to(mypage, "/mypage/easy-login"))
    refused = phone.submit(setup, {"current_password": "wrong-password", "action": "link"})
    assert "現在のパスワードが違います" in refused.text
    linked = phone.submit(refused, {"current_password": PASSWORD, "action": "link"})
    assert "かんたんログインを設定しました" in linked.text
    with app.app_context():
        member = db.session.scalar(select(Member))
        assert (member.subscriber_carrier, member.subscriber_id) == ("docomo", "abc123XYZ")

    fresh = Shopper(app, DOCOMO_UA, headers=GUID, remote_addr=GATEWAY_IP)
    page = fresh.get("/easy-login")
    assert "この端末の契約者情報でログインします" in page.text
    assert "鈴木 一郎様" in fresh.submit(page, {}).text


def test_spoofed_subscriber_headers_from_a_pc_or_outside_the_gateway(app):
    seed_shop(app)
    make_member(app)
    with app.app_context():
        member = db.session.scalar(select(Member))
        member.subscriber_carrier, member.subscriber_id = "docomo", "abc123XYZ"
        db.session.commit()
    for ua, address in ((PC_UA, "127.0.0.1"), (PC_UA, GATEWAY_IP), (DOCOMO_UA, "192.0.2.7")):
        intruder = Shopper(app, ua, headers=SPOOFED, remote_addr=address, cookies=True)
        page = intruder.get("/easy-login")
        assert "ご利用いただけません" in page.text
        # Post to /easy-login anyway, with a valid CSRF token and session from the login form.
        login = intruder.get("/login")
        action = next(a for a in login.forms() if a.startswith("/login"))
        posted = intruder.client.post(action.replace("/login", "/easy-login", 1),
                                      {"csrf_token": CSRF.search(login.text).group(1)})
        assert posted.status == 200 and "ご利用いただけません" in posted.text
        assert "ログイン" in intruder.get("/mypage").text  # still a stranger


def test_foreign_host_is_refused_but_admin_and_shop_host_work(app, client):
    seed_shop(app)
    evil = client.get("/", headers={"Host": "evil.example"})
    assert evil.status_code == 400
    assert "テスト商店" not in evil.get_data(as_text=True)
    assert client.get("/", headers={"Host": "127.0.0.1:5000"}).status_code == 200
    assert client.get("/").status_code == 200  # localhost in TESTING
    assert client.get("/admin/login", headers={"Host": "evil.example"}).status_code == 200
    app.config["TESTING"] = False
    assert client.get("/", headers={"Host": "localhost"}).status_code == 400
