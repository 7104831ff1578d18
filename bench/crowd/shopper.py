"""One shopper of the surge, through the pages as a handset or a smartphone sees them.

A docomo handset (i-mode browser 1.0) keeps no cookies: it follows the links and form
actions of the pages, which carry its session key, and sends its forms in Shift_JIS. A
smartphone keeps cookies and sends UTF-8. ``urllib`` follows redirects (a POST answered
with a redirect continues as a GET, as a browser does).
"""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from html import unescape
from http.cookiejar import CookieJar
from urllib.parse import urlencode, urljoin, urlsplit

from bench.crowd.shop import SURGE_PREFIX, MailSink, Shop

DOCOMO_UA = "DoCoMo/2.0 SH902i(c100;TB;W24H16)"
SMARTPHONE_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")
LINK = re.compile(r'href="([^"]+)"')
FORM = re.compile(r'<form[^>]*action="([^"]*)"[^>]*method="post"[^>]*>(.*?)</form>', re.S)
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
OPTION = re.compile(r'<option value="(\d+)"(?! disabled)[^>]*>[^<（]*</option>')
CONFIRM_URL = re.compile(r"https?://\S+/order/confirm/[A-Za-z0-9_-]+")
BUYER = {"name": "山田 太郎", "kana": "ヤマダ タロウ", "tel": "09012345678", "zip_code": "1046022"}
ADDRESS = {"address": "東京都中央区晴海1-8-10"}
ADDRESS_PARTS = {"pref": "東京都", "city": "中央区", "street": "晴海1-8-10", "building": ""}
OPTIONS = {"date": "", "time": "", "wrapping": "", "note": "", "payment": "cod"}


class PageError(Exception):
    """A page that is not what a shopper expects (an error status, a missing form)."""


@dataclass
class Page:
    url: str
    text: str

    def links(self, pattern: str) -> list[str]:
        return [unescape(h) for h in LINK.findall(self.text) if re.search(pattern, h)]

    def form(self, action: str) -> tuple[str, dict[str, str], str] | None:
        """(action, hidden fields, inner markup) of the first POST form to ``action``."""
        for found in FORM.finditer(self.text):
            if action in found.group(1):
                fields = {unescape(n): unescape(v) for n, v in HIDDEN.findall(found.group(2))}
                return unescape(found.group(1)), fields, found.group(2)
        return None


