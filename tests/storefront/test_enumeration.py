"""Holes 5 and 6 (issue #13) for shoppers: nothing on a page tells who is a member.

会員登録 answers the same page for every address and says what happened by mail;
ログイン answers an unknown address as it answers a wrong password, throttled alike.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from ktaishop.extensions import db
from models import MailKind, Member, MemberStatus, OutboxMessage

from .shop import BUYER, IPHONE_UA, PASSWORD, Shopper, seed_shop

EMAIL = "jiro@docomo.ne.jp"


def make_member(app, status=MemberStatus.ACTIVE) -> None:
    with app.app_context():
        member = Member(email=EMAIL, name="佐藤 次郎", carrier="docomo", status=status,
                        email_verified_at=datetime(2026, 1, 1))
        member.set_password(PASSWORD)
        db.session.add(member)
        db.session.commit()


def register(app, email: str, addr: str = "127.0.0.1"):
    phone = Shopper(app, IPHONE_UA, cookies=True, remote_addr=addr)
    data = BUYER | {"email": email, "password": "new-pass-123", "password2": "new-pass-123"}
    return phone.submit(phone.get("/register"), data)


def mails_to(app, email: str) -> list[OutboxMessage]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.mail_to == email)))


def page_body(page) -> str:
    """The page without the address itself (which it repeats, whoever it is)."""
    return page.text.split("<body", 1)[1]


def test_registering_a_members_address_answers_like_a_new_one_and_mails_the_member(app):
    seed_shop(app)
    make_member(app)
    taken = register(app, EMAIL)
    fresh = register(app, "newcomer@docomo.ne.jp", addr="192.0.2.5")
    assert "すでに登録" not in taken.text
    assert page_body(taken).replace(EMAIL, "X") == page_body(fresh).replace(
        "newcomer@docomo.ne.jp", "X")

    [note] = mails_to(app, EMAIL)
    assert note.kind == MailKind.ALREADY_REGISTERED
    assert "すでに会員として登録されています" in note.body and "/password/reset" in note.body
    [link] = mails_to(app, "newcomer@docomo.ne.jp")
    assert link.kind == MailKind.MEMBER_REGISTRATION and "/register/verify/" in link.body
    with app.app_context():  # the member's password and details are untouched
        member = db.session.scalar(select(Member).where(Member.email == EMAIL))
        assert member.check_password(PASSWORD) and member.name == "佐藤 次郎"


def test_a_suspended_address_gets_the_same_page_and_a_mail(app):
    seed_shop(app)
    make_member(app, MemberStatus.SUSPENDED)
    page = register(app, EMAIL)
    assert "メールをお送りしました" in page.text and "ご登録いただけません" not in page.text
    [note] = mails_to(app, EMAIL)
    assert note.kind == MailKind.REGISTRATION_REFUSED
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Member)) == 1


def test_login_answers_an_unknown_address_as_a_wrong_password_even_when_throttled(app):
    seed_shop(app)
    make_member(app)

    def answers(email: str, addr: str) -> list[str]:
        phone = Shopper(app, IPHONE_UA, cookies=True, remote_addr=addr)
        return [phone.submit(phone.get("/login"), {"email": email, "password": "nope"}).text
                for _ in range(6)]

    real, unknown = answers(EMAIL, "192.0.2.1"), answers("ghost@docomo.ne.jp", "192.0.2.2")
    for mark in ("メールアドレスかパスワードが違います", "しばらくログインできません"):
        assert [mark in a for a in real] == [mark in a for a in unknown], mark
    assert "しばらくログインできません" in real[-1]
