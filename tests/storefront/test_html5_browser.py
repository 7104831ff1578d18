"""The HTML5 face in Chromium: an iPhone guest, an Android member, a ガラホ on its keys, a PC.

Every page of each purchase is checked as a shopper meets it (tests/storefront/browser.py):
axe-core finds nothing serious or critical, every tap target is at least 24x24 px, the
primary buttons at least 44 px tall and no input is small enough for iOS to zoom into.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path

import zxingcpp
from PIL import Image, ImageChops, ImageFilter
from sqlalchemy import select

from ktaishop.extensions import db
from models import Member, Order, OrderStatus

from .browser import ANDROID, GARAHO, IPHONE, PC, check_page, open_device
from .shop import PASSWORD, deliver_mail, mail_text, seed_shop, url_in

BUYER_FIELDS = {"#f-name": "山田 太郎", "#f-kana": "ヤマダ タロウ", "#f-tel": "09012345678",
                "#f-email": "taro@example.com"}
MEMBER_EMAIL = "hanako@example.com"


def go(page, action) -> None:
    """Do ``action`` (a tap, a press of Enter) and wait for the page it leads to."""
    with page.expect_navigation():
        action()


def test_iphone_guest_searches_fills_the_address_from_the_postcode_and_buys(
        app, live_server, browser, smtp_server):
    catalog = seed_shop(app)
    app.config["MAIL_URL"] = smtp_server.url
    page = open_device(browser, IPHONE)
    page.goto(f"{live_server.url}/")
    page.wait_for_function("[...document.querySelectorAll('ul.grid img')]"
                           ".every(i => i.complete && i.naturalWidth > 0)")
    assert page.locator("ul.grid img").count() >= 2  # photos on the top page
    assert "fmt=webp" in page.eval_on_selector("ul.grid img", "i => i.currentSrc")
    check_page(page)

    page.fill("#search-q", "てぃーしゃつ")
    go(page, lambda: page.press("#search-q", "Enter"))
    assert page.locator("ul.grid .name").all_inner_texts() == ["白Tシャツ"]
    check_page(page)
    go(page, lambda: page.tap("ul.grid a.card"))
    assert page.locator("h1").inner_text() == "白Tシャツ"
    page.select_option("#f-variant", label="サイズ:M")
    check_page(page)
    go(page, lambda: page.tap("button.primary"))
    assert "カート(1)" in page.inner_text("header")
    check_page(page)
    go(page, lambda: page.tap("text=購入手続きへ"))
    check_page(page)
    go(page, lambda: page.tap("text=ゲスト購入"))

    assert _form_hints(page) == {
        "name": ("text", "name", ""), "kana": ("text", "", ""), "tel": ("tel", "tel", ""),
        "email": ("email", "email", ""), "zip_code": ("text", "postal-code", "numeric"),
        "pref": ("select-one", "address-level1", ""), "city": ("text", "address-level2", ""),
        "street": ("text", "address-line1", ""), "building": ("text", "address-line2", ""),
    }
    for selector, value in BUYER_FIELDS.items():
        page.fill(selector, value)
    page.fill("#f-zip_code", "１００-０００１")  # as a phone's keyboard may type it
    page.wait_for_function("document.querySelector('#f-city').value === '千代田区'")
    assert page.input_value("#f-pref") == "東京都" and page.input_value("#f-street") == "千代田"
    assert "住所を入力しました" in page.inner_text(".zip-status")
    page.type("#f-street", "1-1")  # the cursor waits after the 町域
    page.fill("#f-building", "皇居ビル101")
    check_page(page)
    go(page, lambda: page.tap("button.primary"))
    check_page(page)
    go(page, lambda: page.tap("button.primary"))  # 代引き, no date
    assert "〒100-0001 東京都千代田区千代田1-1 皇居ビル101" in page.inner_text("main")
    check_page(page)
    go(page, lambda: page.tap("input[value=注文する]"))
    assert "仮注文を受け付けました" in page.inner_text("h1")
    check_page(page)

    link = url_in(mail_text(deliver_mail(app, smtp_server, 1)[0]), "/order/confirm/")
    page.goto(live_server.url + link.split("127.0.0.1:5000", 1)[1])
    check_page(page)
    go(page, lambda: page.tap("input[value=注文を確定する]"))
    with app.app_context():
        order = db.session.scalar(select(Order))
        assert order.status == OrderStatus.COMPLETED and order.carrier == "smartphone"
        assert order.purchaser_address == "東京都千代田区千代田1-1 皇居ビル101"
        assert [i.variant_id for i in order.items] == [catalog.variant_id]


def _form_hints(page) -> dict[str, tuple[str, str, str]]:
    """name -> (type, autocomplete, inputmode) of every control a shopper fills in."""
    controls = page.eval_on_selector_all(
        "form[method=post] input:not([type=hidden]):not([type=radio]), form[method=post] select",
        "cs => cs.map(c => ({name: c.name, type: c.type,"
        " autocomplete: c.getAttribute('autocomplete') || '',"
        " inputmode: c.getAttribute('inputmode') || ''}))")
    return {c["name"]: (c["type"], c["autocomplete"], c["inputmode"]) for c in controls}


def make_member(app) -> None:
    with app.app_context():
        member = Member(email=MEMBER_EMAIL, name="鈴木 花子", kana="スズキ ハナコ",
                        tel="0312345678", zip_code="1046022",
                        address="東京都中央区晴海1-8-10 トリトン", carrier="pc",
                        email_verified_at=datetime(2026, 1, 1))
        member.set_password(PASSWORD)
        db.session.add(member)
        db.session.commit()


def test_android_member_logs_in_at_checkout_and_pays_by_card(app, live_server, browser):
    catalog = seed_shop(app)
    make_member(app)
    page = open_device(browser, ANDROID)
    page.goto(f"{live_server.url}/product/{catalog.plain_id}")
    go(page, lambda: page.tap("button.primary"))
    go(page, lambda: page.tap("text=購入手続きへ"))
    go(page, lambda: page.tap("text=ログインして購入"))
    assert _form_hints(page)["password"] == ("password", "current-password", "")
    check_page(page)
    page.fill("#f-email", MEMBER_EMAIL)
    page.fill("#f-password", PASSWORD)
    go(page, lambda: page.tap("button.primary"))
    # The member's one stored 住所 comes back in its parts.
    assert [page.input_value(f"#f-{n}") for n in ("pref", "city", "street", "building")] == [
        "東京都", "中央区", "晴海1-8-10", "トリトン"]
    check_page(page)
    go(page, lambda: page.tap("button.primary"))
    page.tap("text=クレジットカード")
    check_page(page)
    go(page, lambda: page.tap("button.primary"))
    assert _form_hints(page)["card_number"] == ("text", "cc-number", "numeric")
    check_page(page)
    page.fill("#f-card_number", "4111 1111 1111 1111")
    page.select_option("#f-exp_year", str(datetime.now().year + 3))
    page.fill("#f-holder", "HANAKO SUZUKI")
    go(page, lambda: page.tap("button.primary"))
    assert "末尾1111" in page.inner_text("main")
    check_page(page)
    go(page, lambda: page.tap("input[value=注文する]"))
    assert "注文完了" in page.inner_text("h1")
    check_page(page)
    with app.app_context():
        order = db.session.scalar(select(Order))
        assert order.status == OrderStatus.COMPLETED and order.payment_method == "card"
        assert order.recipient_address == "東京都中央区晴海1-8-10 トリトン"


def press_tab_to(page, selector: str, limit: int = 80) -> None:
    """Tab until ``selector`` has the focus, as a keypad's down key does; the focus must
    show on everything it passes."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        outline = page.evaluate("() => { const s = getComputedStyle(document.activeElement);"
                                " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }")
        assert outline[0] != "none" and outline[1] >= 2, "the focus is not visible"
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} is not reachable with the Tab key")


