"""注文一覧's search (P8, P17, P25): criteria from the query string, and the SQL they mean.

The same criteria drive the list, its paging and the ダウンロード CSV, so what the shop
owner sees is exactly what the file holds. No status box ticked means every order
except キャンセル; キャンセル orders appear only when that box is ticked (P25).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

import jaconv
from sqlalchemy import Boolean, ColumnElement, Select, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from ktaishop import paging
from models import Order, OrderItem, OrderStatus, PaymentMethod

PAGE_SIZE = 50
MAX_KEYWORD = 100
# The check boxes in the manual's order (P8): 決済方法 and 注文状態.
PAYMENT_CHOICES = tuple(PaymentMethod)
STATUS_CHOICES = tuple(OrderStatus)
# 注文した端末 (Order.carrier) as the screens name them, in this order.
CARRIER_CHOICES: dict[str, str] = {
    "docomo": "docomo", "au": "au", "softbank": "SoftBank", "willcom": "WILLCOM",
    "smartphone": "スマートフォン", "pc": "PC",
}
# 購入者: 会員 or ゲスト (no member behind the order).
BUYER_CHOICES: dict[str, str] = {"member": "会員", "guest": "ゲスト"}
# What counts as a sale (the dashboard and 売上集計): neither 仮注文 nor キャンセル.
SALES_STATUSES = (OrderStatus.COMPLETED.value, OrderStatus.INSTRUCTED.value,
                  OrderStatus.DONE.value)
# Hyphens and dashes people type inside phone numbers (ASCII, full-width, long vowel…).
_TEL_PUNCTUATION = re.compile(r"[-‐‑–—―−－ー()（） +]")
_KATAKANA = re.compile(r"[\u30a1-\u30fa]")
_ORDER_NO = re.compile(r"[0-9_]+")


@dataclass
class OrderSearch:
    """What the admin asked for; ``errors`` holds Japanese messages for bad input."""

    date_from: date | None = None
    date_to: date | None = None
    keyword: str = ""
    payments: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    carriers: list[str] = field(default_factory=list)
    buyer: str = ""  # "", "member" or "guest"
    page: int = 1
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: Any) -> OrderSearch:
        """Read ``args`` (request.args); never raises, bad values become ``errors``."""
        search = cls()
        search.date_from = search._date(args.get("date_from", ""), "注文日（開始）")
        search.date_to = search._date(args.get("date_to", ""), "注文日（終了）")
        if search.date_from and search.date_to and search.date_from > search.date_to:
            search.errors.append("注文日の開始日が終了日より後になっています。")
        search.keyword = (args.get("keyword") or "").strip()[:MAX_KEYWORD]
        search.payments = [p.value for p in PAYMENT_CHOICES if p.value in args.getlist("payment")]
        search.statuses = [s.value for s in STATUS_CHOICES if s.value in args.getlist("status")]
        search.carriers = [c for c in CARRIER_CHOICES if c in args.getlist("carrier")]
        buyer = args.get("buyer", "")
        search.buyer = buyer if buyer in BUYER_CHOICES else ""
        search.page = paging.requested_page(args)
        return search

    def _date(self, text: str, label: str) -> date | None:
        text = unicodedata.normalize("NFKC", text or "").strip().replace("/", "-")
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.errors.append(f"{label}は YYYY-MM-DD の形で入力してください。")
            return None

    def query_args(self, **override: Any) -> dict[str, Any]:
        """The criteria as query-string values (for paging and the download link)."""
        values: dict[str, Any] = {
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
            "keyword": self.keyword, "payment": self.payments, "status": self.statuses,
            "carrier": self.carriers, "buyer": self.buyer,
        }
        values.update(override)
        return {k: v for k, v in values.items() if v not in ("", [], None)}

    def query_string(self, **override: Any) -> str:
        return urlencode(self.query_args(**override), doseq=True)

    # -- SQL -----------------------------------------------------------------------------

    def conditions(self) -> list[ColumnElement[bool]]:
        """The WHERE conditions of this search (on ``orders`` only)."""
        where: list[ColumnElement[bool]] = []
        if self.date_from:
            where.append(Order.ordered_at >= datetime.combine(self.date_from, time.min))
        if self.date_to:
            where.append(Order.ordered_at < datetime.combine(self.date_to + timedelta(1), time.min))
        if self.payments and len(self.payments) < len(PAYMENT_CHOICES):
            where.append(Order.payment_method.in_(self.payments))
        if self.statuses:
            if len(self.statuses) < len(STATUS_CHOICES):
                where.append(Order.status.in_(self.statuses))
        else:
            where.append(Order.status != OrderStatus.CANCELLED)
        if self.carriers and len(self.carriers) < len(CARRIER_CHOICES):
            where.append(Order.carrier.in_(self.carriers))
        if self.buyer:
            where.append(Order.member_id.is_not(None) if self.buyer == "member"
                         else Order.member_id.is_(None))
        where.extend(keyword_condition(term) for term in split_keyword(self.keyword))
        return where

    def ordered(self, statement: Select) -> Select:
        """Newest first; the id breaks ties so paging never repeats or skips a row."""
        return statement.where(*self.conditions()).order_by(
            Order.ordered_at.desc(), Order.id.desc()
        )

    def count_statement(self) -> Select:
        return select(func.count()).select_from(Order).where(*self.conditions())

    def page_statement(self) -> Select:
        return paging.limit_to_page(self.ordered(select(Order)), self.page, PAGE_SIZE)

    def ids_statement(self) -> Select:
        return self.ordered(select(Order.id))

    def page_with_total_statement(self) -> Select:
        """This page's orders, each row carrying the total (``COUNT(*) OVER ()``)."""
        statement = self.ordered(select(Order, func.count().over().label("total")))
        return paging.limit_to_page(statement, self.page, PAGE_SIZE)

    def statements(self) -> list[Select]:
        """What ``run`` sends: a keyword search scans every row whatever the indexes,
        so it scans once and the total comes with the page; otherwise the indexes make
        a separate count and a page cheap."""
        if split_keyword(self.keyword):
            return [self.page_with_total_statement()]
        return [self.count_statement(), self.page_statement()]

    def run(self, session: Session) -> tuple[int, list[Order]]:
        """(total, this page's orders), newest first.

        ``page`` is settled on the page shown: past the end, the last page.
        """
        if split_keyword(self.keyword):
            rows = session.execute(self.page_with_total_statement()).all()
            if rows or self.page == 1:
                return (rows[0].total if rows else 0), [row[0] for row in rows]
            # Past the last page: count, then read the last page.
        total = session.scalar(self.count_statement()) or 0
        self.page = paging.Page.of(self.page, PAGE_SIZE, total).number
        return total, list(session.scalars(self.page_statement()))


