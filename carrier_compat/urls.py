"""Add query parameters (session key, ``guid=ON``) to a page's internal URLs.

Used for handsets without cookies, which carry the session key in every link and
form, and for docomo, which sends its subscriber ID only to URLs with ``guid=ON``.

Security contract: a parameter is added only to a URL that is certainly on the
requesting host — a relative URL, or an absolute ``http``/``https`` URL (or a
scheme-relative one) whose host and port equal the request's. Anything else —
another host, ``mailto:``, ``tel:``, ``javascript:``, a URL that browsers would read
as scheme-relative (``/\\evil.example``), or one that fails to parse — is left
untouched, so the session key can never leak to another site through a link.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from urllib.parse import quote, urlsplit

from carrier_compat.memo import PageMemo

Params = Sequence[tuple[str, str]]

# Templates are XHTML: lower-case names, so no re.I (which would slow the scan).
_A_OR_FORM = re.compile(
    r"(<(a|form)\s(?:[^>]*?\s)?(?:href|action)\s*=\s*([\"']))([^\"']*)(\3[^>]*>)"
)
# "/path?query" with only &amp; entities, no fragment, no backslash, no whitespace or
# control characters (browsers drop tabs and newlines, which could turn "/\t/x" into
# "//x"): certainly on this host.
_PLAIN_LOCAL = re.compile(r"/(?![/\\])(?:[^\s\\#&\x00-\x1f\x7f]|&amp;)*\Z")
_METHOD_POST = re.compile(r"\smethod\s*=\s*[\"']post[\"']", re.I)
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def _host_port(netloc: str, scheme: str) -> str:
    host, _, port = netloc.lower().rpartition("@")[2].partition(":")
    return f"{host}:{port or _DEFAULT_PORTS.get(scheme, '')}"


def is_internal(url: str, host: str, *, scheme: str = "http") -> bool:
    """True if *url* certainly points at *host* (``request.host``, ``name[:port]``)."""
    if not url or url.startswith("#") or url != url.strip() or "\\" in url:
        return False
    if any(ord(ch) < 0x20 for ch in url):
        return False
    try:
        parts = urlsplit(url)
        request_netloc = _host_port(host, scheme)
    except ValueError:
        return False
    if parts.scheme and parts.scheme.lower() not in ("http", "https"):
        return False
    if not parts.netloc:
        # "http:foo" without a host is odd enough to refuse.
        return not parts.scheme and not url.startswith("//")
    return _host_port(parts.netloc, (parts.scheme or scheme).lower()) == request_netloc


def add_params(url: str, params: Params) -> str:
    """*url* with each ``(name, value)`` appended to its query unless already present.

    The fragment stays last. Values are percent-encoded. No host check here — call
    :func:`is_internal` first (or use :func:`internal_url`).
    """
    base, hash_, fragment = url.partition("#")
    path, q, query = base.partition("?")
    present = {pair.partition("=")[0] for pair in query.split("&")} if q else set()
    extra = [f"{quote(n, safe='')}={quote(v, safe='')}" for n, v in params if n not in present]
    if not extra:
        return url
    joined = "&".join(([query] if query else []) + extra)
    return f"{path}?{joined}{hash_}{fragment}"


def internal_url(url: str, params: Params, host: str, *, scheme: str = "http") -> str:
    """*url* with *params* added when it is internal to *host*; otherwise unchanged."""
    if params and is_internal(url, host, scheme=scheme):
        return add_params(url, params)
    return url


def rewrite_links(
    page: str,
    params: Params,
    host: str,
    *,
    scheme: str = "http",
    hidden_params: Params | None = None,
) -> str:
    """*page* with *params* added to internal ``<a href>`` and ``<form action>`` URLs.

    GET forms also get the parameters as hidden inputs (a browser replaces an action's
    query with the form fields), wrapped in a ``<div>`` because XHTML-MP allows only
    block content directly inside ``<form>``. *hidden_params* (default: *params*) picks
    which ones go into hidden inputs.
    """
    if not params:
        return page
    hidden = hidden_inputs(params if hidden_params is None else hidden_params)
    # The common case (a site-absolute path without fragment) is appended to as it
    # stands in the attribute; anything else takes the careful path via is_internal.
    suffix = html.escape("&".join(f"{quote(n, safe='')}={quote(v, safe='')}" for n, v in params))
    names = tuple(f"{quote(n, safe='')}=" for n, _ in params)

    def replace(match: re.Match[str]) -> str:
        # Groups: 1 the tag up to the URL's opening quote, 2 "a"/"form", 3 the quote,
        # 4 the URL as written (still entity-escaped), 5 the rest of the tag.
        raw = match.group(4)
        plain = _PLAIN_LOCAL.match(raw) is not None
        if plain:
            for name in names:
                if name in raw:
                    plain = False
        if plain:
            new_raw = f"{raw}&amp;{suffix}" if "?" in raw else f"{raw}?{suffix}"
        else:
            url = html.unescape(raw)
            if not is_internal(url, host, scheme=scheme):
                return match.group(0)
            new_raw = html.escape(add_params(url, params), quote=True)
        tag = f"{match.group(1)}{new_raw}{match.group(5)}"
        if hidden and match.group(2) == "form" and not _METHOD_POST.search(tag):
            tag += hidden
        return tag

    return _A_OR_FORM.sub(replace, page)


def hidden_inputs(params: Params) -> str:
    """``<div><input type="hidden" .../>...</div>`` for *params*, escaped ('' if none)."""
    if not params:
        return ""
    fields = "".join(
        f'<input type="hidden" name="{html.escape(n, quote=True)}" '
        f'value="{html.escape(v, quote=True)}" />'
        for n, v in params
    )
    return f"<div>{fields}</div>"


# --- rewriting an encoded page ------------------------------------------------------
# The keitai pipeline encodes a page (charset and emoji) before adding the session key:
# the key and guid are ASCII, identical in Shift_JIS and UTF-8, and an encoded page
# without them is the same for every shopper, so both the encoding and the link
# analysis below can be remembered per page. Tag delimiters (< > " ') are below 0x40
# and never occur as the second byte of a Shift_JIS character, so the byte regexes
# cannot cut a character in half.
_A_OR_FORM_BYTES = re.compile(
    rb"(<(a|form)\s(?:[^>]*?\s)?(?:href|action)\s*=\s*([\"']))([^\"']*)(\3[^>]*>)"
)
_PLAIN_LOCAL_BYTES = re.compile(rb"/(?![/\\])(?:[^\s\\#&\x00-\x1f\x7f-\xff]|&amp;)*\Z")
_METHOD_POST_BYTES = re.compile(rb"\smethod\s*=\s*[\"']post[\"']", re.I)
_QUERY, _AMP, _HIDDEN = 0, 1, 2
_plans: PageMemo[tuple[bytes, str, str, tuple[bytes, ...], str], list[bytes | int | str]] = (
    PageMemo(max_size=400_000)
)


def rewrite_encoded_links(
    page: bytes, params: Params, host: str, *, scheme: str = "http", codec: str = "utf-8"
) -> bytes:
    """:func:`rewrite_links` for a page already encoded with *codec*; same contract.

    The analysis of which URLs are internal is remembered per page (bounded), so a page
    served to many shoppers is analysed once and only joined with each one's key.
    """
    if not params:
        return page
    names = tuple(f"{quote(n, safe='')}=".encode() for n, _ in params)
    key = (page, host, scheme, names, codec)
    plan = _plans.get(key)
    if plan is None:
        plan = _plan(page, host, scheme, names, codec)
        _plans.put(key, plan, len(page))
    suffix = html.escape("&".join(f"{quote(n, safe='')}={quote(v, safe='')}" for n, v in params))
    added = {_QUERY: f"?{suffix}".encode(), _AMP: f"&amp;{suffix}".encode()}
    added[_HIDDEN] = hidden_inputs(params).encode()
    out = []
    for item in plan:
        if isinstance(item, bytes):
            out.append(item)
        elif isinstance(item, int):
            out.append(added[item])
        else:  # an internal URL that needs the careful treatment
            out.append(html.escape(add_params(item, params), quote=True).encode(codec))
    return b"".join(out)


def _plan(
    page: bytes, host: str, scheme: str, names: tuple[bytes, ...], codec: str
) -> list[bytes | int | str]:
    """Verbatim byte runs and markers saying where the parameters go."""
    plan: list[bytes | int | str] = []
    position = 0
    for match in _A_OR_FORM_BYTES.finditer(page):
        raw = match.group(4)
        if _PLAIN_LOCAL_BYTES.match(raw) and not any(n in raw for n in names):
            plan += [page[position : match.end(4)], _AMP if b"?" in raw else _QUERY]
        else:
            try:
                url = html.unescape(raw.decode(codec))
            except UnicodeDecodeError:
                continue
            if not is_internal(url, host, scheme=scheme):
                continue
            plan += [page[position : match.start(4)], url]
        position = match.end(4)
        if match.group(2) == b"form" and not _METHOD_POST_BYTES.search(match.group(0)):
            plan += [page[position : match.end()], _HIDDEN]
            position = match.end()
    plan.append(page[position:])
    return plan


# --- marking a page before encoding -------------------------------------------------
# The fastest path (used by carrier_compat.pipeline): while the page is still text, each
# internal <a>/<form> tag gets a control character where the parameters belong (found
# during the same scan as the CSS inlining, and remembered per distinct tag); the page
# is encoded once; the marks are then replaced by the shopper's parameters in bytes.
# XML forbids these control characters, so a page that has them takes the slow path.
# One control character per kind of mark; a URL needing the careful treatment is
# wrapped between MARK_URL and MARK_URL_END. Single-byte marks matter: finding and
# replacing one byte runs at memchr speed, a two-byte needle is many times slower.
MARK_QUERY, MARK_AMP, MARK_HIDDEN, MARK_URL, MARK_URL_END = "\x01", "\x02", "\x03", "\x04", "\x05"
_MARKS = (MARK_QUERY, MARK_AMP, MARK_HIDDEN, MARK_URL, MARK_URL_END)
LINK_TAGS = frozenset({"a", "form"})
_MARK_MEMO_LIMIT = 4096


def can_mark(page: str) -> bool:
    """True if *page* holds none of the mark characters (true for every XML page)."""
    # One `in` per character: a memchr-speed search each, far cheaper than a regex.
    return not any(mark in page for mark in _MARKS)


class LinkMarker:
    """Marks where the parameters go in one ``<a>``/``<form>`` start tag at a time.

    The same contract as :func:`rewrite_links`: plain site-absolute paths get a
    ``?``/``&amp;`` mark, other internal URLs are wrapped (still escaped) for
    :func:`fill_marks` to treat carefully, anything not certainly internal is left as
    it is, and internal GET forms get a hidden-inputs mark after the tag.
    """

    def __init__(self, param_names: tuple[str, ...], host: str, scheme: str) -> None:
        self.names = tuple(f"{quote(n, safe='')}=" for n in param_names)
        self.host = host
        self.scheme = scheme
        self._memo: dict[str, str] = {}

    def mark(self, tag: str) -> str:
        """*tag* with its marks (remembered per distinct tag text)."""
        marked = self._memo.get(tag)
        if marked is None:
            marked = self._mark(tag)
            if len(self._memo) < _MARK_MEMO_LIMIT:
                self._memo[tag] = marked
        return marked

    def _mark(self, tag: str) -> str:
        match = _A_OR_FORM.fullmatch(tag)
        if match is None:
            return tag
        raw = match.group(4)
        if _PLAIN_LOCAL.match(raw) is not None and not any(n in raw for n in self.names):
            new_raw = raw + (MARK_AMP if "?" in raw else MARK_QUERY)
        elif is_internal(html.unescape(raw), self.host, scheme=self.scheme):
            new_raw = f"{MARK_URL}{raw}{MARK_URL_END}"
        else:
            return tag
        marked = f"{match.group(1)}{new_raw}{match.group(5)}"
        if match.group(2) == "form" and not _METHOD_POST.search(tag):
            marked += MARK_HIDDEN
        return marked


_markers: dict[tuple[tuple[str, ...], str, str], LinkMarker] = {}


def link_marker(param_names: tuple[str, ...], host: str, scheme: str) -> LinkMarker:
    """The shared :class:`LinkMarker` for these parameter names, host and scheme."""
    key = (param_names, host, scheme)
    marker = _markers.get(key)
    if marker is None:
        if len(_markers) >= 64:
            _markers.clear()
        marker = _markers[key] = LinkMarker(param_names, host, scheme)
    return marker


_A_OR_FORM_TAG = re.compile(r"<(?:a|form)\s[^>]*>")


def mark_links(page: str, marker: LinkMarker) -> str:
    """*page* with every ``<a>``/``<form>`` start tag marked (no CSS to apply)."""
    return _A_OR_FORM_TAG.sub(lambda m: marker.mark(m.group()), page)


def fill_marks(body: bytes, params: Params, codec: str) -> bytes:
    """An encoded, marked page with the marks replaced by *params* (ASCII)."""
    suffix = html.escape("&".join(f"{quote(n, safe='')}={quote(v, safe='')}" for n, v in params))
    added = {
        MARK_QUERY.encode(): f"?{suffix}".encode(),
        MARK_AMP.encode(): f"&amp;{suffix}".encode(),
        MARK_HIDDEN.encode(): hidden_inputs(params).encode(),
    }
    if MARK_URL.encode() in body:
        body = _fill_urls(body, params, codec)
    for mark, value in added.items():
        body = body.replace(mark, value)
    return body


def _fill_urls(body: bytes, params: Params, codec: str) -> bytes:
    """Wrapped URLs the careful way, as rewrite_links treats them."""
    parts = body.split(MARK_URL.encode())
    out = [parts[0]]
    for part in parts[1:]:
        raw, _, rest = part.partition(MARK_URL_END.encode())
        url = html.unescape(raw.decode(codec))
        out += (html.escape(add_params(url, params), quote=True).encode(codec), rest)
    return b"".join(out)
