"""The Carrier base class: what a handset can do and how to talk to it.

A Carrier is built from a WSGI environ. Subclasses (one module per carrier) parse the
User-Agent and carrier headers in `_parse()`. Everything the rest of the app needs is a
plain attribute so templates can read it (`carrier.screen_width`, `carrier.charset`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from carrier_compat import emoji
from carrier_compat.errors import DecodeError
from carrier_compat.gateway import GatewayRanges

# Subscriber IDs are short tokens; anything else is not a real gateway header.
_SUBSCRIBER_ID = re.compile(r"^[A-Za-z0-9._@-]{1,80}$")
# Screen widths (pixels) a page may be laid out for: QVGA and older, VGA-era, phones, wider.
SCREEN_CLASSES = (240, 480, 800, 4096)


class Carrier:
    """Base class; a plain instance describes a PC browser.

    Class attributes are the carrier's fixed facts; instance attributes (model, screen,
    cookie support, page limit, subscriber_id) come from this request's headers.
    """

    name: ClassVar[str] = "pc"
    is_keitai: ClassVar[bool] = False
    emoji_carrier: ClassVar[str | None] = None
    # WSGI environ key of the subscriber-ID header (HTTP_X_...), None if the carrier has none
    subscriber_header: ClassVar[str | None] = None

    charset: str = "UTF-8"
    codec: str = "utf-8"
    content_type: str = "text/html"

    def __init__(self, environ: Mapping[str, Any], *,
                 gateway: GatewayRanges | None = None) -> None:
        self.environ = environ
        self.user_agent: str = str(environ.get("HTTP_USER_AGENT", ""))
        self.gateway = gateway if gateway is not None else GatewayRanges.default()
        self.model: str | None = None
        self.supports_cookie = True
        self.supports_style_element = True
        self.screen_width, self.screen_height = 1024, 768
        self.page_limit_bytes = 10 * 1024 * 1024
        self.image_formats: tuple[str, ...] = ("JPEG", "PNG", "GIF")
        self.is_garaho = False
        self._parse()
        self.subscriber_id: str | None = self._subscriber_id()

    @classmethod
    def matches(cls, environ: Mapping[str, Any]) -> bool:
        """True when this class describes the request (used by detection, in order)."""
        return False

    def _parse(self) -> None:
        """Fill instance attributes from the headers; subclasses override."""

    @property
    def remote_addr(self) -> str:
        return str(self.environ.get("REMOTE_ADDR", ""))

    @property
    def is_https(self) -> bool:
        return (self.environ.get("wsgi.url_scheme") == "https"
                or str(self.environ.get("HTTPS", "")).lower() in ("on", "1"))

    @property
    def from_gateway(self) -> bool:
        """True when REMOTE_ADDR lies inside this carrier's published gateway ranges."""
        return self.gateway.contains(self.name, self.remote_addr)

    def _subscriber_id(self) -> str | None:
        """The subscriber-ID header, only when the request came through the gateway."""
        if self.subscriber_header is None or not self.from_gateway:
            return None
        value = str(self.environ.get(self.subscriber_header, "")).strip()
        # SoftBank sends NULLGWDOCOMO when the user refused to send the UID.
        if not _SUBSCRIBER_ID.match(value) or value.upper().startswith("NULLGW"):
            return None
        return value

    @property
    def page_profile(self) -> tuple[object, ...]:
        """What makes a page's bytes differ between handsets, as far as this package goes.

        Two requests with the same profile get the same bytes from the same page text
        (before the session key is filled in): the class and its charset label, codec,
        content type and emoji set; whether CSS is inlined (no ``<style>``) and cookies
        work; ガラホ; and the screen class (:data:`SCREEN_CLASSES`). Anything a page
        cache keys on besides the page itself. A subclass that makes pages differ by
        another fact must add it here.
        """
        return (type(self).__name__, self.name, self.charset, self.codec, self.content_type,
                self.emoji_carrier, self.supports_style_element, self.supports_cookie,
                self.is_garaho, self.screen_class)

    @property
    def screen_class(self) -> int:
        """The narrowest of :data:`SCREEN_CLASSES` that holds the screen's width."""
        width = int(self.screen_width)
        return next((limit for limit in SCREEN_CLASSES if width <= limit), SCREEN_CLASSES[-1])

    def encode(self, text: str) -> bytes:
        """Text for a page or form to this handset: charset plus the carrier's emoji.

        Emoji the carrier lacks become its closest symbol or a text stand-in; characters
        the charset cannot hold become &#NNNN; references.
        """
        if self.codec == "cp932":
            return emoji.encode_sjis(text, self.emoji_carrier or "docomo")
        return emoji.to_carrier(text, self.emoji_carrier).encode("utf-8", "xmlcharrefreplace")

    def decode(self, data: bytes) -> str:
        """Bytes from this handset -> str with standard Unicode emoji.

        Raises DecodeError (with a Japanese message) on bytes invalid in the charset.
        """
        try:
            if self.codec == "cp932":
                return emoji.decode_sjis(data, self.emoji_carrier or "docomo")
            return emoji.from_carrier(data.decode("utf-8"), self.emoji_carrier)
        except UnicodeDecodeError as exc:
            raise DecodeError(self.charset, exc.start) from exc

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} model={self.model!r}>"


def parse_size(value: object, separator: str) -> tuple[int, int] | None:
    """'240,320' / '240*320' -> (240, 320); None for anything implausible."""
    parts = str(value or "").split(separator)
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        return None
    width, height = (int(p) for p in parts)
    return (width, height) if 0 < width <= 4096 and 0 < height <= 4096 else None