def split_keyword(keyword: str) -> list[str]:
    """Terms separated by spaces (half- or full-width); every term must match."""
    return [term for term in re.split(r"\s+", keyword.replace("\u3000", " ")) if term]


class ascii_icontains(FunctionElement):  # noqa: N801 (an SQL construct, named like one)
    """``column`` contains ``text`` ignoring ASCII case: SQLite's LIKE already does, so
    no lower() per row there; PostgreSQL gets ILIKE."""

    type = Boolean()
    inherit_cache = True


@compiles(ascii_icontains)
def _like(element: ascii_icontains, compiler, **kw) -> str:
    column, pattern = element.clauses
    return f"{compiler.process(column, **kw)} LIKE {compiler.process(pattern, **kw)} ESCAPE '/'"


@compiles(ascii_icontains, "postgresql")
def _ilike(element: ascii_icontains, compiler, **kw) -> str:
    column, pattern = element.clauses
    return f"{compiler.process(column, **kw)} ILIKE {compiler.process(pattern, **kw)} ESCAPE '/'"


class tel_contains(FunctionElement):  # noqa: N801 (an SQL construct, named like one)
    """A phone number contains ``digits``, compared without hyphens however it was stored.

    PostgreSQL has a trigram index on exactly ``replace(tel, '-', '')`` (migration
    0004). SQLite scans: there the cheap LIKE goes first and replace() runs only on
    numbers stored with hyphens.
    """

    type = Boolean()
    inherit_cache = True


