"""売上集計: the period asked for, and the sales in it by day or month, product, carrier
and payment method.

A sale is an order that is neither 仮注文 nor キャンセル (the dashboard's rule), counted on
its 注文日. ``aggregate`` reads the orders once, grouped by (day, carrier, payment), and
the items once, grouped by product; the day, month, carrier and payment tables are
sums of the first. Every table carries the same ``MEASURES``: a column added there
(e.g. tax per rate) appears in every table, the CSV and the totals.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, func, select, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from admin.orders.search import CARRIER_CHOICES, SALES_STATUSES
from models import Order, OrderItem, PaymentMethod, today

# (key, 見出し, SQL over the orders of a group). Amounts are integer yen, tax included.
MEASURES: tuple[tuple[str, str, ColumnElement[Any]], ...] = (
    ("orders", "注文件数", func.count(Order.id)),
    ("subtotal", "商品合計", func.coalesce(func.sum(Order.subtotal), 0)),
    ("fees", "手数料・配送料", func.coalesce(
        func.sum(Order.cod_fee + Order.shipping_fee + Order.wrapping_fee), 0)),
    ("total", "売上合計", func.coalesce(func.sum(Order.total), 0)),
    # 消費税 per rate as each order states it (rounded once per rate when it was worked
    # out, models.tax), so the sums agree with the shoppers' documents.
    ("taxable_8pct", "8%対象額", func.coalesce(func.sum(Order.taxable_8pct), 0)),
    ("tax_8pct", "8%消費税", func.coalesce(func.sum(Order.tax_8pct), 0)),
    ("taxable_10pct", "10%対象額", func.coalesce(func.sum(Order.taxable_10pct), 0)),
    ("tax_10pct", "10%消費税", func.coalesce(func.sum(Order.tax_10pct), 0)),
)
MEASURE_KEYS = tuple(key for key, _, _ in MEASURES)
PRESETS = {"today": "今日", "week": "今週", "month": "今月", "last_month": "先月"}
UNITS = {"day": "日別", "month": "月別"}
RANKS = {"amount": "金額順", "quantity": "数量順"}
MAX_DAYS = 3 * 366  # a day table longer than three years helps no one


class day_of(FunctionElement):  # noqa: N801 (an SQL construct, named like one)
    """The day of a timestamp: ``YYYY-MM-DD`` text on SQLite, a date on PostgreSQL (a cast
    costs a third of to_char there); ``str(value)`` is the ISO day either way."""

    type = String()
    inherit_cache = True


@compiles(day_of)
def _day_sqlite(element: day_of, compiler, **kw) -> str:
    return f"strftime('%Y-%m-%d', {compiler.process(element.clauses, **kw)})"


@compiles(day_of, "postgresql")
def _day_postgresql(element: day_of, compiler, **kw) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS DATE)"


# PostgreSQL's default work_mem (4 MB) makes a year's grouping sort on disk; the report
# asks for enough to group in memory, for its own transaction only.
REPORT_WORK_MEM = "SET LOCAL work_mem = '64MB'"


@dataclass
class Period:
    """The report's criteria from the query string; bad values become ``errors``."""

    date_from: date
    date_to: date
    unit: str = "day"
    rank: str = "amount"
    preset: str = ""
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: Any, on: date | None = None) -> Period:
        """Read ``args`` (request.args); a preset wins over the dates. Never raises."""
        on = on or today()
        first, last = preset_range("month", on)
        period = cls(first, last)
        preset = args.get("preset", "")
        if not preset and not args.get("date_from") and not args.get("date_to"):
            preset = "month"  # the screen opens on 今月
        if preset in PRESETS:
            period.preset = preset
            period.date_from, period.date_to = preset_range(preset, on)
        else:
            period.date_from = period._date(args.get("date_from"), "開始日") or first
            period.date_to = period._date(args.get("date_to"), "終了日") or last
        period.unit = args.get("unit") if args.get("unit") in UNITS else "day"
        period.rank = args.get("rank") if args.get("rank") in RANKS else "amount"
        period._check()
        return period

    def _date(self, text: str | None, label: str) -> date | None:
        value = unicodedata.normalize("NFKC", text or "").strip().replace("/", "-")
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.errors.append(f"{label}は YYYY-MM-DD の形で入力してください。")
            return None

    def _check(self) -> None:
        if self.date_from > self.date_to:
            self.errors.append("開始日が終了日より後になっています。")
        elif self.unit == "day" and (self.date_to - self.date_from).days >= MAX_DAYS:
            self.errors.append("日別の集計は3年までです。月別にするか、期間を短くしてください。")

    def query_args(self, **override: str) -> dict[str, str]:
        values = {"date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat(),
                  "unit": self.unit, "rank": self.rank}
        values.update(override)
        return values

    def conditions(self) -> list[ColumnElement[bool]]:
        """The sales of the period: 注文日 within it, neither 仮注文 nor キャンセル."""
        return [Order.ordered_at >= datetime.combine(self.date_from, time.min),
                Order.ordered_at < datetime.combine(self.date_to + timedelta(1), time.min),
                Order.status.in_(SALES_STATUSES)]

    def buckets(self) -> list[str]:
        """Every day (or month) of the period as its key, oldest first, none left out."""
        keys = []
        day = self.date_from
        while day <= self.date_to:
            keys.append(day.isoformat() if self.unit == "day" else day.isoformat()[:7])
            day = day + timedelta(1) if self.unit == "day" else _next_month(day)
        return list(dict.fromkeys(keys))


