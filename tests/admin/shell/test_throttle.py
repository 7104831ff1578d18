"""Holes 5 and 6 (issue #13) at the admin login: growing waits per client instead of a
lock anyone could set off, and answers that do not tell which accounts exist."""

from __future__ import annotations

import statistics
import time

from tests.conftest import ADMIN_LOGIN, ADMIN_PASSWORD, csrf_token_from

WRONG = "ログインIDまたはパスワードが正しくありません。"
WAIT = "しばらくログインできません"


def attempt(client, login=ADMIN_LOGIN, password="wrong-password", addr="127.0.0.1"):
    page = client.get("/admin/login", environ_base={"REMOTE_ADDR": addr})
    return client.post("/admin/login", data={
        "login": login, "password": password,
        "csrf_token": csrf_token_from(page.get_data(as_text=True)),
    }, environ_base={"REMOTE_ADDR": addr})


def text(response) -> str:
    return response.get_data(as_text=True)


def test_an_attackers_failures_do_not_lock_the_owner_out_from_elsewhere(app, admin_user,
                                                                        still_login_clock):
    attacker = app.test_client()
    for _ in range(5):
        attempt(attacker, addr="203.0.113.66")
    assert WAIT in text(attempt(attacker, password=ADMIN_PASSWORD, addr="203.0.113.66"))

    owner = app.test_client()
    response = attempt(owner, password=ADMIN_PASSWORD, addr="198.51.100.20")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/")


def test_waits_grow_with_each_failure_and_end_by_themselves(app, admin_user, still_login_clock):
    from datetime import timedelta

    clock = still_login_clock.moment
    client = app.test_client()
    for _ in range(5):
        attempt(client)
    first = text(attempt(client))
    assert WAIT in first and "2秒" in first
    still_login_clock.set(clock + timedelta(seconds=3))
    attempt(client)  # the 6th failure
    assert "4秒" in text(attempt(client))
    still_login_clock.set(clock + timedelta(seconds=10))
    assert attempt(client, password=ADMIN_PASSWORD).status_code == 302


def test_one_password_across_many_accounts_is_slowed_for_that_client(app, admin_user):
    sprayer = app.test_client()
    answers = [text(attempt(sprayer, login=f"user{n}", password="Summer2026!"))
               for n in range(22)]
    assert WAIT in answers[-1]
    assert all(WAIT not in a for a in answers[:20])


def test_unknown_and_real_accounts_get_the_same_answers(app, admin_user):
    real, unknown = app.test_client(), app.test_client()
    real_answers = [text(attempt(real, addr="192.0.2.1")) for _ in range(6)]
    unknown_answers = [text(attempt(unknown, login="nobody", addr="192.0.2.2"))
                       for _ in range(6)]
    for got_real, got_unknown in zip(real_answers, unknown_answers, strict=True):
        assert (WRONG in got_real) == (WRONG in got_unknown)
        assert (WAIT in got_real) == (WAIT in got_unknown)


def test_an_unknown_account_takes_as_long_to_refuse_as_a_real_one(app, admin_user):
    """Hole 6: ~160 ms for a real account, ~7 ms for an unknown one gave them away."""
    import models.people

    models.people.PASSWORD_HASH_METHOD = "pbkdf2:sha256:100000"  # a real cost
    try:
        from ktaishop.extensions import db
        from models import AdminUser

        with app.app_context():
            admin = db.session.get(AdminUser, admin_user)
            admin.set_password(ADMIN_PASSWORD)
            db.session.commit()

        def timed(login: str, addr: str) -> float:
            client = app.test_client()
            started = time.perf_counter()
            attempt(client, login=login, addr=addr)
            return time.perf_counter() - started

        timed("ghost", "192.0.2.99")  # the stand-in hash is made once, on first use
        real, unknown = [], []
        for n in range(7):  # interleaved: a busy machine slows both alike
            real.append(timed(ADMIN_LOGIN, f"192.0.2.{10 + n}"))
            unknown.append(timed(f"ghost{n}", f"192.0.2.{30 + n}"))
    finally:
        models.people.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    # Before: the unknown account skipped the hash, about 1/20 of the real one's time.
    assert statistics.median(unknown) > statistics.median(real) * 0.5, (real, unknown)
