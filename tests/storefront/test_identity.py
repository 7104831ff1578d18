"""Issue #19, identity: every account belongs to its mailbox.

(6) メルマガ only to verified members; (7) a registration after 退会 is a new member;
(8) one canonical form of an address everywhere; (9) a pending registration cannot be
overwritten; (10) an address change (and 停止, 退会) ends outstanding links; (11) links
act on POST only; (12) unsubscribe links are bound to their address; (13a) logout ends
a copied member cookie.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from ktaishop.extensions import db
from ktaishop.mail import newsletter_mail
from ktaishop.mail.outbox import mark_bounced
from models import (
    MailKind,
    Member,
    MemberStatus,
    Newsletter,
    Order,
    OutboxMessage,
    now,
)
from tests.factories import make_order

from .shop import BUYER, IPHONE_UA, PASSWORD, Shopper, link_to, seed_shop

PHISHING = "重要:http://evil.example/login で本人確認を"
VICTIM = "victim@docomo.ne.jp"


def register(app, email: str, name: str = "山田 太郎", addr: str = "127.0.0.1"):
    phone = Shopper(app, IPHONE_UA, cookies=True, remote_addr=addr)
    # (no password: the link sets it; one typed here, as the old form asked, is ignored)
    page = phone.submit(phone.get("/register"), BUYER | {
        "email": email, "name": name, "newsletter": "1", "password": "typed-at-the-form",
        "password2": "typed-at-the-form"})
    assert "確認メールを送信しました" in page.text
    return phone


def mails(app, kind: MailKind, to: str | None = None) -> list[OutboxMessage]:
    with app.app_context():
        query = select(OutboxMessage).where(OutboxMessage.kind == kind)
        if to is not None:
            query = query.where(OutboxMessage.mail_to == to)
        return list(db.session.scalars(query.order_by(OutboxMessage.id)))


def link_in(message: OutboxMessage, path: str) -> str:
    start = message.body.index("http")
    url = message.body[start:].split()[0]
    assert path in url, message.body
    return url


def member_where(app, **where) -> Member | None:
    with app.app_context():
        return db.session.scalar(select(Member).filter_by(**where))


def make_member(app, email: str, **fields) -> int:
    with app.app_context():
        member = Member(email=email, name=fields.pop("name", "会員 一郎"),
                        email_verified_at=now(), **fields)
        member.set_password(PASSWORD)
        db.session.add(member)
        db.session.commit()
        return member.id


def log_in(phone: Shopper, email: str, password: str = PASSWORD):
    return phone.submit(phone.get("/login"), {"email": email, "password": password})


def complete(app, message: OutboxMessage, password: str = PASSWORD):
    """Open a registration link and set the password on its page."""
    phone = Shopper(app, IPHONE_UA, cookies=True)
    page = phone.get(link_in(message, "/register/verify/"))
    return phone.submit(page, {"password": password, "password2": password})


# -- 6 ---------------------------------------------------------------------------------


def test_newsletters_go_only_to_verified_members(app):
    seed_shop(app)
    make_member(app, "real@docomo.ne.jp", newsletter=True)
    register(app, VICTIM, name=PHISHING)  # anyone can type any address
    with app.app_context():
        newsletter = Newsletter(kind="text", subject="お知らせ", mail_from="shop@example.jp",
                                body_text="{{member_name}} 様")
        db.session.add(newsletter)
        db.session.commit()
        assert newsletter_mail.start(db.session, newsletter) == 1
        db.session.commit()
        rows = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == MailKind.NEWSLETTER)).all()
    assert [row.mail_to for row in rows] == ["real@docomo.ne.jp"]
    assert not any(PHISHING in row.body for row in rows)


# -- 7 ---------------------------------------------------------------------------------


def test_registering_after_withdrawal_makes_a_new_member(app):
    seed_shop(app)
    old_id = make_member(app, VICTIM, name="前の 持ち主", address="前の住所 1-1")
    with app.app_context():
        order = make_order(db.session)
        order.member_id = old_id
        db.session.commit()
    phone = Shopper(app, IPHONE_UA, cookies=True)
    log_in(phone, VICTIM)
    withdraw = phone.get("/mypage/withdraw")
    phone.submit(withdraw, {"current_password": PASSWORD})

    register(app, VICTIM, name="新しい 持ち主")  # the carrier gave the address out again
    [link] = mails(app, MailKind.MEMBER_REGISTRATION, VICTIM)
    assert "会員登録が完了しました" in complete(app, link, "new-owner-pass").text
    newcomer = Shopper(app, IPHONE_UA, cookies=True)
    assert "新しい 持ち主様" in log_in(newcomer, VICTIM, "new-owner-pass").text
    history = newcomer.get("/mypage/orders")
    assert order.order_no not in history.text
    assert "前の住所" not in newcomer.get("/mypage/profile").text
    with app.app_context():
        members = db.session.scalars(select(Member).where(Member.email == VICTIM)
                                     .order_by(Member.id)).all()
        assert [(m.id == old_id, m.status) for m in members] == [
            (True, MemberStatus.WITHDRAWN), (False, MemberStatus.ACTIVE)]
        assert db.session.get(Order, order.id).member_id == old_id  # never reattached


# -- 8 ---------------------------------------------------------------------------------


def test_the_quoted_form_of_a_suspended_address_is_the_same_mailbox(app):
    seed_shop(app)
    suspended = make_member(app, "takahashi@i.softbank.jp", status=MemberStatus.SUSPENDED)
    register(app, '"takahashi"@i.softbank.jp')
    register(app, "Takahashi@I.SoftBank.JP", addr="192.0.2.9")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Member)) == 1
    refused = mails(app, MailKind.REGISTRATION_REFUSED)
    assert [m.mail_to for m in refused] == ["takahashi@i.softbank.jp"] * 2
    assert mails(app, MailKind.MEMBER_REGISTRATION) == []

    with app.app_context():
        db.session.get(Member, suspended).status = MemberStatus.ACTIVE
        db.session.commit()
    phone = Shopper(app, IPHONE_UA, cookies=True)
    assert "会員 一郎様" in log_in(phone, '"takahashi"@I.SoftBank.jp').text
    with app.app_context():
        mark_bounced(db.session, '"takahashi"@i.softbank.jp')  # as the envelope writes it
        db.session.commit()
        assert db.session.get(Member, suspended).bounced is True


# -- 9 ---------------------------------------------------------------------------------


def test_a_pending_registration_is_not_replaced_by_another(app):
    seed_shop(app)
    register(app, VICTIM, name="本人 花子")
    register(app, VICTIM, name="攻撃者", addr="192.0.2.66")  # someone else, same address
    first, second = mails(app, MailKind.MEMBER_REGISTRATION, VICTIM)
    pending = member_where(app, email=VICTIM)
    assert pending.name == "本人 花子" and pending.password_hash == ""
    # The first link still works; whoever opens it (the mailbox's owner) sets the password.
    assert "会員登録が完了しました" in complete(app, first, "owners-pass-1").text
    phone = Shopper(app, IPHONE_UA, cookies=True)
    assert "本人 花子様" in log_in(phone, VICTIM, "owners-pass-1").text
    used = Shopper(app, IPHONE_UA, cookies=True).get(link_in(second, "/register/verify/"))
    assert "URLが無効です" in used.text  # registered: no link sets a password any more


# -- 10 --------------------------------------------------------------------------------


def test_a_reset_link_ends_when_the_address_changes(app):
    seed_shop(app)
    make_member(app, VICTIM)
    phone = Shopper(app, IPHONE_UA, cookies=True)
    phone.submit(phone.get("/password/reset"), {"email": VICTIM})
    [reset] = mails(app, MailKind.PASSWORD_RESET)
    log_in(phone, VICTIM)
    profile = phone.get("/mypage/profile")
    phone.submit(profile, {"name": "会員 一郎", "kana": "カイイン イチロウ", "tel": "0312345678",
                           "email": "new@ezweb.ne.jp", "zip_code": "1000001",
                           "address": "東京都千代田区1-1", "current_password": PASSWORD})
    [change] = mails(app, MailKind.EMAIL_CHANGE)
    page = phone.get(link_in(change, "/mypage/email/"))
    assert "new@ezweb.ne.jp に変更しました" in phone.submit(page, {}).text
    # Whoever still reads the old mailbox cannot use the reset link any more.
    stale = Shopper(app, IPHONE_UA, cookies=True).get(link_in(reset, "/password/reset/"))
    assert "URLが無効です" in stale.text


def test_suspension_ends_reset_links_for_good(app, admin_client):
    from tests.conftest import csrf_token_from

    seed_shop(app)
    member_id = make_member(app, VICTIM)
    phone = Shopper(app, IPHONE_UA, cookies=True)
    phone.submit(phone.get("/password/reset"), {"email": VICTIM})
    [reset] = mails(app, MailKind.PASSWORD_RESET)
    token = csrf_token_from(admin_client.get(f"/admin/members/{member_id}").get_data(True))
    for status in ("suspended", "active"):  # 停止, then 有効 again
        admin_client.post(f"/admin/members/{member_id}/status",
                          data={"csrf_token": token, "status": status})
    assert member_where(app, id=member_id).status == MemberStatus.ACTIVE
    stale = Shopper(app, IPHONE_UA, cookies=True).get(link_in(reset, "/password/reset/"))
    assert "URLが無効です" in stale.text


# -- 11 --------------------------------------------------------------------------------


def test_opening_a_registration_or_address_link_changes_nothing(app, client):
    seed_shop(app)
    register(app, VICTIM)
    [link] = mails(app, MailKind.MEMBER_REGISTRATION)
    url = link_in(link, "/register/verify/").replace("http://127.0.0.1:5000", "")
    assert client.head(url).status_code == 200 and client.get(url).status_code == 200
    assert member_where(app, email=VICTIM).email_verified_at is None  # a scanner's visit

    make_member(app, "mover@docomo.ne.jp")
    phone = Shopper(app, IPHONE_UA, cookies=True)
    log_in(phone, "mover@docomo.ne.jp")
    phone.submit(phone.get("/mypage/profile"), {
        "name": "会員 一郎", "kana": "カイイン イチロウ", "tel": "0312345678",
        "email": "moved@ezweb.ne.jp", "zip_code": "1000001", "address": "東京都千代田区1-1",
        "current_password": PASSWORD})
    [change] = mails(app, MailKind.EMAIL_CHANGE)
    url = link_in(change, "/mypage/email/").replace("http://127.0.0.1:5000", "")
    assert client.head(url).status_code == 200 and client.get(url).status_code == 200
    assert member_where(app, name="会員 一郎").email == "mover@docomo.ne.jp"


# -- 12 --------------------------------------------------------------------------------


def test_an_unsubscribe_link_is_bound_to_the_address_it_was_sent_to(app, client):
    seed_shop(app)
    member_id = make_member(app, VICTIM, newsletter=True)
    with app.app_context():
        url = newsletter_mail.unsubscribe_url(member_id, VICTIM).replace(
            "http://127.0.0.1:5000", "")
        old = newsletter_mail.unsubscribe_url(member_id, VICTIM, now() - timedelta(days=181))
        member = db.session.get(Member, member_id)
        member.change_email("other@docomo.ne.jp", "docomo")  # the member moved away
        db.session.commit()
    assert "このURLは正しくありません" in client.get(url).get_data(as_text=True)
    client.post(url)
    assert member_where(app, id=member_id).newsletter is True
    with app.app_context():
        member = db.session.get(Member, member_id)
        member.change_email(VICTIM, "docomo")
        db.session.commit()
    expired = old.replace("http://127.0.0.1:5000", "")
    assert "このURLは正しくありません" in client.get(expired).get_data(as_text=True)
    assert "配信を停止" in client.get(url).get_data(as_text=True)  # its own address again


def test_an_unsubscribe_link_of_a_withdrawn_member_cannot_touch_the_next_owner(app, client):
    seed_shop(app)
    old_id = make_member(app, VICTIM, newsletter=True)
    with app.app_context():
        url = newsletter_mail.unsubscribe_url(old_id, VICTIM).replace(
            "http://127.0.0.1:5000", "")
        db.session.get(Member, old_id).change_status(MemberStatus.WITHDRAWN)
        db.session.commit()
    new_id = make_member(app, VICTIM, newsletter=True, name="次の 持ち主")
    client.post(url)
    assert member_where(app, id=new_id).newsletter is True


# -- 13a -------------------------------------------------------------------------------


def test_member_logout_ends_a_copied_session_cookie(app):
    seed_shop(app)
    make_member(app, VICTIM)
    phone = Shopper(app, IPHONE_UA, cookies=True)
    mypage = log_in(phone, VICTIM)
    cookie = app.config["SESSION_COOKIE_NAME"]
    copied = phone.client.client.get_cookie(cookie).value
    phone.submit(mypage, {}, action_contains="/logout")
    thief = Shopper(app, IPHONE_UA, cookies=True)
    thief.client.client.set_cookie(cookie, copied)
    page = thief.get("/mypage")
    assert "会員 一郎様" not in page.text and "ログイン" in page.text
    assert link_to(page, "/login")
