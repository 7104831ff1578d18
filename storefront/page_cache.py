"""The catalog page cache: top, shelf, product and search pages as rendered output.

What is cached is the page's template output *before* the keitai layer (CSS inlining,
charset and emoji, the session key on links), with **shopper parts** left open: the
cart count, the login links, the member's greeting, the one-shot notice and the form
token are small templates (``shopper_part("_nav.html")`` …) rendered for each request
and put into the cached text. The keitai layer then works on the finished text as it
would on any page (its own memos make a page seen before cheap), so a cached page is
XHTML-MP in the handset's charset with the session key on its links, like any other.

The key is the release (a digest of the code and templates), the endpoint, its
arguments as the view reads them (``page``, ``q``), the handset's
``Carrier.page_profile`` (face, charset, emoji, CSS inlining, screen class) and the
catalog's version (models.page_cache: moved in the same transaction by any change of
products, shelves, settings or a product's shown stock state). The version is read from
the database on every request, so a change shows on the next request of every app
server.

Two levels: a bounded memory per app process in front, keyed by key *and* version, and
the ``cached_pages`` table, shared by every worker and server. A miss renders the page
with the shopper's values replaced by ones that raise when a template reads them
(``jinja2.StrictUndefined``): a catalog template that shows anything of the shopper
outside a shopper part fails loudly instead of caching it. Only 200 pages are stored
(an ``abort(404)`` never reaches the store).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cache, wraps
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, request
from jinja2 import StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError

from carrier_compat.flask import current_carrier
from ktaishop.extensions import db
from models.base import SHOP_TIMEZONE, now
from models.page_cache import current_version, key_digest, load_page, store_page

from . import bp

_log = logging.getLogger(__name__)
_EXTENSION = "storefront.page_cache"
MEMORY_PAGES = 512  # entries per process (each a few KB of text)
# What a page is made of: a change to a file here is a new release (release_digest).
RELEASE_FOLDERS = ("storefront", "templates_mobile", "carrier_compat", "models", "ktaishop")
SLOT = re.compile(r"<!--ktaishop-shopper:([\w.]+)-->")
SHOPPER_VALUES = ("member", "cart_count", "notice")
# What else a template could reach the shopper through (Flask's and Flask-Login's context
# processors): held back too while a page is rendered for the cache.
SESSION_VALUES = ("session", "g", "request", "current_user")
# Parts that hold something of the session itself: rendered every time.
PERSONAL_PARTS = frozenset({"_csrf.html"})
MEMORY_PARTS = 256

Entry = tuple[tuple[str, ...], float | None]  # (text, part name, text, …), valid until


class PageMemory:
    """The process's bounded memory of pages, keyed by (key, version)."""

    def __init__(self, limit: int = MEMORY_PAGES, release: str = "") -> None:
        self.limit = limit
        self.release = release
        self._pages: dict[tuple[str, int], Entry] = {}
        # A guest's shopper parts by (name, face, profile, script root, cart count).
        self.parts: dict[tuple[object, ...], str] = {}

    def get(self, key: tuple[str, int]) -> Entry | None:
        return self._pages.get(key)

    def put(self, key: tuple[str, int], entry: Entry) -> None:
        _bounded_put(self._pages, key, entry, self.limit)

    def remember_part(self, key: tuple[object, ...], text: str) -> None:
        _bounded_put(self.parts, key, text, MEMORY_PARTS)

    def clear(self) -> None:
        self._pages.clear()
        self.parts.clear()


def _bounded_put(table: dict[Any, Any], key: Any, value: Any, limit: int) -> None:
    if len(table) >= limit:
        try:  # oldest out; a race with another thread only costs a recomputation
            del table[next(iter(table))]
        except (RuntimeError, StopIteration, KeyError):
            pass
    table[key] = value


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION] = PageMemory(release=release_digest())
    app.jinja_env.globals["shopper_part"] = shopper_part


@cache
def release_digest() -> str:
    """A digest of the code and templates that shape a page, taken once per process: part
    of every key, so servers of a new release never serve a page rendered by the old one
    (the shared store outlives a deploy) and two releases side by side keep apart."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for folder in RELEASE_FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in (".py", ".html", ".css", ".txt") and path.is_file():
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def memory() -> PageMemory:
    return current_app.extensions[_EXTENSION]


def cached_page(**arguments: Callable[[Mapping[str, str]], object]):
    """Serve the view's page from the cache. ``arguments`` name each query argument the
    view reads and how it reads it (``page=requested_page``): the key holds those values,
    so ``?page=02`` and ``?page=2`` share an entry and other arguments make no new one."""

    def decorator(view: Callable[..., str]) -> Callable[..., str]:
        @wraps(view)
        def wrapper(**view_args: Any) -> str:
            key = page_key(view_args, {name: read(request.args)
                                       for name, read in arguments.items()})
            version = current_version(db.engine)
            entry = find(key, version)
            if entry is None:
                entry = render_for_cache(view, view_args)
                keep(key, version, entry)
            return fill(entry[0])

        return wrapper

    return decorator


def page_key(view_args: Mapping[str, Any], args: Mapping[str, object]) -> str:
    """Everything that makes this page's text differ, but the catalog and the shopper."""
    return repr((memory().release, request.endpoint, request.script_root,
                 sorted(view_args.items()), sorted(args.items()),
                 current_carrier().page_profile))


