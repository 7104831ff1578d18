"""Shared test helpers for the storefront: a small shop, a handset that fills forms.

``seed_shop(app)`` makes a shop with the demo's mail templates, one shelf and a few
products with images. ``Shopper`` wraps :class:`tests.keitai.KeitaiClient` and submits
the forms it finds on the page it is looking at (action URL with the session key, the
CSRF token), checking every page is valid XHTML-MP in the carrier's charset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from pathlib import Path

from PIL import Image

from ktaishop.demo.data import TEMPLATES
from ktaishop.extensions import db
from models import MailTemplate, Product, Shelf, ShopSettings, Variant
from tests.html5 import validate_html5
from tests.keitai import KeitaiClient, KeitaiPage
from tests.xhtml_mp import validate_xhtml_mp

DOCOMO_UA = "DoCoMo/2.0 SH902i(c100;TB;W24H16)"
AU_UA = "KDDI-SN3F UP.Browser/6.2.0.13.2 (GUI) MMP/2.0"
SOFTBANK_UA = "SoftBank/1.0/911SH/SHJ001/SN359401000000000 Browser/NetFront/3.4 Profile/MIDP-2.0"
IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
PC_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120 Safari/537.36"
PASSWORD = "secret-pass-1"

BUYER = {
    "name": "山田 太郎",
    "kana": "やまだ たろう",  # hiragana on purpose: the shop stores katakana
    "tel": "090-1234-5678",
    "email": "taro..yamada.@docomo.ne.jp",  # docomo's non-RFC local part
    "zip_code": "104-6022",
    "address": "東京都中央区晴海1-8-10",
}


@dataclass
class Catalog:
    shelf_id: int
    product_id: int  # with sizes S/M, 2 images
    variant_id: int  # size M
    plain_id: int  # no options, 1 image
    plain_variant_id: int


def seed_shop(app, *, stock: int = 10) -> Catalog:
    """A shop with templates, settings and two products (one with sizes and 2 images)."""
    image_dir = Path(app.config["IMAGE_DIR"])
    image_dir.mkdir(parents=True, exist_ok=True)
    for name, colour in (("a.png", "#cc3366"), ("b.png", "#3366cc")):
        Image.new("RGB", (600, 400), colour).save(image_dir / name)
    with app.app_context():
        settings = ShopSettings.load(db.session)
        settings.shop_name = "テスト商店"
        settings.seller = "株式会社テスト"
        settings.tel = "03-0000-0000"
        settings.mail_from = "shop@ktaishop.example"
        for kind, subject, body in TEMPLATES:
            db.session.add(MailTemplate(kind=kind, subject=subject, body=body))
        shelf = Shelf(name="Tシャツ", position=0)
        shirt = Product(code="T001", name="白Tシャツ", price=1980, priority=10, shelves=[shelf],
                        description="綿100%\n着心地◎", image1="a.png", image2="b.png",
                        option_axes=[{"name": "サイズ", "values": ["S", "M"]}])
        shirt.variants = [Variant(option_text="サイズ:S", stock=stock, position=0),
                          Variant(option_text="サイズ:M", stock=stock, position=1)]
        mug = Product(code="M001", name="マグカップ", price=1200, priority=5, shelves=[shelf],
                      image1="a.png")
        mug.variants = [Variant(option_text="", stock=stock)]
        db.session.add_all([shelf, shirt, mug])
        db.session.commit()
        return Catalog(shelf.id, shirt.id, shirt.variants[1].id, mug.id, mug.variants[0].id)


# The forms a shopper posts (the search box on every page is a GET form).
FORM = re.compile(r'<form[^>]*action="([^"]*)"[^>]*method="post"[^>]*>(.*?)</form>', re.S)
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


class Shopper:
    """A handset walking the shop; every 200 page is checked: XHTML-MP for keitai, and
    the HTML5 face's rules (tests/html5.py) for smartphones, ガラホ and PCs."""

    def __init__(self, app, user_agent: str, *, cookies: bool = False, **kwargs) -> None:
        self.client = KeitaiClient(app, user_agent, cookies=cookies, **kwargs)
        self.pages: list[KeitaiPage] = []

    @property
    def carrier(self):
        return self.client.carrier

    def _check(self, page: KeitaiPage) -> KeitaiPage:
        if page.status == 200 and "html" in page.headers.get("Content-Type", ""):
            (validate_xhtml_mp if self.carrier.is_keitai else validate_html5)(page.raw)
            assert page.charset == self.carrier.charset, page.headers
            self.pages.append(page)
        return page

    def get(self, url: str, *, follow: bool = True) -> KeitaiPage:
        page = self._check(self.client.get(url))
        while follow and page.status in (301, 302, 303):
            page = self._check(self.client.follow(page))
        return page

    def submit(self, page: KeitaiPage, data: dict[str, str], *, form: int = 0,
               action_contains: str = "", follow: bool = True) -> KeitaiPage:
        """Post ``data`` plus the form's hidden fields (CSRF token...) to one of its forms."""
        forms = [f for f in FORM.finditer(page.text) if action_contains in f.group(1)]
        assert forms, f"no form with {action_contains!r} on the page:\n{page.text}"
        chosen = forms[form]
        fields = {unescape(n): unescape(v) for n, v in HIDDEN.findall(chosen.group(2))}
        fields.update(data)
        action = unescape(chosen.group(1))
        response = self._check(self.client.post(action, fields))
        while follow and response.status in (301, 302, 303):
            response = self._check(self.client.follow(response))
        return response


def link_to(page: KeitaiPage, contains: str) -> str:
    links = [link for link in page.links() if contains in link]
    assert links, f"no link containing {contains!r}:\n{page.text}"
    return links[0]


def mail_text(received) -> str:
    message = received.message
    part = message.get_body(preferencelist=("plain",))
    return part.get_content()


def url_in(text: str, path: str) -> str:
    match = re.search(rf"https?://[^\s]+{re.escape(path)}[^\s]*", text)
    assert match, f"no URL with {path!r} in:\n{text}"
    return match.group(0)


def deliver_mail(app, smtp_server, count: int) -> list:
    """Send what the outbox holds through the real SMTP server; wait for ``count``."""
    from ktaishop.mail.worker import deliver_due

    deliver_due(app)
    received = smtp_server.wait_for(count)
    assert len(received) >= count, f"expected {count} mails, got {len(received)}"
    return received
