"""The storefront's edge: the Host check, form tokens, the charset label.

Requests whose Host is not the shop's are refused (DNS rebinding defence). Every
POST needs the session's CSRF token (Flask-WTF's token, checked here because its
HTTPS rule also demands a Referer, which i-mode browsers never send); views marked
``@csrf.exempt`` (the one-click unsubscribe) stay exempt.

Allowed: the host name of ``BASE_URL``, names in ``SHOP_EXTRA_HOSTS`` (a list), and
``localhost``/``127.0.0.1`` when ``TESTING``. The port is ignored: a proxy may or may
not pass it on, and rebinding changes the name, not the port.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request
from flask_wtf.csrf import CSRFError, validate_csrf
from werkzeug.wrappers import Response
from wtforms import ValidationError

from carrier_compat.flask import current_carrier
from carrier_compat.xhtml import content_type_header, error_page
from ktaishop.extensions import csrf

from . import bp

FOREIGN_HOST = "このホスト名ではご利用いただけません。"
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
def refuse_foreign_host() -> Response | None:
    """A bare error page: nothing of the shop for a name that is not the shop's."""
    if host_name(request.host) in allowed_hosts():
        return None
    page = error_page(current_carrier(), "エラー", FOREIGN_HOST)
    return Response(page, status=400, mimetype="text/html")


@bp.before_request
def check_form_token() -> None:
    config = current_app.config
    if not config["WTF_CSRF_ENABLED"] or request.method not in config["WTF_CSRF_METHODS"]:
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and f"{view.__module__}.{view.__name__}" in csrf._exempt_views:
        return
    try:
        validate_csrf(request.form.get(config["WTF_CSRF_FIELD_NAME"]))
    except ValidationError as error:
        raise CSRFError(error.args[0]) from None


@bp.after_request
def label_charset(response: Response) -> Response:
    """Smartphones and PCs get the same label as the XML declaration (``UTF-8``).

    Keitai responses are labelled by the keitai layer itself.
    """
    carrier = current_carrier()
    if response.mimetype == "text/html" and not carrier.is_keitai:
        response.headers["Content-Type"] = content_type_header(carrier)
    return response