def find(key: str, version: int) -> Entry | None:
    """The page from memory, else from the shared store; None if missing or expired."""
    pages = memory()
    entry = pages.get((key, version))
    if entry is None:
        stored = load_page(db.session.connection(), key_digest(key, version))
        if stored is None:
            return None
        entry = (split(stored[0]), stored[1])
        pages.put((key, version), entry)
    valid_until = entry[1]
    if valid_until is not None and valid_until <= now_timestamp():
        return None
    return entry


def render_for_cache(view: Callable[..., str], view_args: Mapping[str, Any]) -> Entry:
    """Run the view with the shopper's values held back: its page with open parts."""
    g.page_cache_render = True
    try:
        text = view(**view_args)
    finally:
        g.page_cache_render = False
    return split(text), g.pop("page_valid_until", None)


def keep(key: str, version: int, entry: Entry) -> None:
    memory().put((key, version), entry)
    session = db.session
    try:
        store_page(session.connection(), key_digest(key, version), version,
                   join(entry[0]), entry[1])
        session.commit()
    except SQLAlchemyError:  # the store is an optimisation: the page is served anyway
        _log.exception("page cache: could not store a page")
        session.rollback()


def valid_until(moment: datetime) -> None:
    """The page being made shows something that changes at ``moment`` (shop-local time,
    e.g. a 販売期限): its cached copy is used only until then."""
    if g.get("page_cache_render"):
        stamp = moment.replace(tzinfo=SHOP_TIMEZONE).timestamp()
        g.page_valid_until = min(stamp, g.get("page_valid_until") or stamp)


def now_timestamp() -> float:
    return now().replace(tzinfo=SHOP_TIMEZONE).timestamp()


# -- shopper parts ----------------------------------------------------------------------------

def held_back_values() -> dict[str, Any]:
    """The shopper's values while a page is rendered for the cache: reading one fails."""
    hint = "a cached page shows the shopper only through shopper_part()"
    return {name: StrictUndefined(hint=hint, name=name)
            for name in SHOPPER_VALUES + SESSION_VALUES}


def rendering_for_cache() -> bool:
    return bool(g.get("page_cache_render"))


@pass_context
def shopper_part(_context: Context, name: str) -> Markup:
    """The shopper part ``name`` (a template of this face) for this request; while a page
    is rendered for the cache, a mark where it goes."""
    if rendering_for_cache():
        return Markup(f"<!--ktaishop-shopper:{name}-->")
    return Markup(render_part(name))


def render_part(name: str) -> str:
    """Shopper part ``name`` of this request's face, given only the shopper's values and
    the carrier (plus the environment's globals: ``url_for``, ``csrf_token``).

    A guest's part without a notice depends only on the face and the cart count: it is
    remembered under those (never a member's part, a notice or the form token).
    """
    from .common import shopper_values
    from .faces import html5_templates, is_html5

    values = shopper_values()
    carrier = current_carrier()
    face = is_html5(carrier)
    anonymous = (values["member"] is None and not values["notice"]
                 and name not in PERSONAL_PARTS)
    if anonymous:
        key = (name, face, carrier.page_profile, request.script_root, values["cart_count"])
        text = memory().parts.get(key)
        if text is not None:
            return text
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    environment = html5_templates(app) if face else app.jinja_env
    text = environment.get_template(name).render(carrier=carrier, **values)
    if anonymous:
        memory().remember_part(key, text)
    return text


def split(text: str) -> tuple[str, ...]:
    """The cached text cut at its shopper parts: text, part name, text, …"""
    return tuple(SLOT.split(text))


def join(pieces: tuple[str, ...]) -> str:
    return "".join(
        piece if index % 2 == 0 else f"<!--ktaishop-shopper:{piece}-->"
        for index, piece in enumerate(pieces)
    )


def fill(pieces: tuple[str, ...]) -> str:
    """The page for this shopper: each open part rendered once and put in its place."""
    if len(pieces) == 1:
        return pieces[0]
    parts: dict[str, str] = {}
    out = []
    for index, piece in enumerate(pieces):
        if index % 2 == 0:
            out.append(piece)
        else:
            if piece not in parts:
                parts[piece] = render_part(piece)
            out.append(parts[piece])
    return "".join(out)


@bp.record_once
def _register(state: Any) -> None:
    init_app(state.app)