def keys_go(page, selector: str) -> None:
    press_tab_to(page, selector)
    go(page, lambda: page.keyboard.press("Enter"))


def test_garaho_buys_with_the_keys_alone_and_the_address_button_without_script(
        app, live_server, browser):
    seed_shop(app)
    page = open_device(browser, GARAHO)
    # Without the shop's script (the tests still evaluate their own in the page).
    page.route(re.compile(r"/assets/shop\.js(\?|$)"), lambda route: route.abort())
    page.goto(f"{live_server.url}/")
    assert page.inner_text("a[accesskey='1']") == "[1]Tシャツ"  # the keypad's keys, kept
    check_page(page)
    keys_go(page, "a.card[href$='/product/2']")  # マグカップ
    press_tab_to(page, "#f-quantity")
    page.keyboard.press("ArrowDown")  # 2
    keys_go(page, "button.primary")
    assert page.get_attribute("a.button.primary", "accesskey") == "5"
    check_page(page)
    keys_go(page, "a.button.primary")
    keys_go(page, "a[href$='/checkout/guest']")
    for selector, value in BUYER_FIELDS.items():
        press_tab_to(page, selector)
        page.keyboard.type(value)
    press_tab_to(page, "#f-zip_code")
    page.keyboard.type("1000001")
    keys_go(page, "button[name=zip_lookup]")  # no script: the page comes back filled
    assert page.input_value("#f-name") == "山田 太郎" and page.locator(".err").count() == 0
    assert [page.input_value(f"#f-{n}") for n in ("pref", "city", "street")] == [
        "東京都", "千代田区", "千代田"]
    check_page(page)
    press_tab_to(page, "#f-street")
    page.keyboard.press("End")
    page.keyboard.type("1-1")
    keys_go(page, "button.primary")
    check_page(page)
    keys_go(page, "button.primary")
    assert "マグカップ" in page.inner_text("main") and "×2" in page.inner_text("main")
    keys_go(page, "input[value=注文する]")
    assert "仮注文を受け付けました" in page.inner_text("h1")
    with app.app_context():
        order = db.session.scalar(select(Order))
        assert order.purchaser_address == "東京都千代田区千代田1-1"
        assert sum(i.quantity for i in order.items) == 2


