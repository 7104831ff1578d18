"""Flask integration: the keitai layer at the edge of every request.

Create it unbound and bind it in the app factory::

    keitai = KeitaiLayer()                       # extensions.py
    keitai.init_app(app, session_store=store)    # create_app()

Request side (before Flask parses anything): the carrier is detected from the
(already ProxyFix-corrected) environ; for keitai the query string and
``application/x-www-form-urlencoded`` bodies are decoded from the carrier's charset,
carrier emoji become standard Unicode, :func:`normalize_input` runs, and the result is
handed on as UTF-8. Undecodable input gives a 400 page in Japanese, never a 500.

Response side (HTML to keitai only): CSS is inlined for browsers without ``<style>``
support, the page is encoded with the carrier's charset and emoji, the session key
(cookie-less handsets) and ``guid=ON`` (docomo) are added to internal links, forms and
redirects, and ``Content-Type`` names ``carrier.content_type`` and ``carrier.charset``.
The page work is :func:`carrier_compat.pipeline.keitai_page` (one scan, one encode).

Config keys: ``CARRIER_GATEWAY_RANGES`` (GatewayRanges or None = published default),
``KEITAI_SESSION_PARAM`` ('ksid'), ``KEITAI_SESSION_IDLE_MINUTES`` (30),
``KEITAI_CSS_DIR`` (directory of stylesheets linked from keitai templates, optional).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import quote, unquote_to_bytes

from flask import Flask, Request, Response, current_app, has_request_context, request, session
from markupsafe import Markup

from carrier_compat import input_mode as _input_mode
from carrier_compat import urls, xhtml
from carrier_compat.base import Carrier
from carrier_compat.detection import detect
from carrier_compat.emoji import from_carrier
from carrier_compat.errors import DecodeError
from carrier_compat.normalize import normalize_input, unescape_char_refs
from carrier_compat.pipeline import encode_page, keitai_page
from carrier_compat.session import (
    ENVIRON_CARRIER,
    KeitaiSession,
    KeitaiSessionInterface,
    MemorySessionStore,
    SessionStore,
)

__all__ = ["KeitaiLayer", "current_carrier", "encode_page", "keitai_page", "regenerate_session"]

_log = logging.getLogger(__name__)
ENVIRON_DECODE_ERROR = "carrier_compat.decode_error"
HTML_MIMETYPES = frozenset({"text/html", "application/xhtml+xml"})
FORM_MIMETYPE = "application/x-www-form-urlencoded"
# Bodies larger than this are not transcoded; Werkzeug's own limits then apply.
MAX_TRANSCODED_BODY = 1024 * 1024
DECODE_ERROR_TITLE = "入力エラー"
DECODE_ERROR_MESSAGE = "送信された文字を読み取れませんでした。お手数ですが入力し直してください。"


def detect_carrier(environ: dict[str, Any], app: Flask) -> Carrier:
    """Detect (once per request) and remember the carrier in the environ."""
    carrier = environ.get(ENVIRON_CARRIER)
    if carrier is None:
        carrier = detect(environ, gateway=app.config.get("CARRIER_GATEWAY_RANGES"))
        environ[ENVIRON_CARRIER] = carrier
    return carrier


def current_carrier() -> Carrier:
    """The :class:`~carrier_compat.base.Carrier` of the current request."""
    return detect_carrier(request.environ, current_app._get_current_object())  # type: ignore[attr-defined]


def regenerate_session(leave: dict[str, Any] | None = None) -> str | None:
    """Give the current cookie-less session a new key (at login, and whenever the
    session gains something worth stealing).

    The old key is deleted from the store at once, so a key planted in a link
    (session fixation) stops working. With ``leave``, the old key instead keeps only
    those values: a double press of the button that moved the session (its old page
    still names the old key) then finds what the first press did, and nothing else.
    Returns the new key, or ``None`` for cookie-capable clients, whose signed-cookie
    session has no server-side key.
    """
    current = session._get_current_object()  # type: ignore[attr-defined]
    if not isinstance(current, KeitaiSession):
        return None
    old = None if current.new else current.key
    new_key = current.regenerate()
    interface = current_app.session_interface
    if old is not None and isinstance(interface, KeitaiSessionInterface):
        if leave is None:
            interface.store.delete(old)
        else:
            interface.save_record(old, dict(leave), current.binding)
            current.replaced_key = None  # kept, not deleted, when the session is saved
    return new_key


# --- request side -----------------------------------------------------------


def _decode_component(raw: bytes, carrier: Carrier) -> str:
    data = unquote_to_bytes(raw.replace(b"+", b" "))
    if data.isascii():
        text = data.decode("ascii")
        # A Shift_JIS form sends what it cannot hold (😀, 𠮷) as &#NNNN;.
        if carrier.codec == "utf-8" or "&#" not in text:
            return text
        return normalize_input(unescape_char_refs(text))
    text = carrier.decode(data)
    if carrier.codec != "utf-8":
        text = unescape_char_refs(text)
    if carrier.emoji_carrier and any("\ue000" <= ch <= "\uf8ff" for ch in text):
        # Carrier.decode should already give standard emoji; this guards the contract.
        text = from_carrier(text, carrier.emoji_carrier)
    return normalize_input(text)


def transcode_urlencoded(raw: bytes, carrier: Carrier) -> str:
    """A urlencoded string in the carrier's charset re-encoded as UTF-8 percent-escapes.

    :raise carrier_compat.errors.DecodeError: if a value is not valid in that charset.
    """
    pairs = []
    for pair in raw.split(b"&"):
        if not pair:
            continue
        name, eq, value = pair.partition(b"=")
        encoded = quote(_decode_component(name, carrier), safe="")
        if eq:
            encoded += "=" + quote(_decode_component(value, carrier), safe="")
        pairs.append(encoded)
    return "&".join(pairs)


def _ascii_pairs(raw: bytes) -> str:
    """Only the plain-ASCII pairs of a query (keeps ``ksid`` and ``guid`` on errors)."""
    return "&".join(
        p.decode("ascii") for p in raw.split(b"&") if p and unquote_to_bytes(p).isascii()
    )


def prepare_environ(environ: dict[str, Any], app: Flask) -> None:
    """Detect the carrier and transcode keitai input in *environ* to UTF-8, in place."""
    carrier = detect_carrier(environ, app)
    if not carrier.is_keitai:
        return
    raw_query = environ.get("QUERY_STRING", "").encode("latin-1")
    try:
        environ["QUERY_STRING"] = transcode_urlencoded(raw_query, carrier)
        _transcode_body(environ, carrier, app.config.get("MAX_CONTENT_LENGTH"))
    except DecodeError as error:
        environ[ENVIRON_DECODE_ERROR] = error
        environ["QUERY_STRING"] = _ascii_pairs(raw_query)
        environ["wsgi.input"] = io.BytesIO(b"")
        environ["CONTENT_LENGTH"] = "0"


def _transcode_body(environ: dict[str, Any], carrier: Carrier, max_length: int | None) -> None:
    content_type = environ.get("CONTENT_TYPE", "")
    if content_type.split(";")[0].strip().lower() != FORM_MIMETYPE:
        return
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return
    if length <= 0 or length > min(MAX_TRANSCODED_BODY, max_length or MAX_TRANSCODED_BODY):
        return  # too big: Werkzeug's own limit answers 413 when the form is read
    body = environ["wsgi.input"].read(length)
    if len(body) < length:
        # A short read (client gave up): leave the body empty rather than guess.
        body = b""
    data = transcode_urlencoded(body, carrier).encode("ascii")
    environ["wsgi.input"] = io.BytesIO(data)
    environ["CONTENT_LENGTH"] = str(len(data))
    environ["CONTENT_TYPE"] = FORM_MIMETYPE


def _request_class(base: type[Request], app: Flask) -> type[Request]:
    """A subclass of *base* that prepares the environ before Werkzeug reads it.

    Request creation happens inside ``app.wsgi_app``, i.e. after any ProxyFix
    wrapped around it has corrected ``REMOTE_ADDR``.
    """

    def __init__(
        self: Request, environ: Any, populate_request: bool = True, shallow: bool = False
    ) -> None:
        if not shallow:
            prepare_environ(environ, app)
        base.__init__(self, environ, populate_request, shallow)

    return type("KeitaiRequest", (base,), {"__init__": __init__})


def _reject_undecodable() -> Response | None:
    error = request.environ.get(ENVIRON_DECODE_ERROR)
    if error is None:
        return None
    message = getattr(error, "message", None) or DECODE_ERROR_MESSAGE
    page = xhtml.error_page(current_carrier(), DECODE_ERROR_TITLE, message)
    return Response(page, status=400, mimetype="text/html")


# --- response side ----------------------------------------------------------


def _url_params(carrier: Carrier) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = []
    interface = current_app.session_interface
    if isinstance(interface, KeitaiSessionInterface):
        key = interface.key_for_urls(session._get_current_object())  # type: ignore[attr-defined]
        if key is not None:
            params.append((interface.param, key))
    if carrier.name == "docomo":
        params.append(("guid", "ON"))
    return params


def _finish_response(response: Response) -> Response:
    if response.mimetype in HTML_MIMETYPES:
        response.vary.add("User-Agent")
    carrier = current_carrier()
    if not carrier.is_keitai:
        return response
    params = _url_params(carrier)
    if response.location and params:
        response.location = urls.internal_url(
            response.location, params, request.host, scheme=request.scheme
        )
    if response.mimetype not in HTML_MIMETYPES or response.direct_passthrough:
        return response
    body = keitai_page(
        response.get_data(as_text=True),
        carrier,
        params,
        host=request.host,
        scheme=request.scheme,
        css_dir=current_app.config.get("KEITAI_CSS_DIR"),
    )
    response.set_data(body)
    response.headers["Content-Type"] = xhtml.content_type_header(carrier)
    return response


# --- Jinja helpers and the extension ----------------------------------------


def _carrier_context() -> dict[str, Any]:
    # Templates rendered outside a request (mail bodies) get no carrier.
    return {"carrier": current_carrier()} if has_request_context() else {}


def _template_input_mode(kind: str) -> Markup:
    return _input_mode.input_mode(current_carrier(), kind)


def _template_prolog() -> Markup:
    return xhtml.xhtml_prolog(current_carrier())


def _template_meta_charset() -> Markup:
    return xhtml.meta_charset(current_carrier())


class KeitaiLayer:
    """The Flask extension. Unbound at creation; :meth:`init_app` per application."""

    def __init__(
        self, app: Flask | None = None, *, session_store: SessionStore | None = None
    ) -> None:
        if app is not None:
            self.init_app(app, session_store=session_store)

    def init_app(self, app: Flask, session_store: SessionStore | None = None) -> None:
        """Install request/response conversion, the session interface and Jinja helpers.

        Without *session_store* a process-local :class:`MemorySessionStore` is used,
        which is only right for tests and a single-process development server.
        """
        app.config.setdefault("CARRIER_GATEWAY_RANGES", None)
        app.config.setdefault("KEITAI_SESSION_PARAM", "ksid")
        app.config.setdefault("KEITAI_SESSION_IDLE_MINUTES", 30)
        app.config.setdefault("KEITAI_CSS_DIR", None)
        if session_store is None:
            _log.info("KeitaiLayer: no session_store given, using MemorySessionStore")
            session_store = MemorySessionStore()
        app.extensions["carrier_compat"] = self
        app.request_class = _request_class(app.request_class, app)
        app.session_interface = KeitaiSessionInterface(
            session_store,
            _carrier_of(app),
            param=app.config["KEITAI_SESSION_PARAM"],
            idle=timedelta(minutes=app.config["KEITAI_SESSION_IDLE_MINUTES"]),
        )
        # First before_request so nothing reads an undecodable form; first in the
        # list of after_request so it runs last (Flask runs them in reverse).
        app.before_request_funcs.setdefault(None, []).insert(0, _reject_undecodable)
        app.after_request_funcs.setdefault(None, []).insert(0, _finish_response)
        app.context_processor(_carrier_context)
        app.jinja_env.globals.update(
            input_mode=_template_input_mode,
            accesskey_link=_input_mode.accesskey_link,
            xhtml_prolog=_template_prolog,
            meta_charset=_template_meta_charset,
        )


def _carrier_of(app: Flask) -> Callable[[Request], Any]:
    return lambda req: detect_carrier(req.environ, app)
