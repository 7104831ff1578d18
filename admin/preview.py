"""Handset preview: any storefront page as docomo, au, SoftBank or a smartphone sees it.

The page is fetched inside the process with ``app.test_client()`` and a real User-Agent
of that carrier, then shown in a sandboxed iframe (``srcdoc``: no scripts, no access to
the admin) with its byte weight against ``carrier_compat.detect(environ).page_limit_bytes``.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from flask import current_app, render_template, request, url_for
from werkzeug.routing import BuildError
from werkzeug.test import EnvironBuilder

from carrier_compat import Carrier, CarrierCompatError, detect
from ktaishop.security import csp_nonce

from . import bp

# Real handsets of the era, one per carrier (model, User-Agent).
HANDSETS: dict[str, tuple[str, str]] = {
    "docomo": ("docomo SH902i（i-mode ブラウザ1.0）", "DoCoMo/2.0 SH902i(c100;TB;W24H16)"),
    "docomo2": ("docomo P-07A（i-mode ブラウザ2.0）", "DoCoMo/2.0 P07A3(c500;TB;W24H15)"),
    "au": ("au W61S", "KDDI-SN3F UP.Browser/6.2.0.13.2 (GUI) MMP/2.0"),
    "softbank": ("SoftBank 910T", "SoftBank/1.0/910T/TJ001/SN123456789012345 "
                 "Browser/NetFront/3.3 Profile/MIDP-2.0 Configuration/CLDC-1.1"),
    "smartphone": ("iPhone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) "
                   "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 "
                   "Safari/604.1"),
}
CHARSET = re.compile(r"charset=([A-Za-z0-9_\-]+)", re.I)
PYTHON_CODECS = {"shift_jis": "cp932", "sjis": "cp932", "x-sjis": "cp932"}


@dataclass
class Preview:
    status: int
    content_type: str
    size: int
    limit: int
    text: str
    location: str | None
    screen_width: int
    image_bytes: int = 0

    @property
    def ratio(self) -> float:
        return self.size / self.limit if self.limit else 0.0

    @property
    def over(self) -> bool:
        return self.size > self.limit


def storefront_path(endpoint: str, **values: object) -> str | None:
    """The path of a storefront page, or None while that page does not exist."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


@bp.context_processor
def _preview_helpers() -> dict:
    return {"storefront_path": storefront_path, "frame_document": frame_document}


def clean_path(path: str) -> str | None:
    """Only a path of this site outside the admin (no scheme, host or ``//``)."""
    path = path.strip() or "/"
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return None
    if path == "/admin" or path.startswith(("/admin/", "/admin?")):
        return None
    return path


def _get(path: str, user_agent: str):
    """The storefront's response, from a request made inside this process.

    It runs in this thread, so it shares (and at its end removes) this request's
    database session: on SQLite it never waits for a lock this request holds.
    """
    client = current_app.test_client(use_cookies=False)
    return client.get(path, base_url=current_app.config["BASE_URL"],
                      headers={"User-Agent": user_agent})


# The sandboxed srcdoc frame inherits the admin page's CSP; the shop's own <style>
# elements in it get this response's nonce (the shop's pages carry no scripts).
STYLE_TAG = re.compile(r"<style(?=[\s>])", re.I)
IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]+)(")', re.I)
MAX_INLINE_IMAGE = 512 * 1024


def inline_images(text: str, user_agent: str) -> tuple[str, int]:
    """Put the page's images in it as data: URLs, fetched as the handset gets them.

    The sandboxed frame has no origin of its own, so it could not load admin-only
    URLs; inlined, the preview shows exactly the scaled files the handset receives.
    Returns the new text and the images' total bytes.
    """
    total = 0
    cache: dict[str, str] = {}

    def swap(match: re.Match[str]) -> str:
        nonlocal total
        src = match.group(2).replace("&amp;", "&")
        if clean_path(src) is None:
            return match.group(0)
        if src not in cache:
            response = _get(src, user_agent)
            data = response.get_data()
            if response.status_code != 200 or len(data) > MAX_INLINE_IMAGE \
                    or not response.mimetype.startswith("image/"):
                return match.group(0)
            total += len(data)
            cache[src] = f"data:{response.mimetype};base64,{base64.b64encode(data).decode()}"
        return f"{match.group(1)}{cache[src]}{match.group(3)}"

    return IMG_SRC.sub(swap, text), total


def fetch(path: str, user_agent: str) -> Preview:
    """GET ``path`` as the handset with ``user_agent`` and measure what it received."""
    environ = EnvironBuilder(path=path, base_url=current_app.config["BASE_URL"],
                             headers={"User-Agent": user_agent}).get_environ()
    carrier = detect(environ)
    response = _get(path, user_agent)
    body = response.get_data()
    content_type = response.headers.get("Content-Type", "")
    location = response.headers.get("Location")
    text = decode_page(body, content_type, carrier)
    return Preview(response.status_code, content_type, len(body),
                   int(carrier.page_limit_bytes), text, location, int(carrier.screen_width))


def decode_page(body: bytes, content_type: str, carrier: Carrier) -> str:
    """The page as text with standard Unicode emoji: the handset's own decoding turns its
    carrier's emoji codes (private-use characters, empty boxes on a PC) back into emoji.
    Bytes the carrier's decoding refuses are read in the declared charset instead."""
    try:
        return carrier.decode(body)
    except CarrierCompatError:
        match = CHARSET.search(content_type)
        charset = match.group(1).lower() if match else "utf-8"
        return body.decode(PYTHON_CODECS.get(charset, charset), errors="replace")


# The frame's default face: a handset shows Japanese in a gothic (sans-serif) font and
# its emoji as pictures; a PC browser's default for an unstyled page is a serif font.
# Rules of the page itself still win (this is the lowest-specificity rule there is).
FRAME_STYLE = ('html{font-family:"Hiragino Kaku Gothic ProN","Noto Sans CJK JP",'
               'Meiryo,sans-serif,"Apple Color Emoji","Noto Color Emoji","Segoe UI Emoji"}')
HEAD = re.compile(r"<head\b[^>]*>", re.I)


def frame_document(text: str) -> str:
    """What the preview frame shows: the page with ``FRAME_STYLE`` at the top of its head
    (with this response's nonce: the frame inherits the admin page's CSP)."""
    style = f'<style nonce="{csp_nonce()}">{FRAME_STYLE}</style>'
    match = HEAD.search(text)
    if match is None:
        return style + text
    return text[:match.end()] + style + text[match.end():]


@bp.route("/preview")
def preview():
    """?path=/product/1&carrier=docomo — the page, its weight and the carrier's limit."""
    carrier = request.args.get("carrier", "docomo")
    if carrier not in HANDSETS:
        carrier = "docomo"
    raw_path = request.args.get("path", "/")
    path = clean_path(raw_path)
    result = error = None
    if path is None:
        error = ("プレビューできるのはショップ（携帯サイト）のページだけです。"
                 "/ で始まるパスを入力してください。")
    else:
        result = fetch(path, HANDSETS[carrier][1])
        result.text, result.image_bytes = inline_images(result.text, HANDSETS[carrier][1])
        result.text = STYLE_TAG.sub(f'<style nonce="{csp_nonce()}"', result.text)
    return render_template("admin/preview/preview.html", handsets=HANDSETS, carrier=carrier,
                           path=path or raw_path, result=result, error=error)

