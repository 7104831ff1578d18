"""The dashboard, the admin's first page: today's and this month's orders, the status
counts that lead to the filtered lists, 30 days of sales as an inline SVG chart, orders
per carrier, and the products running out (在庫わずか) or sold out (在庫切れ).

Sales count every order except 仮注文 (not confirmed yet) and キャンセル. Every count
links to a list searched so that it shows exactly that many orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import render_template, url_for
from sqlalchemy import func, select

from ktaishop.extensions import db
from ktaishop.templating import date_with_weekday
from models import Order, OrderStatus, Package, PackageStatus, ShopSettings, now
from models.catalog import stock_alerts

from . import bp
from .common import chart
from .orders.search import CARRIER_CHOICES, SALES_STATUSES

CHART_DAYS = 30
NOT_SALES = (OrderStatus.PROVISIONAL.value, OrderStatus.CANCELLED.value)
CARRIER_LABELS = CARRIER_CHOICES


@dataclass(frozen=True)
class Figures:
    orders: int
    sales: int


def _figures(since: datetime) -> Figures:
    row = db.session.execute(
        select(func.count(Order.id), func.coalesce(func.sum(Order.total), 0))
        .where(Order.ordered_at >= since, Order.status.not_in(NOT_SALES))
    ).one()
    return Figures(int(row[0]), int(row[1]))


def _status_counts() -> list[tuple[OrderStatus, int]]:
    counts = dict(db.session.execute(
        select(Order.status, func.count()).group_by(Order.status)).all())
    return [(status, int(counts.get(status.value, 0))) for status in OrderStatus]


def _package_counts() -> list[tuple[PackageStatus, int]]:
    counts = dict(db.session.execute(
        select(Package.status, func.count()).join(Order, Package.order_id == Order.id)
        .where(Order.status.not_in(NOT_SALES)).group_by(Package.status)).all())
    return [(status, int(counts.get(status.value, 0))) for status in PackageStatus]


def daily_sales(today: date, days: int = CHART_DAYS) -> list[tuple[date, int, int]]:
    """(day, orders, sales) for each of the last ``days`` days, oldest first."""
    first = today - timedelta(days=days - 1)
    day_of = func.date(Order.ordered_at)
    rows = db.session.execute(
        select(day_of, func.count(Order.id), func.coalesce(func.sum(Order.total), 0))
        .where(Order.ordered_at >= datetime.combine(first, time()),
               Order.status.not_in(NOT_SALES))
        .group_by(day_of)
    ).all()
    # SQLite gives 'YYYY-MM-DD' text, PostgreSQL a date: compare as text.
    by_day = {str(day)[:10]: (int(n), int(total)) for day, n, total in rows}
    return [(d, *by_day.get(d.isoformat(), (0, 0)))
            for d in (first + timedelta(days=i) for i in range(days))]


def sales_points(series: list[tuple[date, int, int]]) -> list[tuple[str, str, int]]:
    """The chart's points: (day, what its bar's tooltip says, sales)."""
    return [(day.isoformat(), f"{date_with_weekday(day)}: {orders}件", sales)
            for day, orders, sales in series]


def _carriers(since: datetime) -> list[tuple[str, str, int]]:
    """(carrier, its label, sales orders since ``since``), most orders first."""
    rows = db.session.execute(
        select(Order.carrier, func.count()).where(
            Order.ordered_at >= since, Order.status.not_in(NOT_SALES))
        .group_by(Order.carrier).order_by(func.count().desc())
    ).all()
    return [(carrier, CARRIER_LABELS.get(carrier, carrier), int(n)) for carrier, n in rows]


def sales_list_url(since: date, **criteria: object) -> str:
    """注文一覧 of the sales (neither 仮注文 nor キャンセル) ordered since ``since``: the
    list a dashboard figure counts."""
    return url_for("admin.orders", date_from=since.isoformat(), status=list(SALES_STATUSES),
                   **criteria)


def package_list_url(status: PackageStatus) -> str:
    """配送一覧 of the packages counted under ``status``: those of sales orders only."""
    return url_for("admin.delivery", package=status.value, status=list(SALES_STATUSES))


@bp.route("/")
def dashboard():
    moment = now()
    today = moment.date()
    month_start = datetime.combine(today.replace(day=1), time())
    chart_from = datetime.combine(today - timedelta(days=CHART_DAYS - 1), time())
    bars, scale_max, bar_width = chart.bars(sales_points(daily_sales(today)))
    threshold = ShopSettings.load(db.session).low_stock_threshold
    low_stock, sold_out = stock_alerts(db.session, threshold)
    return render_template(
        "admin/dashboard/dashboard.html",
        today=today, today_figures=_figures(datetime.combine(today, time())),
        month_figures=_figures(month_start), statuses=_status_counts(),
        packages=_package_counts(), bars=bars, scale_max=scale_max, bar_width=bar_width,
        chart_total=sum(b.value for b in bars), carriers=_carriers(chart_from),
        month_start=month_start.date(), chart_from=chart_from.date(),
        sales_list_url=sales_list_url, package_list_url=package_list_url,
        low_stock=low_stock, sold_out=sold_out,
        threshold=threshold,
    )
