"""The layer behind a reverse proxy: it reads REMOTE_ADDR as ProxyFix corrected it."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, request
from werkzeug.middleware.proxy_fix import ProxyFix

from carrier_compat.flask import KeitaiLayer, current_carrier
from carrier_compat.session import MemorySessionStore
from tests.carrier_compat.conftest import UA_DOCOMO_1

DOCOMO_GATEWAY_IP = "210.153.84.10"  # inside docomo's published 210.153.84.0/24
GUID = "00Ab12Cd"


def _app(*, proxy_first: bool) -> Flask:
    """ProxyFix wrapped before or after init_app: the layer must see the fixed address."""
    web_app = Flask(__name__)
    web_app.config.update(SECRET_KEY="x", TESTING=True, MAX_CONTENT_LENGTH=1000)
    if proxy_first:
        web_app.wsgi_app = ProxyFix(web_app.wsgi_app, x_for=1)  # type: ignore[method-assign]
    KeitaiLayer().init_app(web_app, session_store=MemorySessionStore())
    if not proxy_first:
        web_app.wsgi_app = ProxyFix(web_app.wsgi_app, x_for=1)  # type: ignore[method-assign]

    @web_app.route("/whoami", methods=["GET", "POST"])
    def whoami() -> Any:
        return jsonify(guid=current_carrier().subscriber_id, form=request.form.to_dict())

    return web_app


def _guid(web_app: Flask, forwarded_for: str) -> str | None:
    headers = {"User-Agent": UA_DOCOMO_1, "X-DCMGUID": GUID, "X-Forwarded-For": forwarded_for}
    response = web_app.test_client().get(
        "/whoami?guid=ON", headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    )
    return response.get_json()["guid"]


def test_subscriber_id_is_trusted_from_the_gateway_behind_the_proxy() -> None:
    for proxy_first in (True, False):
        web_app = _app(proxy_first=proxy_first)
        assert _guid(web_app, DOCOMO_GATEWAY_IP) == GUID
        # The same header from an address outside the gateway is ignored.
        assert _guid(web_app, "203.0.113.7") is None


def test_oversized_form_post_is_a_413_not_a_500() -> None:
    web_app = _app(proxy_first=True)
    body = b"name=" + b"a" * 5000
    response = web_app.test_client().post(
        "/whoami",
        data=body,
        content_type="application/x-www-form-urlencoded",
        headers={"User-Agent": UA_DOCOMO_1},
    )
    assert response.status_code == 413
