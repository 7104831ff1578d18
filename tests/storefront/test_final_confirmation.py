"""The 最終確認画面 (特定商取引法 第12条の6) on every carrier, tax per rate on the pages and
in the mail, the 特定商取引法 page in the same words, and the 販売期限."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import lxml.html
import pytest
from lxml import etree
from sqlalchemy import select

from ktaishop.extensions import db
from models import (
    CartLine,
    CheckoutDetails,
    Member,
    Order,
    PaymentMethod,
    Person,
    Product,
    ShopSettings,
    TaxRate,
    Variant,
    now,
    place_order,
)
from tests.keitai import KeitaiPage
from tests.mail_decoding import decode_mail_text

from .flows import COD_OPTIONS
from .shop import (
    AU_UA,
    BUYER,
    DOCOMO_UA,
    IPHONE_UA,
    PASSWORD,
    SOFTBANK_UA,
    Shopper,
    deliver_mail,
    link_to,
    seed_shop,
)

XHTML = "{http://www.w3.org/1999/xhtml}"
SALE_END = datetime(2099, 12, 31, 23, 59, 59)
TIMING = {"delivery": "ご注文確定から2営業日以内に発送",
          "cod": "商品お受け取り時に配達員へお支払い",
          "returns": "商品到着後7日以内・未開封に限り返品できます。"}

HANDSETS = [
    pytest.param(DOCOMO_UA, "taro@docomo.ne.jp", "docomo", "Shift_JIS", id="docomo"),
    pytest.param(AU_UA, "taro@ezweb.ne.jp", "au", "Shift_JIS", id="au"),
    pytest.param(SOFTBANK_UA, "taro@softbank.ne.jp", "softbank", "UTF-8", id="softbank"),
    pytest.param(IPHONE_UA, "taro@example.com", None, "UTF-8", id="smartphone"),
]


@dataclass
class Food:
    product_id: int
    variant_id: int


def add_food(app, *, sale_ends_at: datetime | None = SALE_END) -> Food:
    """A reduced-rate (8%) product with a 販売期限, and the shop's terms set in 設定."""
    with app.app_context():
        settings = ShopSettings.load(db.session)
        settings.guest_confirmation = False  # 注文完了 at once: the 受注確認 mail comes
        settings.delivery_timing, settings.payment_timing_cod = TIMING["delivery"], TIMING["cod"]
        settings.returns_summary = TIMING["returns"]
        settings.returns_policy = ("開封済みの食品は返品できません。\n"
                                   "不良品は送料当店負担で交換します。")
        settings.invoice_number = "T7000012050002"
        tea = Product(code="F001", name="緑茶ティーバッグ", price=540, tax_rate=TaxRate.REDUCED,
                      sale_ends_at=sale_ends_at, variants=[Variant(option_text="", stock=10)])
        db.session.add(tea)
        db.session.commit()
        return Food(tea.id, tea.variants[0].id)


def sections(page: KeitaiPage) -> dict[str, str]:
    """The page parsed as what it is (XHTML-MP on keitai, HTML5 on the smartphone face):
    each <h2> with the text up to the next <h2>, form or rule."""
    if page.raw.lstrip().startswith(b"<?xml"):
        root, ns = etree.fromstring(page.raw), XHTML
    else:
        root, ns = lxml.html.document_fromstring(page.raw), ""
    found: dict[str, str] = {}
    ends = {f"{ns}{tag}" for tag in ("h2", "form", "hr")}
    for heading in root.iter(f"{ns}h2"):
        texts, sibling = [], heading.getnext()
        while sibling is not None and sibling.tag not in ends:
            texts.append("".join(sibling.itertext()))
            sibling = sibling.getnext()
        found["".join(heading.itertext())] = "\n".join(texts)
    return found


def to_confirmation(phone: Shopper, catalog, food: Food, email: str) -> KeitaiPage:
    """Two teas (8%) and a mug (10%) in the cart, a guest's details, 代引き."""
    page = phone.get(f"/product/{food.product_id}")
    assert "販売期限：2099年12月31日 23:59まで" in page.text
    cart = phone.submit(page, {"variant_id": str(food.variant_id), "quantity": "2"},
                        action_contains="/cart/add")
    top = phone.get(next(link for link in cart.links() if link.split("?")[0] == "/"))
    mug = phone.get(link_to(top, f"/product/{catalog.plain_id}"))
    cart = phone.submit(mug, {"variant_id": str(catalog.plain_variant_id), "quantity": "1"},
                        action_contains="/cart/add")
    start = phone.get(link_to(cart, "/checkout"))
    info = phone.get(link_to(start, "/checkout/guest"))
    options = phone.submit(info, BUYER | {"email": email, "same": "1"})
    return phone.submit(options, COD_OPTIONS)


