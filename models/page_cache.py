"""The catalog's version, and the store of rendered catalog pages that keys on it.

The storefront caches its catalog pages (top, shelves, products, search) as rendered
output; an entry is only ever read under the catalog version it was made at, so a
change to the catalog shows on the next request of every app server. The rule for when
the version moves lives here, once:

* any insert, update or delete of a product, variant (option combination), shelf,
  product-shelf link or the shop settings, flushed by any session (``after_flush``);
* any bulk statement on those tables run through a session (the product CSV import's
  ``update(Variant)``: ``do_orm_execute``);
* a stock change made by an order (``catalog.reserve_stock``/``release_stock``) only when
  the product's shown stock state changes (在庫あり / 残りわずか / 在庫切れ, or whether it
  can be put in the cart at all): :func:`stock_moved`. A crowd buying a well-stocked
  product does not empty the cache with every order.

The bump is an ``UPDATE`` in the transaction of the change itself: a rolled-back change
moves nothing, and the new version is visible exactly when the change is.

The listeners are registered on the ``Session`` class when this module is imported (by
``models``), like the catalog's own mapper events: whatever writes the catalog, a view,
the CSV import, a CLI command or a test, moves the version; no path can forget to.
"""

from __future__ import annotations

import hashlib
import random
import time
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
    Integer,
    String,
    Text,
    delete,
    event,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from .base import Base, now

# Every table whose rows a catalog page may show.
CATALOG_TABLES = frozenset({"products", "variants", "shelves", "product_shelves",
                            "shop_settings"})
# Statements carrying this option change stock only; their caller decides (stock_moved).
STOCK_ONLY = "ktaishop_stock_only"
# The store's bounds: rows kept (oldest out), and the largest page stored.
MAX_STORED_PAGES = 5000
MAX_PAGE_CHARS = 400_000
PRUNE_CHANCE = 0.02


class CatalogVersion(Base):
    """One row (id 1): the number every cached catalog page is keyed by."""

    __tablename__ = "catalog_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


class CachedPage(Base):
    """A rendered catalog page (with its shopper slots still open), shared by every server."""

    __tablename__ = "cached_pages"

    # SHA-256 of the page's key, the version included (storefront.page_cache).
    key_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, index=True)
    body: Mapped[str] = mapped_column(Text)
    # Seconds since the epoch after which the page must be made again (a 販売期限), or None.
    valid_until: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[Any] = mapped_column(DateTime, default=now, index=True)


# -- the version -----------------------------------------------------------------------------

VERSION_SQL = "SELECT version FROM catalog_version WHERE id = 1"
_READ_VERSION = text(VERSION_SQL)


def read_version(connection: Connection) -> int:
    """The catalog's version now (0 if the row is missing: the first bump creates it)."""
    return connection.execute(_READ_VERSION).scalar() or 0


def current_version(engine: Engine) -> int:
    """:func:`read_version` on a pooled DBAPI connection of its own: one statement, outside
    the ORM and its transaction (on SQLite: no write lock). The cheapest read there is,
    made on every catalog page request."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(VERSION_SQL)
        row = cursor.fetchone()
        cursor.close()
    finally:
        raw.close()
    return row[0] if row else 0


def bump_version(connection: Connection) -> None:
    """Move the version on, in *connection*'s transaction."""
    moved = connection.execute(
        text("UPDATE catalog_version SET version = version + 1 WHERE id = 1"))
    if moved.rowcount:
        return
    # The row is missing (a fresh or emptied database): start above any version a process
    # may still remember from before, so no old entry can match again.
    with connection.begin_nested():
        connection.execute(text("INSERT INTO catalog_version (id, version) VALUES (1, :v)"),
                           {"v": int(time.time() * 1000)})


def _touches_catalog(session: Session) -> bool:
    for obj in session.new | session.deleted:
        if _table_of(obj) in CATALOG_TABLES:
            return True
    return any(_table_of(obj) in CATALOG_TABLES and session.is_modified(obj)
               for obj in session.dirty)


def _table_of(obj: object) -> str | None:
    table = getattr(obj, "__table__", None)
    return getattr(table, "name", None)


@event.listens_for(Session, "after_flush")
def _bump_after_flush(session: Session, _context: Any) -> None:
    # after_flush still sees the flush's new/dirty/deleted objects and their history.
    if _touches_catalog(session):
        bump_version(session.connection())


