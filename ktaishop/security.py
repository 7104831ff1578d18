"""Security headers for every response, set in one place.

* Everything: ``X-Content-Type-Options: nosniff``; no framing (``X-Frame-Options:
  DENY`` and CSP ``frame-ancestors 'none'``: clickjacking).
* The storefront: ``Referrer-Policy: no-referrer``. A cookie-less handset's session key
  travels in the URL; a link to another site must never carry it away in a Referer.
  Keitai pages get headers only: their bytes (XHTML-MP, validated) are not touched.
* The admin: ``Referrer-Policy: same-origin``, ``Cache-Control: no-store`` on pages (they
  hold customers' data; a shared PC's cache must not keep them), and a strict
  Content-Security-Policy: scripts and ``<style>`` elements only from the admin itself
  or carrying this response's nonce (``{{ csp_nonce() }}`` in templates), no plugins, no
  ``<base>``, forms only to the admin. ``style=""`` attributes stay allowed
  (``style-src-attr``): the デコメール previews are colour and size by attribute, and a
  style attribute cannot run code.
* Cookies are ``Secure`` when ``KTAISHOP_BASE_URL`` is https, which also adds
  ``Strict-Transport-Security``.
"""

from __future__ import annotations

import secrets

from flask import Flask, g, request
from werkzeug.wrappers import Response

ADMIN_PREFIX = "/admin"
HSTS = "max-age=31536000"
ADMIN_POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; "
    "style-src 'self' 'nonce-{nonce}'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
STOREFRONT_POLICY = "frame-ancestors 'none'"


def csp_nonce() -> str:
    """This response's nonce for inline ``<script>`` and ``<style>`` in admin templates."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def register(app: Flask) -> None:
    https = app.config["BASE_URL"].startswith("https://")
    if https:
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _headers(response: Response) -> Response:
        set_headers(response, https=https)
        return response


def set_headers(response: Response, *, https: bool) -> None:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    if https:
        headers.setdefault("Strict-Transport-Security", HSTS)
    if request.path == ADMIN_PREFIX or request.path.startswith(ADMIN_PREFIX + "/"):
        headers.setdefault("Referrer-Policy", "same-origin")
        headers["Content-Security-Policy"] = ADMIN_POLICY.format(nonce=csp_nonce())
        if response.mimetype == "text/html":
            headers.setdefault("Cache-Control", "no-store")
        return
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Content-Security-Policy", STOREFRONT_POLICY)
