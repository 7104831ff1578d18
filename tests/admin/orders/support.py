"""Orders made through the shop's own rules, and readers for the admin's pages."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from lxml import html as lxml_html
from sqlalchemy import select

from models import (
    CartLine,
    CheckoutDetails,
    Order,
    PaymentMethod,
    Person,
    Product,
    Variant,
    place_order,
)
from tests.conftest import csrf_token_from

__all__ = ["add_product", "csrf_token_from", "list_rows", "order_by_no", "place", "read_csv"]


def add_product(session, code: str = "t-0001", price: int = 1000, stock: int = 10,
                name: str = "テスト商品") -> Variant:
    product = Product(code=code, name=name, price=price,
                      variants=[Variant(option_text="サイズ:M", stock=stock)])
    session.add(product)
    session.flush()
    return product.variants[0]


def place(session, variants: list[Variant] | Variant, *, quantity: int = 1,
          name: str = "小林 亮子", kana: str = "コバヤシ リョウコ", tel: str = "09047189729",
          email: str = "r-kobayashi@docomo.ne.jp", address: str = "東京都中野区野方1-2-3",
          note: str = "", payment: PaymentMethod = PaymentMethod.COD,
          ordered_at: datetime | None = None, wrapping: str = "") -> Order:
    """A member's order (注文完了 at once), placed by ``place_order``; not committed."""
    if not isinstance(variants, list):
        variants = [variants]
    details = CheckoutDetails(
        purchaser=Person(name, kana, tel, email, "1650027", address), note=note, payment=payment,
        wrapping=wrapping,
    )
    order = place_order(session, [CartLine(v.id, quantity) for v in variants], details,
                        guest=False).order
    if ordered_at is not None:
        order.ordered_at = ordered_at
    session.flush()
    return order


def list_rows(page_html: str) -> list[dict[str, str]]:
    """注文一覧's rows as {column header: cell text}."""
    tree = lxml_html.fromstring(page_html)
    table = '//table[contains(@class, "order-list")]'
    headers = [th.text_content().strip() for th in tree.xpath(f"{table}/thead/tr/th")]
    rows = []
    for tr in tree.xpath(f"{table}/tbody/tr[@data-order-no]"):
        cells = [td.text_content().strip() for td in tr.findall("td")]
        rows.append(dict(zip(headers, cells, strict=True)))
    return rows


def read_csv(data: bytes, encoding: str = "cp932") -> list[dict[str, str]]:
    text = data.decode(encoding)
    return list(csv.DictReader(io.StringIO(text, newline="")))


def order_by_no(session, order_no: str) -> Order:
    return session.scalar(select(Order).where(Order.order_no == order_no))
