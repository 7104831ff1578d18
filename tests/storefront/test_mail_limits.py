"""Hole 7 (issue #13): mail a visitor can cause is limited per target address and per
client, in a store every app process shares (the shop's own database by default)."""

from __future__ import annotations

from sqlalchemy import func, select

from ktaishop import create_app
from ktaishop.extensions import db
from ktaishop.ratelimit import DatabaseStorage
from models import Member, OutboxMessage, RateLimitCounter, now

from .shop import DOCOMO_UA, IPHONE_UA, Shopper, seed_shop

EMAIL = "jiro@docomo.ne.jp"
TOO_MANY = "操作が続けて行われたため、しばらくお待ちください。"


def make_member(app) -> None:
    with app.app_context():
        member = Member(email=EMAIL, name="佐藤 次郎", email_verified_at=now())
        member.set_password("secret-pass-1")
        db.session.add(member)
        db.session.commit()


def ask_reset(app, email: str = EMAIL, addr: str = "127.0.0.1", ua: str = IPHONE_UA):
    phone = Shopper(app, ua, cookies=ua == IPHONE_UA, remote_addr=addr)
    return phone.submit(phone.get("/password/reset"), {"email": email})


def queued(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def test_five_reset_requests_for_one_address_send_three_mails(app):
    seed_shop(app)
    make_member(app)
    answers = [ask_reset(app, addr=f"192.0.2.{n}") for n in range(5)]  # five places
    assert [a.status for a in answers] == [200, 200, 200, 429, 429]
    assert TOO_MANY in answers[-1].text
    assert queued(app) == 3


def test_one_client_cannot_spray_reset_mails_over_many_addresses(app):
    seed_shop(app)
    answers = [ask_reset(app, email=f"someone{n}@docomo.ne.jp", addr="203.0.113.5")
               for n in range(11)]
    assert [a.status for a in answers[:10]] == [200] * 10 and answers[10].status == 429
    assert ask_reset(app, email="someone@docomo.ne.jp", addr="203.0.113.6").status == 200


def test_a_handset_is_known_by_its_subscriber_id_not_its_gateway_address(app):
    seed_shop(app)
    gateway = "210.153.84.10"

    def from_handset(uid: str, n: int):
        phone = Shopper(app, DOCOMO_UA, headers={"X-DCMGUID": uid}, remote_addr=gateway)
        return phone.submit(phone.get("/password/reset"), {"email": f"u{uid}{n}@docomo.ne.jp"})

    assert all(from_handset("spammer", n).status == 200 for n in range(10))
    assert from_handset("spammer", 10).status == 429
    assert from_handset("neighbour", 0).status == 200  # same gateway address, other handset


def test_registration_mail_is_limited_per_address_too(app):
    seed_shop(app)
    data = {"name": "山田 太郎", "kana": "ヤマダ タロウ", "tel": "09012345678",
            "email": "flooded@docomo.ne.jp", "zip_code": "1000001", "address": "東京都",
            "password": "new-pass-123", "password2": "new-pass-123"}
    statuses = []
    for n in range(4):
        phone = Shopper(app, IPHONE_UA, cookies=True, remote_addr=f"192.0.2.{n}")
        statuses.append(phone.submit(phone.get("/register"), data).status)
    assert statuses == [200, 200, 200, 429]


def test_two_app_processes_on_one_database_share_the_counts(app, database_url, tmp_path):
    """As two gunicorn workers (or two machines) would: the limit is the shop's, not a
    process's."""
    seed_shop(app)
    make_member(app)
    other = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret",
                        "MAIL_URL": f"file://{tmp_path / 'mail2'}",
                        "IMAGE_DIR": app.config["IMAGE_DIR"]})
    try:
        answers = [ask_reset(app if n % 2 == 0 else other, addr=f"192.0.2.{n}")
                   for n in range(4)]
        with other.app_context():
            # The counts live in the database: a storage object of its own, on the
            # other app's engine, reads the per-address count both apps made.
            counts = db.session.scalars(select(RateLimitCounter.hits)).all()
            keys = db.session.scalars(select(RateLimitCounter.key)).all()
            db.session.commit()  # (SQLite: the storage's own connection needs the lock)
            storage = DatabaseStorage()
            address_key = next(k for k in keys if f"address:{EMAIL}" in k)
            assert storage.get(address_key) == 4
    finally:
        with other.app_context():
            db.engine.dispose()
    assert [a.status for a in answers] == [200, 200, 200, 429]
    assert queued(app) == 3
    assert 4 in counts
