"""HTTP caching of files: content ETags, 304s, versioned static URLs.

ETags are the file's content version (the first 12 hex digits of its SHA-256), not
Flask's default of mtime and size: two app servers behind one load balancer hold
copies of the same file with different mtimes, and a browser revalidating on the
other server must still get its 304.

Static files (the shop's ``/assets/…``, the admin's ``/admin/static/…``): templates
keep calling ``url_for('storefront.static', filename=…)``; a ``url_defaults`` hook adds
``v=<version>``. A response to a URL whose ``v`` is the file's current version may be
kept a year (``immutable``): a changed file gets another URL. Any other request (no
``v``, or an old one) is answered ``no-cache``, so a browser asks again and gets a 304
while nothing changed.

Versions are memoised per app by path, size and mtime: one ``stat`` per ``url_for``,
and an edited file shows its new version at once under ``ktaishop run``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from flask import Flask, current_app, request, send_file
from werkzeug.wrappers import Response

PARAM = "v"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
_MEMO = "ktaishop.content_versions"
_PATHS = "ktaishop.static_paths"


def content_version(path: str | os.PathLike[str]) -> str:
    """The file's content version (12 hex digits). :raise OSError: no such file."""
    name = os.fspath(path)
    stat = os.stat(name)
    memo: dict[str, tuple[int, int, str]] = current_app.extensions.setdefault(_MEMO, {})
    known = memo.get(name)
    if known is not None and known[:2] == (stat.st_size, stat.st_mtime_ns):
        return known[2]
    with open(name, "rb") as file:
        digest = hashlib.file_digest(file, "sha256").hexdigest()[:12]
    memo[name] = (stat.st_size, stat.st_mtime_ns, digest)
    return digest


def send_cached_file(path: Path, mimetype: str, *, max_age: int) -> Response:
    """``send_file`` with the content ETag: ``If-None-Match`` and ``If-Modified-Since``
    get a 304, and ``Cache-Control: public, max-age=…``."""
    response = send_file(path, mimetype=mimetype, etag=content_version(path), max_age=max_age,
                         conditional=True)
    response.cache_control.public = True
    return response


def is_static(endpoint: str | None) -> bool:
    return endpoint is not None and (endpoint == "static" or endpoint.endswith(".static"))


def static_path(app: Flask, endpoint: str, filename: str) -> str | None:
    """The file behind a static URL, or None when there is none."""
    if endpoint == "static":
        folder = app.static_folder
    else:
        blueprint = app.blueprints.get(endpoint.rsplit(".", 1)[0])
        folder = blueprint.static_folder if blueprint is not None else None
    if folder is None:
        return None
    path = os.path.realpath(os.path.join(folder, filename))
    inside = path.startswith(os.path.realpath(folder) + os.sep)
    return path if inside and os.path.isfile(path) else None


def _static_version(endpoint: str, filename: str) -> str | None:
    paths: dict[tuple[str, str], str | None] = current_app.extensions.setdefault(_PATHS, {})
    key = (endpoint, filename)
    if key not in paths:  # a page links the same few files: resolve each once
        paths[key] = static_path(current_app, endpoint, filename)
    path = paths[key]
    try:
        return content_version(path) if path else None
    except OSError:
        return None


def _add_version(endpoint: str, values: dict[str, Any]) -> None:
    if not is_static(endpoint) or PARAM in values or "filename" not in values:
        return
    found = _static_version(endpoint, str(values["filename"]))
    if found is not None:
        values[PARAM] = found


def _cache_static(response: Response) -> Response:
    endpoint = request.endpoint
    if not is_static(endpoint) or response.status_code not in (200, 304):
        return response
    current = _static_version(endpoint, (request.view_args or {}).get("filename", ""))
    if current is None:
        return response
    if response.status_code == 200:
        response.set_etag(current)
        response.make_conditional(request.environ)
    asked = request.args.get(PARAM)
    response.headers["Cache-Control"] = IMMUTABLE if asked == current else REVALIDATE
    return response


def register(app: Flask) -> None:
    app.url_defaults(_add_version)
    app.after_request(_cache_static)
