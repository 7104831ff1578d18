"""Benchmark: 売上集計 over 100,000 orders against the bare SQL of a sales total.

For each report an owner asks for (a year by month, a year by day, a month by day, a
quarter ranked by quantity) three figures are measured, each the p95 of ``--repeat``
runs after a warm-up:

* baseline: one ``SELECT count(*), sum(total)`` of the period's sales, through the DBAPI
  cursor - the least any sales figure of that period costs, measured in the same run;
* aggregate: ``admin.reports.sales.aggregate`` (its two grouped queries and the sums);
* page: the whole ``GET /admin/reports?…`` (login, report, chart, HTML), test client.

PostgreSQL when ``--database-url`` or ``KTAISHOP_TEST_DATABASE_URL`` names one (a fresh
database beside it, dropped afterwards); SQLite always. Orders from ``ktaishop.demo.grow``
(spread over the last 365 days).

Run: .venv/bin/python bench/sales_report.py [--orders N] [--repeat R] [--database-url URL]
Goal: page p95 <= 300 ms on PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from flask import Flask  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from admin.reports.sales import Period, aggregate  # noqa: E402
from bench.order_search import database, p95, shop  # noqa: E402
from ktaishop.demo.shop import DEMO_ADMIN, DEMO_PASSWORD  # noqa: E402
from ktaishop.extensions import db  # noqa: E402
from models import Order, today  # noqa: E402

GOAL_MS = 300.0


def cases() -> tuple[tuple[str, dict[str, str]], ...]:
    end = today()
    year, quarter = end - timedelta(days=364), end - timedelta(days=90)
    return (
        ("1年・月別", {"date_from": year.isoformat(), "date_to": end.isoformat(),
                    "unit": "month"}),
        ("1年・日別", {"date_from": year.isoformat(), "date_to": end.isoformat(),
                    "unit": "day"}),
        ("今月・日別", {"preset": "month"}),
        ("3か月・数量順", {"date_from": quarter.isoformat(), "date_to": end.isoformat(),
                      "unit": "day", "rank": "quantity"}),
    )


def baseline(period: Period) -> Callable[[], object]:
    """The period's sales total as bare SQL through the DBAPI cursor."""
    dialect = db.engine.dialect
    statement = select(func.count(), func.sum(Order.total)).where(*period.conditions())
    sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))

    def run() -> object:
        with db.engine.connect() as conn:
            return conn.exec_driver_sql(sql.replace("%", "%%") if dialect.name == "postgresql"
                                        else sql).fetchall()
    return run


def report_run(period: Period) -> Callable[[], object]:
    def run() -> object:
        result = aggregate(db.session, period)
        db.session.rollback()  # a new request: nothing cached between runs
        return result
    return run


def measure(app: Flask, repeat: int) -> list[tuple[str, int, float, float, float]]:
    """Per case: (label, sales in the period, baseline, aggregate, page), p95 in ms."""
    client = app.test_client()
    client.post("/admin/login", data={"login": DEMO_ADMIN, "password": DEMO_PASSWORD})
    results = []
    for label, args in cases():
        with app.app_context():
            period = Period.from_args(MultiDict(args))
            sales = aggregate(db.session, period).totals["orders"]
            db.session.rollback()
            base, agg = p95(baseline(period), repeat), p95(report_run(period), repeat)
        query = "&".join(f"{k}={v}" for k, v in args.items())

        def page(query: str = query) -> object:
            response = client.get(f"/admin/reports?{query}")
            assert response.status_code == 200, response.status_code
            return response
        results.append((label, sales, base, agg, p95(page, repeat)))
    return results


def report(kind: str, results: list[tuple[str, int, float, float, float]]) -> bool:
    print(f"  {'集計':<16}{'売上件数':>10}{'baseline':>10}{'aggregate':>11}{'page':>9}"
          f"{'page/baseline':>15}  (p95, ms)")
    ok = True
    for label, sales, base, agg, page in results:
        mark = "" if page <= GOAL_MS else f"  > {GOAL_MS:.0f} ms"
        ok = ok and (kind != "postgresql" or not mark)
        print(f"  {label:<16}{sales:>10,}{base:>10.1f}{agg:>11.1f}{page:>9.1f}"
              f"{page / base if base else 0:>14.1f}x{mark}")
    goal = f"page p95 <= {GOAL_MS:.0f} ms" + ("" if kind == "postgresql" else " (on PostgreSQL)")
    print(f"  {kind}: {'OK' if ok else 'NG'} (goal: {goal})")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", default=os.environ.get("KTAISHOP_TEST_DATABASE_URL"))
    parser.add_argument("--skip-sqlite", action="store_true")
    options = parser.parse_args()
    kinds = ([] if options.skip_sqlite else ["sqlite"]) + (
        ["postgresql"] if options.database_url else [])
    ok = True
    for kind in kinds:
        print(f"[{kind}]")
        with database(kind, options.database_url) as url:
            app = shop(url, options.orders)
            ok = report(kind, measure(app, options.repeat)) and ok
            with app.app_context():
                db.engine.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