@pytest.mark.parametrize(("ua", "email", "mail_carrier", "charset"), HANDSETS)
def test_the_six_items_where_the_shopper_presses_order(app, smtp_server, ua, email,
                                                       mail_carrier, charset):
    catalog = seed_shop(app)
    food = add_food(app)
    app.config["MAIL_URL"] = smtp_server.url
    # Every page is checked: XHTML-MP valid, in the carrier's charset. The SH902i has no
    # cookies (its session travels in the URL); the others keep theirs in a cookie.
    phone = Shopper(app, ua, cookies=ua != DOCOMO_UA)
    confirm = to_confirmation(phone, catalog, food, email)
    assert confirm.charset == charset
    assert len(confirm.raw) <= phone.carrier.page_limit_bytes
    shown = sections(confirm)
    # 分量 and 価格: each line, the reduced-rate one marked ※.
    assert "緑茶ティーバッグ※\n540円×2＝1,080円" in shown["ご注文商品"]
    assert "マグカップ\n1,200円×1＝1,200円" in shown["ご注文商品"]
    # The total, and per rate the amount and the tax: 8% 1,080 (80); 10% 1,200 + 配送料 800
    # + 代引き手数料 315 = 2,315 (210.45… → 210).
    money = shown["お支払い金額"]
    assert "合計金額：3,395円(税込)" in money
    assert "8%対象 1,080円（うち消費税 80円）" in money
    assert "10%対象 2,315円（うち消費税 210円）" in money
    assert "※は軽減税率対象商品です" in money
    assert shown["お支払い時期・方法"] == f"代引き：{TIMING['cod']}"
    assert shown["お届け時期"] == TIMING["delivery"]
    assert shown["返品・キャンセル"] == f"{TIMING['returns']}\n返品特約（全文）"
    assert shown["申込期間"] == "緑茶ティーバッグ：2099年12月31日 23:59までのご注文に限ります"

    terms = phone.get(link_to(confirm, "/returns"))
    assert "不良品は送料当店負担で交換します。" in terms.text and TIMING["returns"] in terms.text

    done = phone.submit(confirm, {}, action_contains="/checkout/place")
    assert "注文完了" in done.text
    with app.app_context():
        order = db.session.scalar(select(Order))
        assert (order.taxable_8pct, order.tax_8pct, order.taxable_10pct, order.tax_10pct) == (
            1080, 80, 2315, 210)
    mail = deliver_mail(app, smtp_server, 1)[0].message.get_body(preferencelist=("plain",))
    body = decode_mail_text(mail.get_payload(decode=True), mail.get_content_charset(),
                            mail_carrier)
    assert "緑茶ティーバッグ※ 540円 × 2" in body and "マグカップ 1,200円 × 1" in body
    assert ("合計金額：3,395円\n8%対象 1,080円（うち消費税 80円）\n"
            "10%対象 2,315円（うち消費税 210円）\n※は軽減税率対象商品です\n") in body


def test_the_law_page_states_the_same_terms_and_the_registration_number(app):
    catalog = seed_shop(app)
    food = add_food(app)
    phone = Shopper(app, DOCOMO_UA)
    confirm = sections(to_confirmation(phone, catalog, food, "taro@docomo.ne.jp"))
    law = sections(phone.get("/law"))
    assert law["適格請求書発行事業者登録番号"] == "T7000012050002"
    assert confirm["お支払い時期・方法"] in law["お支払い時期"].splitlines()
    assert "クレジットカード：ご注文確定時に決済" in law["お支払い時期"].splitlines()
    assert law["お届け時期"].splitlines()[0] == confirm["お届け時期"]
    assert law["返品について"].startswith(TIMING["returns"])


def test_without_a_registration_number_the_law_page_says_nothing_of_it(app):
    seed_shop(app)
    page = Shopper(app, AU_UA).get("/law")
    assert "登録番号" not in page.text and "販売業者" in page.text


def test_a_card_payment_is_described_as_paid_at_confirmation(app):
    catalog = seed_shop(app)
    food = add_food(app)
    phone = Shopper(app, SOFTBANK_UA, cookies=True)
    page = phone.get(f"/product/{food.product_id}")
    cart = phone.submit(page, {"variant_id": str(food.variant_id), "quantity": "1"},
                        action_contains="/cart/add")
    del catalog
    start = phone.get(link_to(cart, "/checkout"))
    info = phone.get(link_to(start, "/checkout/guest"))
    options = phone.submit(info, BUYER | {"email": "taro@softbank.ne.jp", "same": "1"})
    card = phone.submit(options, COD_OPTIONS | {"payment": "card"})
    confirm = phone.submit(card, {"card_number": "4111111111111111", "exp_month": "12",
                                  "exp_year": "2099", "holder": "TARO YAMADA"})
    shown = sections(confirm)
    assert shown["お支払い時期・方法"] == "クレジットカード：ご注文確定時に決済"
    # Only the tea and the fees: 8% 540 (40); 10% 配送料 800 (72.7… → 72).
    assert "8%対象 540円（うち消費税 40円）" in shown["お支払い金額"]
    assert "10%対象 800円（うち消費税 72円）" in shown["お支払い金額"]


