"""``/healthz``: a load balancer's question "may this server take requests?".

200 ``ok`` when the database answers ``SELECT 1``, else 503 (and a warning in the log).
Plain text, never cached, no session touched (so no cookie is set), exempt from rate
limits; a GET needs no CSRF token, and keitai conversion leaves non-HTML alone.
"""

from __future__ import annotations

import logging

from flask import Flask, Response
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db, limiter

PATH = "/healthz"
_log = logging.getLogger(__name__)


def healthz() -> Response:
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        _log.warning("healthz: the database does not answer: %s", error.__class__.__name__)
        return _plain("database unavailable\n", 503)
    return _plain("ok\n", 200)


def _plain(body: str, status: int) -> Response:
    response = Response(body, status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


def register(app: Flask) -> None:
    app.add_url_rule(PATH, "healthz", limiter.exempt(healthz))
