"""The hot queries use their indexes: the statements the top page, a shelf page, a product
page, the search and 注文一覧 (by status and date) really send, EXPLAINed on a shop big
enough that a planner would rather read an index than the whole table.

The statements are captured from real requests, so a change to a view's query is
checked without this file knowing it. PostgreSQL: no ``Seq Scan`` on the catalog's or
the orders' tables. SQLite (EXPLAIN QUERY PLAN): no bare ``SCAN`` of them - an ordered
``SCAN … USING INDEX`` that stops at the page's LIMIT is what an index is for; the search
is a substring ``LIKE``, which only PostgreSQL's trigram index serves.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, insert, text

from ktaishop import create_app
from ktaishop.extensions import db
from models import AdminUser, Order, Product, Shelf, Variant
from models.catalog import product_shelves
from models.search import searchable_text
from tests.conftest import ADMIN_LOGIN, ADMIN_PASSWORD, DATABASES, csrf_token_from
from tests.factories import make_order
from tests.storefront.shop import DOCOMO_UA, IPHONE_UA

from .conftest import fresh_database

PRODUCTS, SHELVES, ORDERS = 20_000, 500, 20_000
# A product page's worth of 商品説明: rows as wide as a real shop's.
DESCRIPTION = "綿100%の柔らかな生地で、毎日の着心地を大切にしました。洗濯機で洗えます。" * 4
BIG_TABLES = ("products", "product_shelves", "variants", "orders")
BASE = "http://127.0.0.1:5000"
RARE_NAME = "ゴールデン招き猫マグ"


def _fill_catalog(session) -> None:
    session.execute(insert(Shelf), [{"name": f"棚{n}", "position": n} for n in range(SHELVES)])
    rows = []
    for n in range(PRODUCTS):
        name = RARE_NAME if n % 5000 == 7 else f"商品{n}"
        rows.append({"code": f"C{n:06d}", "name": name, "price": 1000 + n % 900,
                     "priority": n % 50, "description": DESCRIPTION,
                     "published": n % 100 != 0, "deleted": False, "option_axes": [],
                     "stock_display": "show", "tax_rate": 10,
                     "search_text": searchable_text(name, f"C{n:06d}", DESCRIPTION)})
    session.execute(insert(Product), rows)
    ids = session.scalars(text("SELECT id FROM products ORDER BY id")).all()
    shelf_ids = session.scalars(text("SELECT id FROM shelves ORDER BY id")).all()
    session.execute(insert(product_shelves), [
        {"product_id": pid, "shelf_id": shelf_ids[i % SHELVES]} for i, pid in enumerate(ids)])
    session.execute(insert(Variant), [{"product_id": pid, "option_text": "", "stock": 5,
                                       "position": 0} for pid in ids])


def _fill_orders(session, dialect: str) -> None:
    """One real order, copied ``ORDERS`` times an hour apart: mostly 完了, a few new."""
    make_order(session)
    session.flush()
    columns = [c.name for c in Order.__table__.columns
               if c.name not in ("id", "order_no", "ordered_at", "status",
                                 "confirm_token_digest", "checkout_token")]
    listed = ", ".join(f'"{c}"' for c in columns)
    copied = ", ".join(f'o."{c}"' for c in columns)
    when = ("o.ordered_at - g.n * interval '1 hour'" if dialect == "postgresql"
            else "datetime(o.ordered_at, '-' || g.n || ' hours')")
    status = ("CASE WHEN g.n % 20 = 0 THEN 'completed' WHEN g.n % 50 = 1 THEN 'cancelled'"
              " WHEN g.n % 33 = 2 THEN 'instructed' ELSE 'done' END")
    session.execute(text(
        f"INSERT INTO orders ({listed}, order_no, ordered_at, status)"
        f" WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {ORDERS})"
        f" SELECT {copied}, 'X' || g.n, {when}, {status} FROM orders o, g"))


@pytest.fixture(scope="module", params=DATABASES)
def big_shop(request, tmp_path_factory) -> Iterator:
    folder = tmp_path_factory.mktemp("plans")
    with fresh_database(request.param, folder) as url:
        app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret",
                          "IMAGE_DIR": str(folder / "images"), "BASE_URL": BASE})
        with app.app_context():
            _fill_catalog(db.session)
            _fill_orders(db.session, request.param)
            admin = AdminUser(login=ADMIN_LOGIN)
            admin.set_password(ADMIN_PASSWORD)
            db.session.add(admin)
            db.session.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE" if request.param == "postgresql"
                                  else "ANALYZE"))
        yield app
        with app.app_context():
            db.engine.dispose()


@contextmanager
def captured(app) -> Iterator[list[tuple[str, object]]]:
    """The SELECTs the app sends while in the block, with their parameters."""
    statements: list[tuple[str, object]] = []

    def before(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def full_scans(app, statement: str, parameters) -> list[str]:
    """The plan's whole-table reads of the big tables (empty: every one by an index)."""
    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            plan = [row[0] for row in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters)]
            pattern = re.compile(rf"Seq Scan on ({'|'.join(BIG_TABLES)})\b")
        else:
            plan = [row[-1] for row in
                    conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]
            pattern = re.compile(rf"^SCAN ({'|'.join(BIG_TABLES)})( AS \w+)?$")
    return [line for line in plan if pattern.search(line.strip())]


