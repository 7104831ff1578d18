"""Benchmark: 注文一覧's search over 100,000 orders against the bare SQL of the same search.

For each search the admin can make (no criteria, keyword on a name / a phone number /
nothing that matches, status and date range, a deep page of キャンセル) three figures
are measured, each the p95 of ``--repeat`` runs after a warm-up:

* bare SQL: the very SQL the screen sends (count and page, or for a keyword one
  page query carrying the total), compiled with literal
  values and run through the DBAPI cursor - what the database itself costs;
* search: ``OrderSearch.run`` → the total and the page's ``Order`` objects (ORM);
* page: the whole ``GET /admin/orders?…`` (login, search, HTML), through the test client.

SQLite always (a temporary file); PostgreSQL too when ``--database-url`` or
``KTAISHOP_TEST_DATABASE_URL`` names one (a fresh database is created beside it and
dropped afterwards). Orders come from ``ktaishop.demo.grow``.

Run: .venv/bin/python bench/order_search.py [--orders N] [--repeat R] [--database-url URL]
Goal: page p95 <= 100 ms on SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from flask import Flask  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from admin.orders.search import OrderSearch  # noqa: E402
from ktaishop import create_app  # noqa: E402
from ktaishop.demo.shop import DEMO_ADMIN, DEMO_PASSWORD, grow, seed  # noqa: E402
from ktaishop.extensions import db  # noqa: E402
from ktaishop.migrate import upgrade  # noqa: E402

CASES: tuple[tuple[str, dict[str, str | list[str]]], ...] = (
    ("一覧（条件なし）", {}),
    ("キーワード: 氏名", {"keyword": "購入者 4242"}),
    ("キーワード: 電話（ハイフン付き）", {"keyword": "090-0000-4242"}),
    ("キーワード: 該当なし", {"keyword": "該当しない名前"}),
    ("注文完了 + 注文日の期間", {"status": ["completed"], "date_from": "2000-01-01",
                           "date_to": "2099-12-31"}),
    ("代引き + 出荷指示", {"payment": ["cod"], "status": ["instructed"]}),
    ("キャンセル 20ページ目", {"status": ["cancelled"], "page": "20"}),
)


@contextmanager
def database(kind: str, url: str | None) -> Iterator[str]:
    """A migrated, empty database of ``kind``; removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            path = f"sqlite:///{Path(tmp) / 'bench.db'}"
            upgrade(path)
            yield path
        return
    assert url is not None
    base = make_url(url)
    name = f"ktaishop_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        target = base.set(database=name).render_as_string(hide_password=False)
        upgrade(target)
        yield target
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def shop(url: str, orders: int) -> Flask:
    """The demo shop grown to ``orders`` orders, statistics up to date."""
    app = create_app({"DATABASE_URL": url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                      "IMAGE_DIR": tempfile.mkdtemp(prefix="ktaishop-bench-")})
    with app.app_context():
        seed(db.session)
        db.session.commit()
        start = time.perf_counter()
        grow(db.session, members=0, orders=orders, echo=lambda _m: None)
        print(f"  {orders:,} 件の注文を作成: {time.perf_counter() - start:.1f} s")
        with db.engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    return app


def p95(run: Callable[[], object], repeat: int) -> float:
    """The 95th percentile of ``repeat`` timed runs, in milliseconds (after 2 warm-ups)."""
    for _ in range(2):
        run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.quantiles(times, n=20)[-1] if repeat >= 20 else max(times)


def bare_sql(search: OrderSearch) -> Callable[[], object]:
    """The screen's statements as SQL text, run straight through the DBAPI cursor."""
    dialect = db.engine.dialect
    sql = [str(s.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
           for s in search.statements()]

    def run() -> object:
        with db.engine.connect() as conn:
            return [conn.exec_driver_sql(statement.replace("%", "%%")
                                         if dialect.name == "postgresql" else statement)
                    .fetchall() for statement in sql]
    return run


def orm_search(args: MultiDict) -> Callable[[], object]:
    def run() -> object:
        result = OrderSearch.from_args(args).run(db.session)
        db.session.rollback()  # a new request: nothing cached between runs
        return result
    return run


def page_timer(client, query: str) -> Callable[[], object]:
    def run() -> object:
        response = client.get(f"/admin/orders?{query}")
        assert response.status_code == 200, response.status_code
        return response
    return run


def measure(app: Flask, repeat: int) -> list[tuple[str, float, float, float, int]]:
    """Per case: (label, bare p95, search p95, page p95, hits). Pages are requested
    outside the bench's app context, so each gets its own session as in production."""
    client = app.test_client()
    client.post("/admin/login", data={"login": DEMO_ADMIN, "password": DEMO_PASSWORD})
    results = []
    for label, raw in CASES:
        args = MultiDict([(k, v) for k, vs in raw.items()
                          for v in (vs if isinstance(vs, list) else [vs])])
        with app.app_context():
            search = OrderSearch.from_args(args)
            hits = db.session.scalar(search.count_statement()) or 0
            db.session.rollback()
            bare, orm = p95(bare_sql(search), repeat), p95(orm_search(args), repeat)
        page = p95(page_timer(client, search.query_string(page=search.page)), repeat)
        results.append((label, bare, orm, page, hits))
    return results


def report(kind: str, results: list[tuple[str, float, float, float, int]]) -> bool:
    print(f"  {'検索':<24}{'件数':>8}{'bare SQL':>11}{'search':>10}{'page':>10}  (p95, ms)")
    ok = True
    for label, bare, search, page, hits in results:
        mark = "" if page <= 100 else "  > 100 ms"
        ok = ok and not mark
        print(f"  {label:<24}{hits:>8,}{bare:>11.1f}{search:>10.1f}{page:>10.1f}{mark}")
    print(f"  {kind}: {'OK' if ok else 'NG'} (goal: page p95 <= 100 ms)")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default=os.environ.get("KTAISHOP_TEST_DATABASE_URL"))
    options = parser.parse_args()
    kinds = ["sqlite"] + (["postgresql"] if options.database_url else [])
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
