"""The test rig: real SQLite and PostgreSQL, a real SMTP server, real Chromium.

Database tests run once per database: SQLite always, PostgreSQL too when
``KTAISHOP_TEST_DATABASE_URL`` is set (``.ci/run`` sets it). Each test session gets
databases of its own (a temporary SQLite file; a fresh PostgreSQL database created
next to the one named in the URL), migrated with Alembic once, and every test starts
from empty tables.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ktaishop import create_app
from ktaishop.extensions import db as _db
from ktaishop.migrate import upgrade
from models import AdminUser, Base

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
IN_CI = os.environ.get("CI", "").lower() == "true"
ADMIN_LOGIN, ADMIN_PASSWORD = "tester", "correct-horse-battery"


def require_shared_data() -> Path:
    """``../shared/data``, or skip (a user's own clone) — but fail under CI."""
    if not SHARED_DATA.is_dir():
        reason = f"reference data not found at {SHARED_DATA}"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    return SHARED_DATA


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing():
    """Real hashing and checking, at a cost a test suite can afford."""
    import models.people

    models.people.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    yield
    models.people.PASSWORD_HASH_METHOD = "scrypt"


@pytest.fixture
def still_login_clock(monkeypatch):
    """The login throttle's clock, standing still (returned; ``.set(t)`` moves it): on a
    busy machine a few real attempts can outlast the short wait the last one earned."""
    import models.throttle

    class Clock:
        def __init__(self) -> None:
            self.moment = models.throttle.now()

        def set(self, moment) -> None:
            self.moment = moment

    clock = Clock()
    monkeypatch.setattr(models.throttle, "now", lambda: clock.moment)
    return clock


@pytest.fixture
def shared_data() -> Path:
    return require_shared_data()


# -- databases ----------------------------------------------------------------------------

DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("KTAISHOP_TEST_DATABASE_URL") else [])


def create_pg_database(base_url: str, prefix: str = "ktaishop_test") -> tuple[str, str]:
    """A fresh PostgreSQL database beside ``base_url``'s; returns (its url, its name).

    Also used by bench/ scripts."""
    base = make_url(base_url)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False), name


def drop_pg_database(base_url: str, name: str) -> None:
    admin = create_engine(make_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request, tmp_path_factory) -> Iterator[str]:
    """A migrated database for this test session (one per kind of database)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'ktaishop.db'}"
        upgrade(url)
        yield url
        return
    url, name = create_pg_database(os.environ["KTAISHOP_TEST_DATABASE_URL"])
    try:
        upgrade(url)
        yield url
    finally:
        drop_pg_database(os.environ["KTAISHOP_TEST_DATABASE_URL"], name)


def empty_tables(engine) -> None:
    """Delete every row and put back the order-number sequence row."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
        conn.execute(text("INSERT INTO order_sequence (id, value) VALUES (1, 0)"))


@pytest.fixture
def app(database_url, tmp_path):
    """A fresh app on empty tables; mail is written to files unless a test swaps MAIL_URL."""
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": database_url,
        "MAIL_URL": f"file://{tmp_path / 'mail'}",
        "IMAGE_DIR": str(tmp_path / "images"),
        "SECRET_KEY": "test-secret",
        "BASE_URL": "http://127.0.0.1:5000",
        "SERVER_NAME": None,
    })
    with app.app_context():
        empty_tables(_db.engine)
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture
def db(app):
    """The app's scoped session inside an app context (tests commit like a request would).

    The scoped session, not one Session object: a fixture that pushes and pops an app
    context of its own removes the thread's session, and a test holding the removed
    one would then run beside the session the views use (on SQLite, waiting on its lock).
    """
    with app.app_context():
        yield app.extensions["ktaishop.db"].sessions


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def admin_user(app):
    with app.app_context():
        admin = AdminUser(login=ADMIN_LOGIN)
        admin.set_password(ADMIN_PASSWORD)
        _db.session.add(admin)
        _db.session.commit()
        return admin.id


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def admin_client(client, admin_user):
    """A test client logged in to the admin (through the real login form)."""
    page = client.get("/admin/login").get_data(as_text=True)
    response = client.post("/admin/login", data={
        "login": ADMIN_LOGIN, "password": ADMIN_PASSWORD, "csrf_token": csrf_token_from(page),
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def demo_shop(app):
    """The demo shop of ``ktaishop seed-demo``."""
    from ktaishop.demo.shop import seed

    with app.app_context():
        seed(_db.session)
        _db.session.commit()
    return app


# -- mail ---------------------------------------------------------------------------------

@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)  # type: ignore[return-value]


@dataclass
class SmtpServer:
    host: str
    port: int
    messages: list[ReceivedMail] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)  # SMTP codes to answer with, in order

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedMail]:
        import time

        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.messages)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 (aiosmtpd's name)
        if self.server.fail_next:
            code = self.server.fail_next.pop(0)
            return f"{code} Requested action not taken (test)"
        self.server.messages.append(
            ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
        )
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 keeping the raw bytes of every message."""
    from aiosmtpd.controller import Controller

    server = SmtpServer("127.0.0.1", free_port())
    # aiosmtpd connects to its own port to check it started: it needs a real port number.
    controller = Controller(_Handler(server), hostname="127.0.0.1", port=server.port)
    controller.start()
    yield server
    controller.stop()


# -- live server and Chromium --------------------------------------------------------------

@dataclass
class LiveServer:
    url: str
    app: object


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    """The app served by a real WSGI server in a thread, on an ephemeral port."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    port = server.socket.getsockname()[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(f"http://127.0.0.1:{port}", app)
    server.shutdown()
    thread.join(5)


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def chromium_path() -> str | None:
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium through Playwright (Debian's chromium where installed)."""
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        except Exception as error:  # no browser at all on this machine
            if IN_CI:
                raise
            pytest.skip(f"Chromium is not available: {error}")
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def admin_page(page, live_server, admin_user):
    """A Chromium page logged in to the admin through the login screen."""
    page.goto(f"{live_server.url}/admin/login")
    page.fill("#login", ADMIN_LOGIN)
    page.fill("#password", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    return page
