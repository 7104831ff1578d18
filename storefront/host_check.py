"""Refuse storefront requests whose Host is not the shop's (DNS rebinding defence).

Allowed: the host name of ``BASE_URL``, names in ``SHOP_EXTRA_HOSTS`` (a list), and
``localhost``/``127.0.0.1`` when ``TESTING``. The port is ignored: a proxy may or may
not pass it on, and rebinding changes the name, not the port.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request
from werkzeug.exceptions import BadRequest

from . import bp

TEST_HOSTS = frozenset({"localhost", "127.0.0.1"})


def allowed_hosts() -> set[str]:
    config = current_app.config
    hosts = {(urlsplit(config["BASE_URL"]).hostname or "").lower()}
    hosts.update(h.lower() for h in config.get("SHOP_EXTRA_HOSTS", ()))
    if config.get("TESTING"):
        hosts |= TEST_HOSTS
    return hosts


def host_name(host: str) -> str:
    """``example.jp:8080`` -> ``example.jp``; ``[::1]:80`` -> ``::1``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


@bp.before_request
def refuse_foreign_host() -> None:
    if host_name(request.host) not in allowed_hosts():
        raise BadRequest("このホスト名ではご利用いただけません。")