def touching(statements, table: str) -> list[tuple[str, object]]:
    return [(s, p) for s, p in statements if re.search(rf"\b{table}\b", s)]


def assert_indexed(app, statements, table: str) -> None:
    hot = touching(statements, table)
    assert hot, f"no statement read {table}"
    for statement, parameters in hot:
        assert full_scans(app, statement, parameters) == [], statement


def _get(app, url: str, agent: str, client=None) -> str:
    client = client or app.test_client()
    response = client.get(url, base_url=BASE, headers={"User-Agent": agent})
    assert response.status_code == 200, url
    return response.data.decode("cp932" if "Shift_JIS" in response.content_type else "utf-8")


def test_the_top_page_reads_the_storefront_order_by_index(big_shop):
    for agent in (IPHONE_UA, DOCOMO_UA):
        with captured(big_shop) as statements:
            _get(big_shop, "/", agent)
        assert_indexed(big_shop, statements, "products")


def test_a_shelf_page_reads_its_products_by_index(big_shop):
    with big_shop.app_context():
        shelf_id = db.session.scalar(text("SELECT max(id) FROM shelves"))
    for agent in (IPHONE_UA, DOCOMO_UA):
        with captured(big_shop) as statements:
            _get(big_shop, f"/shelf/{shelf_id}?page=2", agent)
        assert_indexed(big_shop, statements, "product_shelves")
        assert_indexed(big_shop, statements, "products")


def test_a_product_page_reads_by_key(big_shop):
    with big_shop.app_context():
        product_id = db.session.scalar(text("SELECT max(id) FROM products WHERE published"))
    with captured(big_shop) as statements:
        _get(big_shop, f"/product/{product_id}", IPHONE_UA)
    assert_indexed(big_shop, statements, "products")
    assert_indexed(big_shop, statements, "variants")


def test_search_reads_by_the_trigram_index_on_postgresql(big_shop):
    """SQLite has no index for a substring LIKE: there the one whole-table read is the
    products' own, as models.search says (a few thousand short rows)."""
    with big_shop.app_context():
        dialect = db.engine.dialect.name
    with captured(big_shop) as statements:
        page = _get(big_shop, "/search?q=招き猫", IPHONE_UA)
    assert RARE_NAME in page
    if dialect == "postgresql":
        assert_indexed(big_shop, statements, "products")
        return
    for statement, parameters in touching(statements, "products"):
        assert full_scans(big_shop, statement, parameters) in ([], ["SCAN products"])


def test_the_order_list_by_status_and_date_uses_its_indexes(big_shop):
    client = big_shop.test_client()
    login = client.get("/admin/login", base_url=BASE).get_data(as_text=True)
    client.post("/admin/login", base_url=BASE, data={
        "login": ADMIN_LOGIN, "password": ADMIN_PASSWORD, "csrf_token": csrf_token_from(login)})
    with big_shop.app_context():
        newest = db.session.scalar(text("SELECT max(ordered_at) FROM orders"))
    since = str(newest)[:8] + "01"  # this month: a few dozen 注文完了 of 20,000 orders
    url = f"/admin/orders?status=completed&date_from={since}&date_to=2099-12-31"
    with captured(big_shop) as statements:
        page = _get(big_shop, url, IPHONE_UA, client)
    assert "注文" in page
    assert_indexed(big_shop, statements, "orders")


def test_the_fixture_is_big_enough(big_shop):
    with big_shop.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM orders")) > ORDERS
        assert db.session.scalar(text("SELECT count(*) FROM products")) > PRODUCTS