@compiles(tel_contains)
def _tel_scan(element: tel_contains, compiler, **kw) -> str:
    column, pattern = (compiler.process(c, **kw) for c in element.clauses)
    return (f"({column} LIKE {pattern} ESCAPE '/' OR ({column} LIKE '%-%'"
            f" AND replace({column}, '-', '') LIKE {pattern} ESCAPE '/'))")


@compiles(tel_contains, "postgresql")
def _tel_indexed(element: tel_contains, compiler, **kw) -> str:
    column, pattern = (compiler.process(c, **kw) for c in element.clauses)
    return f"replace({column}, '-', '') LIKE {pattern} ESCAPE '/'"


def _pattern(text: str) -> str:
    escaped = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


def keyword_condition(term: str) -> ColumnElement[bool]:
    """One term against 購入者 name, kana, address, order number, email and tel, and the
    name or code of any item ordered (as it was sold: items keep their name).

    Kana is matched in katakana whatever the admin typed (ひらがな or ｶﾀｶﾅ), an email
    in any case, and a phone number with or without hyphens. A column is only asked
    when the term could be in it: a keyword search reads every row, so each comparison
    left out is time saved on each of them.
    """
    normal = unicodedata.normalize("NFKC", term)
    checks: list[ColumnElement[bool]] = []
    for text in dict.fromkeys((term, normal)):
        checks.append(Order.purchaser_name.contains(text, autoescape=True))
        checks.append(Order.purchaser_address.contains(text, autoescape=True))
    kana = jaconv.hira2kata(normal)
    if _KATAKANA.search(kana):
        checks.append(Order.purchaser_kana.contains(kana, autoescape=True))
    if _ORDER_NO.fullmatch(normal):
        checks.append(Order.order_no.contains(normal, autoescape=True))
    if normal.isascii():
        checks.append(ascii_icontains(Order.purchaser_email, _pattern(normal)))
    digits = _TEL_PUNCTUATION.sub("", normal)
    if digits.isdigit():
        checks.append(tel_contains(Order.purchaser_tel, _pattern(digits)))
    return term_match(or_(*checks), Order.id, _orders_with_item(term, normal).scalar_subquery())


class term_match(FunctionElement):  # noqa: N801 (an SQL construct, named like one)
    """One keyword term: the purchaser's columns match, or the order holds a matching item.

    SQLite reads every order anyway and builds the uncorrelated ``IN (SELECT …)`` once.
    PostgreSQL gets ``id = ANY(ARRAY(SELECT …))``: the items are read once (their
    trigram indexes) into an array, and the whole OR stays a BitmapOr of index scans
    on ``orders`` (an ``IN (SELECT …)`` inside an OR would make it read every order).
    """

    type = Boolean()
    inherit_cache = True


@compiles(term_match)
def _term_scan(element: term_match, compiler, **kw) -> str:
    people, order_id, items = (compiler.process(c, **kw) for c in element.clauses)
    return f"({people} OR {order_id} IN {items})"


@compiles(term_match, "postgresql")
def _term_indexed(element: term_match, compiler, **kw) -> str:
    people, order_id, items = (compiler.process(c, **kw) for c in element.clauses)
    return f"({people} OR {order_id} = ANY (ARRAY{items}))"


def _orders_with_item(term: str, normal: str) -> Select:
    """The ids of orders holding an item whose name (or, for ASCII, code) has the term.

    Uncorrelated, so the database reads the items once per search, not once per order.
    """
    matches: list[ColumnElement[bool]] = []
    for text in dict.fromkeys((term, normal)):
        matches.append(OrderItem.name.contains(text, autoescape=True))
    if normal.isascii():
        matches.append(ascii_icontains(OrderItem.code, _pattern(normal)))
    return select(OrderItem.order_id).where(or_(*matches))


def page_count(total: int) -> int:
    """Pages of 注文一覧 (and 配送一覧) for ``total`` orders."""
    return paging.page_count(total, PAGE_SIZE)

