"""マイページ: changes that ask for the current password, reset by mail, 退会, sessions."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select

from ktaishop.extensions import db
from models import Member, MemberStatus, OutboxMessage, now
from tests.mail.helpers import use_mail_profile

from .shop import (
    DOCOMO_UA,
    IPHONE_UA,
    PASSWORD,
    Shopper,
    deliver_mail,
    link_to,
    mail_text,
    seed_shop,
    url_in,
)

EMAIL = "jiro@docomo.ne.jp"
NEW_PASSWORD = "another-pass-2"
KEY = re.compile(r"ksid=([A-Za-z0-9_-]{43})")


def make_member(app) -> None:
    with app.app_context():
        member = Member(email=EMAIL, name="佐藤 次郎", kana="サトウ ジロウ", tel="0312345678",
                        zip_code="1000001", address="東京都千代田区1-1", carrier="docomo",
                        email_verified_at=datetime(2026, 1, 1))
        member.set_password(PASSWORD)
        db.session.add(member)
        db.session.commit()


def log_in(phone: Shopper, password: str = PASSWORD):
    return phone.submit(phone.get("/login"), {"email": EMAIL, "password": password})


def member(app) -> Member:
    with app.app_context():
        return db.session.scalar(select(Member))


def test_login_regenerates_the_session_key_and_keeps_the_cart(app):
    catalog = seed_shop(app)
    make_member(app)
    phone = Shopper(app, DOCOMO_UA)
    product = phone.get(f"/product/{catalog.plain_id}")
    cart = phone.submit(product, {"quantity": "2"}, action_contains="/cart/add")
    before = KEY.search(cart.text).group(1)
    login = phone.get(link_to(cart, "/login"))
    mypage = phone.submit(login, {"email": EMAIL, "password": PASSWORD})
    after = KEY.search(mypage.text).group(1)
    assert before != after and "カート(2)" in mypage.text
    stale = phone.get(f"/mypage?ksid={before}&guid=ON")  # the old key opens nothing
    assert "ログイン" in stale.text and "佐藤 次郎様" not in stale.text
    out = phone.submit(mypage, {}, action_contains="/logout")
    assert "ログアウトしました" in out.text and "マイページ" not in out.text


def test_profile_password_and_newsletter_changes(app):
    seed_shop(app)
    make_member(app)
    phone = Shopper(app, IPHONE_UA, cookies=True)
    mypage = log_in(phone)
    profile = phone.get(link_to(mypage, "/mypage/profile"))
    values = dict(re.findall(r'name="(\w+)" value="([^"]*)"', profile.text))
    refused = phone.submit(profile, values | {"address": "大阪府大阪市1-1",
                                              "current_password": "wrong-wrong"})
    assert "現在のパスワードが違います" in refused.text
    assert member(app).address == "東京都千代田区1-1"
    phone.submit(refused, values | {"address": "大阪府大阪市1-1", "current_password": PASSWORD})
    assert member(app).address == "大阪府大阪市1-1"

    form = phone.get("/mypage/password")
    short = phone.submit(form, {"current_password": PASSWORD, "password": "short",
                                "password2": "short"})
    assert "8～64文字" in short.text
    done = phone.submit(short, {"current_password": PASSWORD, "password": NEW_PASSWORD,
                                "password2": NEW_PASSWORD})
    assert "パスワードを変更しました" in done.text
    assert member(app).check_password(NEW_PASSWORD)

    letter = phone.get("/mypage/newsletter")
    assert "メルマガの配信を停止しました" in phone.submit(letter, {"newsletter": "0"}).text
    assert member(app).newsletter is False


def test_password_reset_link_works_once(app, smtp_server):
    seed_shop(app)
    make_member(app)
    app.config["MAIL_URL"] = smtp_server.url
    phone = Shopper(app, DOCOMO_UA)
    request_page = phone.get("/password/reset")
    sent = phone.submit(request_page, {"email": EMAIL})
    unknown = phone.submit(request_page, {"email": "nobody@docomo.ne.jp"})
    assert sent.text.count("メールでお送りしました") == unknown.text.count("メールでお送りしました")
    mail = deliver_mail(app, smtp_server, 1)[0]
    assert mail.rcpt_tos == [EMAIL] and "パスワード再設定" in mail.message["Subject"]
    link = url_in(mail_text(mail), "/password/reset/")
    form = phone.get(link)
    login = phone.submit(form, {"password": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert "新しいパスワードでログインしてください" in login.text
    assert "URLが無効です" in phone.get(link).text  # single use: the hash changed
    assert "佐藤 次郎様" in log_in(phone, NEW_PASSWORD).text
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage)).kind == "password_reset"


NEW_EMAIL = "jiro@ezweb.ne.jp"


def ask_for_new_address(app, phone: Shopper):
    mypage = log_in(phone)
    profile = phone.get(link_to(mypage, "/mypage/profile"))
    values = dict(re.findall(r'name="(\w+)" value="([^"]*)"', profile.text))
    return phone.submit(profile, values | {"email": NEW_EMAIL, "current_password": PASSWORD,
                                           "address": "大阪府大阪市1-1"})


def test_a_new_mail_address_takes_effect_from_the_link_mailed_to_it(app, smtp_server):
    seed_shop(app)
    make_member(app)
    with app.app_context():
        use_mail_profile(db.session, "legacy")  # mail written in each carrier's own form
    app.config["MAIL_URL"] = smtp_server.url
    done = ask_for_new_address(app, Shopper(app, DOCOMO_UA))
    assert "新しいメールアドレスに確認メールを送りました" in done.text
    assert (member(app).email, member(app).address) == (EMAIL, "大阪府大阪市1-1")

    mail = deliver_mail(app, smtp_server, 1)[0]
    assert mail.rcpt_tos == [NEW_EMAIL] and "メールアドレス変更" in mail.message["Subject"]
    assert mail.message.get_content_charset() == "iso-2022-jp"  # written for au
    link = url_in(mail_text(mail), "/mypage/email/")
    other_browser = Shopper(app, DOCOMO_UA)  # the mail app may open another browser
    opened = other_browser.get(link)  # opening the link alone changes nothing
    assert member(app).email == EMAIL and "変更する" in opened.text
    changed = other_browser.submit(opened, {})
    assert f"メールアドレスを {NEW_EMAIL} に変更しました" in changed.text
    assert (member(app).email, member(app).carrier) == (NEW_EMAIL, "au")
    assert "URLが無効です" in other_browser.get(link).text  # works once
    notice = deliver_mail(app, smtp_server, 2)[1]  # the old address hears of it
    assert notice.rcpt_tos == [EMAIL] and "変更されました" in notice.message["Subject"]
    welcome = other_browser.submit(other_browser.get("/login"),
                                   {"email": NEW_EMAIL, "password": PASSWORD})
    assert "佐藤 次郎様" in welcome.text


def test_an_address_another_member_took_meanwhile_is_not_changed_to(app, smtp_server):
    seed_shop(app)
    make_member(app)
    app.config["MAIL_URL"] = smtp_server.url
    ask_for_new_address(app, Shopper(app, DOCOMO_UA))
    link = url_in(mail_text(deliver_mail(app, smtp_server, 1)[0]), "/mypage/email/")
    with app.app_context():
        db.session.add(Member(email=NEW_EMAIL, name="別の 会員", email_verified_at=now()))
        db.session.commit()

    refused = Shopper(app, DOCOMO_UA).get(link)
    assert "他の会員が使っています" in refused.text and "変更していません" in refused.text
    with app.app_context():
        assert db.session.scalar(select(Member.email).where(Member.name == "佐藤 次郎")) == EMAIL


def test_withdrawal_asks_for_the_password_and_ends_the_membership(app):
    seed_shop(app)
    make_member(app)
    phone = Shopper(app, DOCOMO_UA)
    mypage = log_in(phone)
    form = phone.get(link_to(mypage, "/mypage/withdraw"))
    assert "現在のパスワードが違います" in phone.submit(form, {"current_password": "x"}).text
    bye = phone.submit(form, {"current_password": PASSWORD})
    assert "退会手続きが完了しました" in bye.text
    assert member(app).status == MemberStatus.WITHDRAWN
    assert "メールアドレスかパスワードが違います" in log_in(phone).text


def test_repeated_wrong_passwords_slow_that_client_but_lock_nobody_out(app, still_login_clock):
    """Issue #13 hole 5: the old rule locked the account for everyone (the assertion
    ``member.locked_until is not None``); now the client that failed waits, and the
    member logs in from another place at once."""
    with app.app_context():
        member = Member(email="locked@docomo.ne.jp", name="鍵 太郎", email_verified_at=now())
        member.set_password("right-password")
        db.session.add(member)
        db.session.commit()
    phone = Shopper(app, IPHONE_UA, cookies=True)
    for _ in range(5):
        page = phone.submit(phone.get("/login"), {"email": "locked@docomo.ne.jp",
                                                  "password": "wrong"})
        assert "メールアドレスかパスワードが違います" in page.text
    page = phone.submit(phone.get("/login"), {"email": "locked@docomo.ne.jp",
                                              "password": "right-password"})
    assert "しばらくログインできません" in page.text
    elsewhere = Shopper(app, IPHONE_UA, cookies=True, remote_addr="192.0.2.44")
    page = elsewhere.submit(elsewhere.get("/login"), {"email": "locked@docomo.ne.jp",
                                                      "password": "right-password"})
    assert "ようこそ" in page.text