def preset_range(preset: str, on: date) -> tuple[date, date]:
    """今日, 今週 (Monday to ``on``), 今月 (the 1st to ``on``), 先月 (the whole month)."""
    if preset == "today":
        return on, on
    if preset == "week":
        return on - timedelta(on.weekday()), on
    if preset == "last_month":
        last = on.replace(day=1) - timedelta(1)
        return last.replace(day=1), last
    return on.replace(day=1), on


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(32)).replace(day=1)


@dataclass
class Row:
    """One line of a table: its key, what the screen shows, and the measures."""

    key: str
    label: str
    values: dict[str, int]


@dataclass
class ProductRow:
    code: str
    name: str
    quantity: int
    amount: int
    orders: int


@dataclass
class SalesReport:
    period: Period
    totals: dict[str, int]
    by_time: list[Row]
    by_carrier: list[Row]
    by_payment: list[Row]
    by_product: list[ProductRow]


def _zero() -> dict[str, int]:
    return dict.fromkeys(MEASURE_KEYS, 0)


def _add(into: dict[str, int], values: Iterable[int]) -> None:
    for key, value in zip(MEASURE_KEYS, values, strict=True):
        into[key] += int(value)


def aggregate(session: Session, period: Period) -> SalesReport:
    """The whole report for ``period``: two grouped queries, the rest summed here."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(REPORT_WORK_MEM))
    day = day_of(Order.ordered_at)
    rows = session.execute(
        select(day, Order.carrier, Order.payment_method, *(sql for _, _, sql in MEASURES))
        .where(*period.conditions()).group_by(day, Order.carrier, Order.payment_method)
    ).all()
    totals, times, carriers, payments = _zero(), {}, {}, {}
    for when, carrier, payment, *values in rows:
        when = str(when)[:10]
        key = when if period.unit == "day" else when[:7]
        for table, name in ((times, key), (carriers, carrier), (payments, payment)):
            _add(table.setdefault(name, _zero()), values)
        _add(totals, values)
    return SalesReport(
        period, totals,
        [Row(k, _time_label(k), times.get(k, _zero())) for k in period.buckets()],
        _ordered(carriers, CARRIER_CHOICES),
        _ordered(payments, {m.value: m.label for m in PaymentMethod}),
        product_ranking(session, period),
    )


def _ordered(groups: dict[str, dict[str, int]], labels: dict[str, str]) -> list[Row]:
    """The groups with sales, most sold first; labels as the screens name them."""
    rows = [Row(key, labels.get(key, key), values) for key, values in groups.items()]
    return sorted(rows, key=lambda row: (-row.values["total"], row.key))


def _time_label(key: str) -> str:
    if len(key) == 7:
        return f"{key[:4]}年{int(key[5:])}月"
    day = date.fromisoformat(key)
    return f"{day:%Y-%m-%d}({'月火水木金土日'[day.weekday()]})"


def product_ranking(session: Session, period: Period) -> list[ProductRow]:
    """Products sold in the period (items not 取消), by amount or quantity, most first.

    A product is its code and name as sold (items keep them when the catalog changes).
    """
    quantity = func.sum(OrderItem.quantity)
    amount = func.sum(OrderItem.unit_price * OrderItem.quantity)
    order = (amount, quantity) if period.rank == "amount" else (quantity, amount)
    rows = session.execute(
        select(OrderItem.code, OrderItem.name, quantity, amount,
               func.count(func.distinct(OrderItem.order_id)))
        .join(Order, Order.id == OrderItem.order_id)
        .where(*period.conditions(), OrderItem.cancelled.is_(False))
        .group_by(OrderItem.code, OrderItem.name)
        .order_by(order[0].desc(), order[1].desc(), OrderItem.code)
    ).all()
    return [ProductRow(code, name, int(q), int(a), int(n)) for code, name, q, a, n in rows]