def decoded_qr(locator) -> str:
    image = Image.open(io.BytesIO(locator.screenshot()))
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1, "no QR code found"
    return found[0].text


def test_pc_pages_show_qr_codes_of_the_shop_and_of_the_product(app, live_server, browser):
    catalog = seed_shop(app)
    page = open_device(browser, PC)
    page.goto(f"{live_server.url}/")
    assert decoded_qr(page.locator("footer .qr svg")) == "http://127.0.0.1:5000/"
    check_page(page)
    page.goto(f"{live_server.url}/product/{catalog.product_id}")
    assert decoded_qr(page.locator(".photos .qr svg")) == (
        f"http://127.0.0.1:5000/product/{catalog.product_id}")
    assert page.locator("footer .qr").count() == 0  # one code a page
    check_page(page)
    phone = open_device(browser, IPHONE)
    phone.goto(f"{live_server.url}/product/{catalog.product_id}")
    assert phone.locator(".qr").count() == 0  # a phone is already the phone


def photo_like(size: int = 800) -> Image.Image:
    """A picture that compresses like a photograph (gradients and grain), not a drawing."""
    shade = Image.radial_gradient("L").resize((size, size))
    grain = Image.effect_noise((size, size), 60).filter(ImageFilter.GaussianBlur(1.2))
    red = ImageChops.add(shade, grain, 1.0, -40)
    green = ImageChops.subtract(grain, shade, 1.0, 90)
    blue = Image.effect_noise((size, size), 40).filter(ImageFilter.GaussianBlur(2))
    return Image.merge("RGB", (red, green, blue))


def test_the_smartphone_top_page_weighs_under_200_kb_photos_included(demo_shop, live_server,
                                                                       browser):
    for drawing in Path(demo_shop.config["IMAGE_DIR"]).glob("demo-*.png"):
        photo_like().save(drawing)  # the demo's drawings compress far better than photos
    page = open_device(browser, IPHONE)
    responses = []
    page.on("requestfinished", lambda r: responses.append((r.url, r.sizes())))
    page.goto(f"{live_server.url}/", wait_until="networkidle")
    total = sum(s["responseBodySize"] + s["responseHeadersSize"] for _, s in responses)
    photos = [url for url, _ in responses if re.search(r"/image/\d+/1\?w=\d+&fmt=webp", url)]
    assert len(photos) >= 2
    assert total <= 200 * 1024, f"{total} bytes: {responses}"
