"""The application factory: ``create_app(config=None)`` is the only way to get an app."""

from __future__ import annotations

import logging
import sys
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import settings
from .extensions import csrf, db, keitai, login_manager
from .requestlog import RequestIdMiddleware


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the shop: settings, extensions, blueprints, error pages, CLI commands.

    ``config`` overrides the settings read from ``KTAISHOP_*`` variables (tests pass
    ``DATABASE_URL``, ``MAIL_URL``...). The instance folder (and a SQLite database's
    folder) is created when missing, so every command can run on a fresh checkout.
    """
    instance = settings.instance_dir()
    app = Flask(__name__, instance_path=str(instance), instance_relative_config=True)
    app.config.update(settings.from_env(instance))
    app.config.update(
        MAX_CONTENT_LENGTH=12 * 1024 * 1024,  # uploads: CSV 10 MB and images, with headroom
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # a long day at the admin must not end in a CSRF error
        JSON_AS_ASCII=False,
    )
    app.config.update(config or {})
    settings.make_folders(instance, app.config)
    configure_logging(app)
    register_extensions(app)
    register_converters(app)
    register_health(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_http_cache(app)
    register_security(app)
    register_commands(app)
    start_mail_sender(app)
    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    app.wsgi_app = RequestIdMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    return app


def configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("ktaishop")
    if not logger.handlers:
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    from .keitai_store import DatabaseSessionStore, gateway_ranges

    if app.config.get("CARRIER_GATEWAY_RANGES") is None:
        app.config["CARRIER_GATEWAY_RANGES"] = gateway_ranges(app.config)
    keitai.init_app(app, session_store=DatabaseSessionStore())
    from .ratelimit import init_app as init_rate_limits

    init_rate_limits(app)


def register_converters(app: Flask) -> None:
    from .routing import register

    register(app)


def register_health(app: Flask) -> None:
    from .health import register

    register(app)


def register_blueprints(app: Flask) -> None:
    """The only place the core imports a blueprint (import-linter allows these two)."""
    from admin.routes import bp as admin_bp
    from storefront.routes import bp as storefront_bp

    app.register_blueprint(admin_bp)
    app.register_blueprint(storefront_bp)


def register_errorhandlers(app: Flask) -> None:
    from .errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from .templating import register

    register(app)


def register_http_cache(app: Flask) -> None:
    from .http_cache import register

    register(app)


def register_security(app: Flask) -> None:
    from .security import register

    register(app)


def register_commands(app: Flask) -> None:
    from .cli import register

    register(app)


def start_mail_sender(app: Flask) -> None:
    """``make run`` sends mail from a thread of the web process (no second process)."""
    if app.config.get("SEND_MAIL_IN_PROCESS"):
        from ktaishop.mail.worker import start_in_process

        start_in_process(app)