def test_nothing_past_its_sale_end_can_be_bought(app):
    catalog = seed_shop(app)
    food = add_food(app, sale_ends_at=now() + timedelta(hours=1))
    phone = Shopper(app, DOCOMO_UA)
    confirm = to_confirmation_ending_soon(phone, catalog, food)
    assert "申込期間" in sections(confirm)
    with app.app_context():  # the hour passes while the shopper reads the page
        db.session.get(Product, food.product_id).sale_ends_at = now() - timedelta(minutes=1)
        db.session.commit()
    refused = phone.submit(confirm, {}, action_contains="/checkout/place")
    assert "「緑茶ティーバッグ」は販売期限を過ぎたため、ご購入いただけません。" in refused.text
    assert "カート" in refused.text
    with app.app_context():
        assert db.session.scalar(select(Order)) is None
        assert db.session.get(Variant, food.variant_id).stock == 10
    # Back to the confirmation page (its URL with this session's key): refused the same way.
    again = phone.get(link_to(refused, "/checkout").replace("/checkout", "/checkout/confirm", 1))
    assert "販売期限を過ぎたため" in again.text and "ご注文内容の確認" not in again.text
    product = phone.get(f"/product/{food.product_id}")
    assert "販売期間は終了しました。" in product.text and "/cart/add" not in product.text
    # A post to カートに入れる for the tea (through another product's form) is refused.
    shirt = phone.get(f"/product/{catalog.product_id}")
    forged = phone.submit(shirt, {"product_id": str(food.product_id),
                                  "variant_id": str(food.variant_id), "quantity": "1"},
                          action_contains="/cart/add")
    assert "「緑茶ティーバッグ」は販売期間が終了しました。" in forged.text


def to_confirmation_ending_soon(phone: Shopper, catalog, food: Food) -> KeitaiPage:
    page = phone.get(f"/product/{food.product_id}")
    assert "販売期限：" in page.text
    cart = phone.submit(page, {"variant_id": str(food.variant_id), "quantity": "1"},
                        action_contains="/cart/add")
    del catalog
    start = phone.get(link_to(cart, "/checkout"))
    info = phone.get(link_to(start, "/checkout/guest"))
    options = phone.submit(info, BUYER | {"same": "1"})
    return phone.submit(options, COD_OPTIONS)


def test_my_page_order_history_shows_the_figures_the_order_was_placed_with(app):
    catalog = seed_shop(app)
    food = add_food(app)
    with app.app_context():
        member = Member(email="hanako@ezweb.ne.jp", name="佐藤 花子", kana="サトウ ハナコ",
                        tel="08012345678", zip_code="1046022", address="東京都中央区晴海1-8-10",
                        carrier="au", email_verified_at=now())
        member.set_password(PASSWORD)
        db.session.add(member)
        db.session.flush()
        details = CheckoutDetails(purchaser=Person(member.name, email=member.email),
                                  member_id=member.id, payment=PaymentMethod.CARD)
        lines = [CartLine(food.variant_id, 1), CartLine(catalog.plain_variant_id, 1)]
        order = place_order(db.session, lines, details, guest=False).order
        # Later the shop moves the tea to 10% and rounds up: the order keeps its figures.
        db.session.get(Product, food.product_id).tax_rate = TaxRate.STANDARD
        ShopSettings.load(db.session).tax_rounding = "ceil"
        db.session.commit()
        order_id = order.id
    phone = Shopper(app, AU_UA, cookies=True)
    login = phone.get("/login?next=mypage")
    phone.submit(login, {"email": "hanako@ezweb.ne.jp", "password": PASSWORD})
    history = phone.get("/mypage/orders")
    shown = sections(phone.get(link_to(history, f"/mypage/orders/{order_id}")))
    assert "緑茶ティーバッグ※" in shown["ご注文商品"]
    # 8%: 540 (40); 10%: 1,200 + 配送料 800 = 2,000 (181.8… → 181, 切り捨て when ordered).
    assert "8%対象 540円（うち消費税 40円）" in shown["お支払い金額"]
    assert "10%対象 2,000円（うち消費税 181円）" in shown["お支払い金額"]
    assert "※は軽減税率対象商品です" in shown["お支払い金額"]