@dataclass
class Outcome:
    email: str
    timings: list[tuple[str, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    placed: bool = False
    confirmed: bool = False
    sold_out: int = 0


class Browser:
    """A handset or a smartphone: its User-Agent, charset and (for smartphones) cookies."""

    def __init__(self, base: str, docomo: bool, outcome: Outcome) -> None:
        self.base, self.docomo, self.outcome = base, docomo, outcome
        handlers = [] if docomo else [urllib.request.HTTPCookieProcessor(CookieJar())]
        self.opener = urllib.request.build_opener(*handlers)
        self.user_agent = DOCOMO_UA if docomo else SMARTPHONE_UA

    def get(self, url: str, step: str) -> Page:
        return self._open(urllib.request.Request(self._absolute(url)), step)

    def post(self, url: str, fields: dict[str, str], step: str) -> Page:
        body = urlencode(fields, encoding="cp932" if self.docomo else "utf-8").encode("ascii")
        request = urllib.request.Request(self._absolute(url), data=body, headers={
            "Content-Type": "application/x-www-form-urlencoded"})
        return self._open(request, step)

    def _absolute(self, url: str) -> str:
        parts = urlsplit(url)  # a mailed link names the shop's host: stay on this server
        return urljoin(self.base, parts.path + (f"?{parts.query}" if parts.query else ""))

    def _open(self, request: urllib.request.Request, step: str) -> Page:
        request.add_header("User-Agent", self.user_agent)
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=60) as answer:
                raw, final, content_type = answer.read(), answer.url, answer.headers
        except urllib.error.HTTPError as error:
            raise PageError(f"{step}: HTTP {error.code} for {request.full_url}") from None
        self.outcome.timings.append((step, time.perf_counter() - started))
        charset = content_type.get_content_charset() or "utf-8"
        return Page(final, raw.decode("cp932" if charset.lower() == "shift_jis" else charset))


def shop_visit(shop: Shop, sink: MailSink, n: int, *, buys: bool, docomo: bool,
               pick: float, scarce: bool = False) -> Outcome:
    """Top → shelf → product → cart; a buyer goes on through the guest checkout and the
    mailed confirmation link; ``scarce``: the product is the scarce one. Errors are
    recorded in the outcome, never raised."""
    domain = "docomo.ne.jp" if docomo else "example.jp"
    outcome = Outcome(email=f"{SURGE_PREFIX}{n:06d}@{domain}")
    browser = Browser(shop.url, docomo, outcome)
    try:
        cart = browse_and_add(browser, shop, scarce=scarce, pick=pick)
        if cart is not None and buys:
            buy(browser, cart, shop, sink, outcome)
    except (PageError, AssertionError, OSError) as error:
        outcome.errors.append(f"shopper {n} ({'docomo' if docomo else 'smartphone'}): {error}")
    return outcome


def choose(options: list[str], pick: float, what: str) -> str:
    if not options:
        raise PageError(f"no {what} link")
    return options[int(pick * len(options)) % len(options)]


def browse_and_add(browser: Browser, shop: Shop, *, scarce: bool, pick: float) -> Page | None:
    """Browse to a product and put one in the cart: the cart page, or None if the
    product was sold out."""
    top = browser.get("/", "top")
    shelf = browser.get(choose(top.links(r"/shelf/\d+"), pick, "shelf"), "shelf")
    target = choose(shelf.links(r"/product/\d+(\?|$)"), pick, "product")
    if scarce:  # came for the scarce product (the mail's link)
        target = re.sub(r"/product/\d+", f"/product/{shop.scarce_product_id}", target)
    product = browser.get(target, "product")
    form = product.form("/cart/add")
    if form is None:
        if "在庫切れ" not in product.text:
            raise PageError(f"product: no cart form on {product.url}")
        browser.outcome.sold_out += 1
        return None
    action, fields, inner = form
    if "variant_id" not in fields:
        variants = OPTION.findall(inner.split('name="quantity"')[0])
        fields["variant_id"] = choose(variants, pick, "variant")
    cart = browser.post(action, fields | {"quantity": "1"}, "cart_add")
    if "/cart" not in urlsplit(cart.url).path:
        if "在庫が不足しています" not in cart.text:
            raise PageError(f"cart_add: ended on {cart.url}")
        browser.outcome.sold_out += 1  # the last units went while the page was open
        return None
    return cart


def buy(browser: Browser, cart: Page, shop: Shop, sink: MailSink, outcome: Outcome) -> None:
    """The guest checkout from the cart, then the mailed link (注文を確定する)."""
    start = browser.get(choose(cart.links(r"/checkout(\?|$)"), 0, "checkout"), "checkout")
    info = browser.get(choose(start.links(r"/checkout/guest"), 0, "guest"), "checkout")
    person = BUYER | {"email": outcome.email, "same": "1"}
    person |= ADDRESS if browser.docomo else ADDRESS_PARTS
    options = submit(browser, info, "/checkout/info", person, "checkout")
    confirm = submit(browser, options, "/checkout/options", OPTIONS, "checkout")
    done = submit(browser, confirm, "/checkout/place", {}, "place")
    if "/checkout/done" not in done.url:
        if "在庫" in done.text:  # the last units went to someone else meanwhile
            outcome.sold_out += 1
            return
        raise PageError(f"place: ended on {done.url}")
    outcome.placed = True
    mail = sink.wait_for(outcome.email, shop.guest_subject)
    link = CONFIRM_URL.search(mail.get_body(preferencelist=("plain",)).get_content())
    if link is None:
        raise PageError("confirmation mail without a link")
    reader = Browser(shop.url, browser.docomo, outcome)  # the mail app opens a new browser
    shown = reader.get(link.group(0), "confirm_link")
    finished = submit(reader, shown, "/order/confirm/", {}, "confirm_link")
    if "注文完了" not in finished.text:
        raise PageError(f"confirm_link: not confirmed ({finished.url})")
    outcome.confirmed = True


def submit(browser: Browser, page: Page, action: str, data: dict[str, str],
           step: str) -> Page:
    form = page.form(action)
    if form is None:
        raise PageError(f"{step}: no form to {action} on {page.url}")
    target, fields, _ = form
    return browser.post(target, fields | data, step)
