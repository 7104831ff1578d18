"""``/healthz``: 200 only while the database answers; nothing else a page does."""

from __future__ import annotations

from ktaishop import create_app
from tests.storefront.shop import DOCOMO_UA, IPHONE_UA


def test_ok_while_the_database_answers_and_no_session_is_made(client):
    for agent in (DOCOMO_UA, IPHONE_UA):
        answer = client.get("/healthz", headers={"User-Agent": agent})
        assert (answer.status_code, answer.data) == (200, b"ok\n")
        assert answer.mimetype == "text/plain"
        assert answer.headers["Cache-Control"] == "no-store"
        assert "Set-Cookie" not in answer.headers


def test_a_load_balancer_polling_hard_is_never_limited(client):
    assert {client.get("/healthz").status_code for _ in range(60)} == {200}


def test_503_when_the_database_does_not_answer(tmp_path):
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/nowhere",
        "SECRET_KEY": "test-secret",
        "IMAGE_DIR": str(tmp_path / "images"),
    })
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 503
    assert answer.data == b"database unavailable\n"
    assert "Set-Cookie" not in answer.headers