@event.listens_for(Session, "do_orm_execute")
def _bump_on_bulk_statement(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    if state.execution_options.get(STOCK_ONLY):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in CATALOG_TABLES:
        bump_version(state.session.connection())


# -- stock --------------------------------------------------------------------------------

def shown_stock(display: str, stock: int, low_threshold: int) -> tuple[bool, str | None]:
    """What a product page shows of ``stock`` units: can it be bought, and its 在庫表示."""
    from .catalog import stock_label

    return stock > 0, stock_label(display, stock, low_threshold)


_STOCK_NOW = text(
    "SELECT v.stock, v.product_id, p.stock_display,"
    " (SELECT COUNT(*) FROM variants w WHERE w.product_id = v.product_id),"
    " (SELECT s.low_stock_threshold FROM shop_settings s WHERE s.id = 1)"
    " FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = :id"
)


def stock_moved(session: Session, variant_id: int, change: int) -> None:
    """A variant's stock just changed by ``change`` units (in this transaction): move the
    catalog version if that changed what its product's page shows.

    The variant's own state is exact (its row is locked by the change). The product's
    overall state can only cross without one of its variants crossing too at the
    残りわずか threshold of a product with options; then the product row is locked first,
    so two orders of different options cannot both miss the crossing they make together.
    """
    from .catalog import Product, StockDisplay, Variant

    connection = session.connection()
    row = connection.execute(_STOCK_NOW, {"id": variant_id}).first()
    if row is None:
        return
    stock, product_id, display, variants, threshold = row
    threshold = 3 if threshold is None else threshold  # ShopSettings' default
    if _crossed(display, stock, change, threshold):
        bump_version(connection)
        return
    if display != StockDisplay.LOW or variants < 2:
        return
    connection.execute(select(Product.id).where(Product.id == product_id).with_for_update())
    total = connection.execute(
        select(func.sum(Variant.stock)).where(Variant.product_id == product_id)).scalar()
    if _crossed(display, total or 0, change, threshold):
        bump_version(connection)


def _crossed(display: str, after: int, change: int, threshold: int) -> bool:
    return shown_stock(display, after - change, threshold) != shown_stock(display, after,
                                                                          threshold)


# -- the store -------------------------------------------------------------------------------

def key_digest(key: str, version: int) -> str:
    """The store's name for page ``key`` at catalog ``version``."""
    return hashlib.sha256(f"{version}\n{key}".encode()).hexdigest()


def load_page(connection: Connection, digest: str) -> tuple[str, float | None] | None:
    """(body, valid_until) of a stored page, or None."""
    row = connection.execute(
        select(CachedPage.body, CachedPage.valid_until).where(CachedPage.key_digest == digest)
    ).first()
    return None if row is None else (row[0], row[1])


def store_page(connection: Connection, digest: str, version: int, body: str,
               valid_until: float | None) -> None:
    """Keep a page (a concurrent writer of the same page wins quietly); now and then drop
    the pages of older versions and the oldest beyond :data:`MAX_STORED_PAGES`."""
    if len(body) > MAX_PAGE_CHARS:
        return
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    connection.execute(
        insert(CachedPage)
        .values(key_digest=digest, version=version, body=body, valid_until=valid_until,
                created_at=now())
        .on_conflict_do_nothing(index_elements=["key_digest"])
    )
    if random.random() < PRUNE_CHANCE:  # noqa: S311 - not security relevant
        prune(connection, version)


def prune(connection: Connection, version: int) -> None:
    """Drop every page of another version than ``version``, and the oldest pages beyond
    :data:`MAX_STORED_PAGES`."""
    connection.execute(delete(CachedPage).where(CachedPage.version != version))
    cutoff = connection.execute(
        select(CachedPage.created_at).order_by(CachedPage.created_at.desc())
        .offset(MAX_STORED_PAGES).limit(1)
    ).scalar()
    if cutoff is not None:
        connection.execute(delete(CachedPage).where(CachedPage.created_at <= cutoff))


def clear(connection: Connection) -> None:
    """Forget every stored page and move the version (``ktaishop clear-page-cache``)."""
    connection.execute(delete(CachedPage))
    bump_version(connection)
