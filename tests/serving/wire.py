"""Plain HTTP for the serving tests: one request, no redirects followed, raw bytes back;
and a shopper's client over it."""

from __future__ import annotations

import http.client
from dataclasses import dataclass
from email.message import Message
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from carrier_compat import detect
from tests.keitai import CHARSET, KeitaiPage, _path


@dataclass
class Answer:
    status: int
    headers: Message
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def all(self, name: str) -> list[str]:
        return self.headers.get_all(name) or []


def fetch(url: str, *, method: str = "GET", headers: dict[str, str] | None = None,
          body: bytes | None = None, timeout: float = 30.0) -> Answer:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, target or "/", body=body, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, response.msg, response.read())
    finally:
        connection.close()


class WireClient:
    """tests.keitai.KeitaiClient's interface over real HTTP, alternating between servers.

    Every request goes to the next server of ``servers`` with the shop's own ``Host``
    (as a load balancer passes it on). ``cookies=False`` is a handset without cookies;
    otherwise a cookie jar kept across both servers, like one browser's.
    """

    def __init__(self, servers: list[str], user_agent: str, *, host: str,
                 cookies: bool = False) -> None:
        self.servers = servers
        self.turn = 0
        self.host = host
        self.user_agent = user_agent
        self.cookies: dict[str, str] | None = {} if cookies else None
        self.carrier = detect({"HTTP_USER_AGENT": user_agent, "REMOTE_ADDR": "127.0.0.1"})
        self.visited: list[str] = []  # which server answered each request

    def _send(self, method: str, url: str, body: bytes | None = None,
              content_type: str | None = None) -> KeitaiPage:
        server = self.servers[self.turn % len(self.servers)]
        self.turn += 1
        self.visited.append(server)
        headers = {"Host": self.host, "User-Agent": self.user_agent}
        if content_type:
            headers["Content-Type"] = content_type
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        answer = fetch(server + _path(url), method=method, headers=headers, body=body)
        self._keep_cookies(answer.all("Set-Cookie"))
        flat = {name: value for name, value in answer.headers.items()}
        match = CHARSET.search(flat.get("Content-Type", "").encode())
        charset = match.group(1).decode() if match else "utf-8"
        return KeitaiPage(answer.status, flat, answer.body, charset)

    def _keep_cookies(self, lines: list[str]) -> None:
        if self.cookies is None:
            return
        for line in lines:
            jar = SimpleCookie()
            jar.load(line)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def get(self, url: str) -> KeitaiPage:
        return self._send("GET", url)

    def post(self, url: str, data: dict[str, str] | list[tuple[str, str]]) -> KeitaiPage:
        pairs = data.items() if isinstance(data, dict) else data
        body = urlencode([(k, self.carrier.encode(v)) for k, v in pairs]).encode("ascii")
        return self._send("POST", url, body, "application/x-www-form-urlencoded")

    def follow(self, page: KeitaiPage) -> KeitaiPage:
        assert page.location, f"not a redirect: {page.status}"
        return self.get(page.location)
