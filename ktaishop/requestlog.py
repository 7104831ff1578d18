"""Request ids and what the access log may show of a URL.

Every response carries ``X-Request-Id``: a sane id the client or the proxy sent
(letters, digits, ``.``, ``_``, ``-``, ``:``; at most 64), else a new one. The id is in the
WSGI environ as ``ktaishop.request_id`` for the app's own log lines, and ``ktaishop
serve``'s access log prints it from the response header.

The access log must not become a store of keys: a cookie-less handset's session key
travels in the query (``ksid``), and confirmation, password-reset, e-mail-change and
unsubscribe links carry their token as the last path segment. :func:`loggable_target`
masks both.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

HEADER = "X-Request-Id"
ENVIRON_KEY = "ktaishop.request_id"
SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# Query parameters whose values are keys: the URL session key and anything token-like.
SECRET_PARAMS = frozenset({"ksid", "token", "password", "secret", "key", "uid"})
# A path segment this long and of url-safe characters is a token (ids are short digits).
TOKEN_SEGMENT = re.compile(r"[A-Za-z0-9_-]{20,}")
MASK = "***"


def request_id(incoming: str | None) -> str:
    """The client's id when it is sane, else a fresh one (32 hex digits)."""
    if incoming and SANE_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """WSGI middleware: give each request an id and send it back as ``X-Request-Id``."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        rid = request_id(environ.get("HTTP_X_REQUEST_ID"))
        environ[ENVIRON_KEY] = rid

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            headers = [(k, v) for k, v in headers if k.lower() != "x-request-id"]
            headers.append((HEADER, rid))
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


def loggable_target(path: str, query: str, secret_params: Iterable[str] = SECRET_PARAMS) -> str:
    """``path?query`` with token-like path segments and secret query values masked."""
    secrets = {name.lower() for name in secret_params}
    segments = [MASK if TOKEN_SEGMENT.fullmatch(part) else part for part in path.split("/")]
    target = "/".join(segments)
    if not query:
        return target
    pairs = []
    for pair in query.split("&"):  # raw: a Shift_JIS keyword stays as the handset sent it
        name, sep, _value = pair.partition("=")
        pairs.append(f"{name}={MASK}" if sep and unquote(name).lower() in secrets else pair)
    return f"{target}?{'&'.join(pairs)}"
