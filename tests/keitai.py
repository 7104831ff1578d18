"""A keitai client for tests: a given User-Agent, no cookie jar, charset-aware pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from carrier_compat import detect

CHARSET = re.compile(rb"charset=([A-Za-z0-9_\-]+)", re.I)
PYTHON_CODEC = {"shift_jis": "cp932", "sjis": "cp932", "utf-8": "utf-8"}


@dataclass
class KeitaiPage:
    status: int
    headers: dict[str, str]
    raw: bytes
    charset: str  # as declared in Content-Type

    @property
    def text(self) -> str:
        return self.raw.decode(PYTHON_CODEC.get(self.charset.lower(), self.charset))

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")

    def links(self) -> list[str]:
        return [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', self.text)]

    def forms(self) -> list[str]:
        return [a.replace("&amp;", "&") for a in re.findall(r'<form[^>]*action="([^"]*)"',
                                                             self.text)]


class KeitaiClient:
    """Talks to the app like a handset: its UA and headers, its charset, no cookies.

    Form posts are encoded in the charset of the page the form came from, as a
    handset does; pages are decoded by the charset their Content-Type declares.
    """

    def __init__(self, app, user_agent: str, *, headers: dict[str, str] | None = None,
                 remote_addr: str = "127.0.0.1", cookies: bool = False) -> None:
        self.client = app.test_client(use_cookies=cookies)
        self.user_agent = user_agent
        self.headers = {"User-Agent": user_agent, **(headers or {})}
        self.remote_addr = remote_addr
        environ = {"HTTP_USER_AGENT": user_agent, "REMOTE_ADDR": remote_addr}
        self.carrier = detect(environ)
        self.last: KeitaiPage | None = None

    def _environ(self) -> dict[str, str]:
        return {"REMOTE_ADDR": self.remote_addr}

    def _page(self, response) -> KeitaiPage:
        content_type = response.headers.get("Content-Type", "")
        match = CHARSET.search(content_type.encode())
        charset = match.group(1).decode() if match else "utf-8"
        page = KeitaiPage(response.status_code, dict(response.headers), response.data, charset)
        if response.status_code == 200:
            self.last = page
        return page

    def get(self, url: str) -> KeitaiPage:
        return self._page(self.client.get(_path(url), headers=self.headers,
                                          environ_base=self._environ()))

    def post(self, url: str, data: dict[str, str]) -> KeitaiPage:
        body = self.encode_form(data)
        return self._page(self.client.post(
            _path(url), data=body, headers=self.headers, environ_base=self._environ(),
            content_type="application/x-www-form-urlencoded"))

    def encode_form(self, data: dict[str, str]) -> bytes:
        """URL-encode ``data`` in the handset's charset, carrier emoji included."""
        pairs = [(k, self.carrier.encode(v)) for k, v in data.items()]
        return urlencode(pairs).encode("ascii")

    def follow(self, page: KeitaiPage) -> KeitaiPage:
        assert page.location, f"not a redirect: {page.status}"
        return self.get(page.location)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
