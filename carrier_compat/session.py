"""Server-side sessions for handsets without cookies, keyed by a random URL token.

Contracts:

* Handsets whose carrier says ``supports_cookie`` get Flask's normal signed-cookie
  session (:class:`flask.sessions.SecureCookieSessionInterface`), unchanged.
* Other handsets send the key as the query or form parameter ``ksid`` (configurable).
  The key is ``secrets.token_urlsafe(32)`` and indexes a :class:`SessionStore`; the
  session's contents never travel in the URL.
* A session expires after ``idle`` (30 minutes) without a request; every request
  that uses it moves the expiry forward.
* A session is bound to the carrier name, the model and the client that created it
  (:func:`client_binding`: the subscriber ID when the gateway sent one, else whether
  the request came through the carrier's gateway): a key presented by any other
  handset - another subscriber, or a PC posing as a handset - opens a fresh, empty
  session (the original is left alone). A key is only ever accepted from the client
  it was issued to, as far as the carrier lets us tell.
* :meth:`KeitaiSession.regenerate` (used by ``carrier_compat.flask.regenerate_session``
  at login) switches to a new key; the old key is deleted from the store.
* An empty session is never stored and produces no key in the page.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSessionInterface, SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict
from werkzeug.exceptions import HTTPException

Clock = Callable[[], datetime]
_KEY_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")
ENVIRON_CARRIER = "carrier_compat.carrier"
# A session read but not changed is saved again (its idle clock restarted) only once
# this share of the idle time has passed since the last save: most requests write nothing.
REFRESH_SHARE = 0.1


def utcnow() -> datetime:
    return datetime.now(UTC)


def client_binding(carrier: Any) -> str:
    """Which client a cookie-less session belongs to, as far as the request tells.

    ``uid:<digest>`` for a handset whose gateway sent its subscriber ID (only trusted
    from the gateway's addresses); ``gateway`` for one through the gateway without an
    ID; ``direct`` for anything else (a PC sending a handset's User-Agent).
    """
    subscriber = getattr(carrier, "subscriber_id", None)
    if subscriber:
        return "uid:" + hashlib.sha256(str(subscriber).encode()).hexdigest()[:32]
    return "gateway" if getattr(carrier, "from_gateway", False) else "direct"


def new_session_key() -> str:
    """A fresh random session key (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


class SessionStore(Protocol):
    """Where cookie-less sessions live. Implementations must be safe across threads.

    ``load`` returns ``None`` for unknown or expired keys.
    """

    def load(self, key: str) -> dict[str, Any] | None: ...

    def save(self, key: str, data: dict[str, Any], expires_at: datetime) -> None: ...

    def delete(self, key: str) -> None: ...


class MemorySessionStore:
    """A process-local :class:`SessionStore` for tests and single-process development."""

    def __init__(self, *, clock: Clock = utcnow) -> None:
        self._clock = clock
        self._items: dict[str, tuple[dict[str, Any], datetime]] = {}
        self._lock = threading.Lock()

    def load(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if item[1] <= self._clock():
                del self._items[key]
                return None
            return dict(item[0])

    def save(self, key: str, data: dict[str, Any], expires_at: datetime) -> None:
        with self._lock:
            self._items[key] = (dict(data), expires_at)

    def delete(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.load(key) is not None


class KeitaiSession(CallbackDict[str, Any], SessionMixin):
    """A session stored server-side under :attr:`key`, bound to one handset."""

    def __init__(
        self,
        initial: dict[str, Any] | None,
        *,
        key: str,
        new: bool,
        binding: tuple[str, str | None, str],
    ) -> None:
        def on_update(self: KeitaiSession) -> None:
            self.modified = True

        super().__init__(initial, on_update)
        self.key = key
        self.new = new
        self.modified = False
        self.binding = binding
        self.replaced_key: str | None = None
        # When the store last restarted this session's idle clock (epoch seconds).
        self.last_seen: float | None = None

    def regenerate(self) -> str:
        """Move the session to a new key; the old one is deleted when it is saved."""
        if self.replaced_key is None and not self.new:
            self.replaced_key = self.key
        self.key = new_session_key()
        self.modified = True
        return self.key


class KeitaiSessionInterface(SessionInterface):
    """Cookie session for cookie-capable clients, URL-keyed store session otherwise.

    *carrier_for* returns the request's carrier (anything with ``name``, ``model``
    and ``supports_cookie``).
    """

    def __init__(
        self,
        store: SessionStore,
        carrier_for: Callable[[Request], Any],
        *,
        param: str = "ksid",
        idle: timedelta = timedelta(minutes=30),
        clock: Clock = utcnow,
    ) -> None:
        self.store = store
        self.carrier_for = carrier_for
        self.param = param
        self.idle = idle
        self.clock = clock
        self.cookie_interface = SecureCookieSessionInterface()

    def uses_cookie(self, request: Request) -> bool:
        return bool(self.carrier_for(request).supports_cookie)

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        if self.uses_cookie(request):
            return self.cookie_interface.open_session(app, request)
        carrier = self.carrier_for(request)
        binding = (carrier.name, carrier.model, client_binding(carrier))
        key = self._presented_key(request)
        record = self.store.load(key) if key else None
        if key and record is not None and self._valid(record, binding):
            session = KeitaiSession(record["data"], key=key, new=False, binding=binding)
            session.last_seen = float(record["last_seen"])
            return session
        return KeitaiSession(None, key=new_session_key(), new=True, binding=binding)

    def _presented_key(self, request: Request) -> str | None:
        key = request.args.get(self.param)
        if key is None and request.mimetype == "application/x-www-form-urlencoded":
            try:
                key = request.form.get(self.param)
            except HTTPException:
                # An oversized body: the view's own form access reports it (413);
                # failing here, while the request context is pushed, would be a 500.
                key = None
        return key if key and _KEY_SHAPE.match(key) else None

    def _valid(self, record: dict[str, Any], binding: tuple[str, str | None, str]) -> bool:
        # The store checks expiry too; checking here keeps a lax store from
        # extending a session past its idle limit.
        last_seen = record.get("last_seen")
        if not isinstance(last_seen, int | float):
            return False
        if last_seen + self.idle.total_seconds() <= self.clock().timestamp():
            return False
        return (record.get("carrier"), record.get("model"), record.get("client")) == binding

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not isinstance(session, KeitaiSession):
            self.cookie_interface.save_session(app, session, response)
            return
        if session.replaced_key is not None:
            self.store.delete(session.replaced_key)
        if not session:
            if not session.new:
                self.store.delete(session.key)
            return
        if self._fresh(session):
            return
        self.save_record(session.key, dict(session), session.binding)

    def _fresh(self, session: KeitaiSession) -> bool:
        """Unchanged, and its idle clock restarted less than ``REFRESH_SHARE`` of the idle
        time ago: saving it again would only move ``last_seen`` a little. (Pages a
        handset merely reads then cost no write; the session may end up to that share of
        the idle time early.)"""
        if session.modified or session.new or session.replaced_key is not None:
            return False
        if session.last_seen is None:
            return False
        age = self.clock().timestamp() - session.last_seen
        return 0 <= age < self.idle.total_seconds() * REFRESH_SHARE

    def save_record(self, key: str, data: dict[str, Any],
                    binding: tuple[str, str | None, str]) -> None:
        """Store ``data`` under ``key`` for the handset ``binding`` names, idle time anew."""
        now = self.clock()
        carrier, model, client = binding
        # Plain JSON-friendly values, so a database store can serialise the record.
        record = {
            "carrier": carrier,
            "model": model,
            "client": client,
            "last_seen": now.timestamp(),
            "data": data,
        }
        self.store.save(key, record, now + self.idle)

    def key_for_urls(self, session: SessionMixin) -> str | None:
        """The key to put into this response's URLs, or ``None`` (no key needed)."""
        if isinstance(session, KeitaiSession) and len(session) > 0:
            return session.key
        return None
