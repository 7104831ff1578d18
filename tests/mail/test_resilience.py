"""A newsletter to 2,000 members survives a worker killed again and again and a flaky server.

The worker is a real ``ktaishop worker`` process on the test database; it is killed
with SIGKILL several times mid-send while the SMTP server hangs up on every 97th
MAIL FROM. Afterwards every subscriber has exactly one copy, except at most one
extra per kill (the message in flight), and no one who unsubscribed has any. It runs
in both mail profiles, to members on every carrier: each copy is in its profile's form.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import insert

from ktaishop.mail import newsletter_mail
from models import Member, Newsletter, now
from models import newsletter as rules
from tests.mail.helpers import use_mail_profile

SUBSCRIBERS = 2000
UNSUBSCRIBED = 100
KILLS = 4
REPO = Path(__file__).resolve().parents[2]
DOMAINS = ("docomo.ne.jp", "ezweb.ne.jp", "softbank.ne.jp", "example.com")
# The charset a docomo/au/SoftBank/PC member's copy is in, per profile.
CHARSETS = {"standard": ("utf-8", "utf-8", "utf-8", "utf-8"),
            "legacy": ("shift_jis", "iso-2022-jp", "shift_jis", "utf-8")}


def address(i: int) -> str:
    return f"m{i:05d}@{DOMAINS[i % len(DOMAINS)]}"


def start_worker(database_url: str, mail_url: str, instance: Path) -> subprocess.Popen:
    # The worker imports this checkout, whatever the venv's install points at.
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    env = dict(os.environ, PYTHONPATH=path, KTAISHOP_DATABASE_URL=database_url,
               KTAISHOP_MAIL_URL=mail_url,
               KTAISHOP_SECRET_KEY="test-secret", KTAISHOP_MAIL_RATE="0",
               KTAISHOP_INSTANCE_PATH=str(instance), KTAISHOP_SEND_MAIL_IN_PROCESS="0")
    command = [str(Path(sys.executable).parent / "ktaishop"), "worker", "--lease", "3",
               "--retry-base", "0.2", "--batch", "20", "--idle", "0.1"]
    with open(instance / "worker.log", "ab") as log:  # read when a wait times out
        return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log)


def wait_until(condition, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise AssertionError(f"timed out waiting for {what}; worker log:\n{tail}")
        time.sleep(0.05)


@pytest.mark.parametrize("profile", ["standard", "legacy"])
def test_killed_worker_and_dropped_connections_lose_and_double_nothing(
        app, db, smtp_server, database_url, tmp_path, profile):
    use_mail_profile(db, profile)
    db.execute(insert(Member), [
        dict(email=address(i), name=f"会員{i}", newsletter=i >= UNSUBSCRIBED,
             email_verified_at=now())
        for i in range(SUBSCRIBERS + UNSUBSCRIBED)])
    newsletter = Newsletter(kind="text", subject="セールのお知らせ", mail_from="shop@example.jp",
                            body_text="{{member_name}}様\nセールです。")
    db.add(newsletter)
    db.commit()
    assert newsletter_mail.start(db, newsletter) == SUBSCRIBERS
    db.commit()
    smtp_server.drop_every = 97
    log = tmp_path / "worker.log"

    worker = start_worker(database_url, smtp_server.url, tmp_path)
    try:
        for kill in range(1, KILLS + 1):
            wait_until(lambda k=kill: len(smtp_server.messages) >= k * 300, 30, "progress", log)
            worker.send_signal(signal.SIGKILL)
            worker.wait(5)
            worker = start_worker(database_url, smtp_server.url, tmp_path)
        everyone = range(UNSUBSCRIBED, SUBSCRIBERS + UNSUBSCRIBED)
        subscribers = {address(i) for i in everyone}
        wait_until(lambda: subscribers <= {m.rcpt_tos[0] for m in smtp_server.messages},
                   60, "every subscriber", log)
        wait_until(lambda: _remaining(db, newsletter) == 0, 10, "the outbox to empty", log)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(10)

    copies = Counter(m.rcpt_tos[0] for m in smtp_server.messages)
    assert set(copies) == subscribers  # nobody unsubscribed, nobody missing
    extra = sum(n - 1 for n in copies.values())
    print(f"kills={KILLS} drops={smtp_server.drops} duplicates={extra}")
    assert extra <= KILLS, f"{extra} duplicate copies for {KILLS} kills"
    assert smtp_server.drops >= 10  # the server really was flaky
    assert rules.progress(db, newsletter).sent == SUBSCRIBERS
    for mail in smtp_server.messages[:40]:
        charset = CHARSETS[profile][DOMAINS.index(mail.rcpt_tos[0].split("@")[1])]
        assert mail.message.get_content_charset() == charset


def _remaining(db, newsletter: Newsletter) -> int:
    db.rollback()  # a fresh snapshot, and no lock held while the worker writes
    return rules.progress(db, newsletter).remaining
