"""Catalog: 商品陳列棚 (shelves), 商品 (products) and their variants with stock."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Table,
    Text,
    and_,
    event,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .base import Base, now
from .errors import OutOfStock
from .page_cache import STOCK_ONLY, stock_moved
from .search import like_pattern, searchable_text
from .tax import TaxRate

# Built on PostgreSQL only (migration 0008): the storefront's search is a substring LIKE.
POSTGRESQL_ONLY_INDEXES = frozenset({"ix_products_search_text_trgm"})

product_shelves = Table(
    "product_shelves",
    Base.metadata,
    Column("product_id", ForeignKey("products.id", ondelete="CASCADE"), primary_key=True),
    Column("shelf_id", ForeignKey("shelves.id", ondelete="CASCADE"), primary_key=True),
    # A shelf's products: the primary key leads with the product, a shelf page needs
    # the shelf first (migration 0013).
    Index("ix_product_shelves_shelf_id", "shelf_id", "product_id"),
)


class StockDisplay(enum.StrEnum):
    """在庫表示: how the storefront shows stock."""

    SHOW = "show"  # 在庫あり / 在庫切れ
    HIDE = "hide"  # nothing shown
    LOW = "low"  # 残りわずか below the shop's threshold, else 在庫あり

    @property
    def label(self) -> str:
        """The admin's words for the setting (P23 在庫表示)."""
        return {"show": "表示する", "hide": "表示しない", "low": "残りわずか表示"}[self.value]


class Shelf(Base):
    __tablename__ = "shelves"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)
    products: Mapped[list[Product]] = relationship(
        secondary=product_shelves, back_populates="shelves"
    )


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        Index("ix_products_search_text_trgm", "search_text", postgresql_using="gin",
              postgresql_ops={"search_text": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
        # The storefront's order (published_products), read backwards: the top page and
        # a page of products stop after their rows instead of sorting every product.
        # (The flags are tested with IS, which a PostgreSQL index cannot serve.)
        Index("ix_products_priority_id", "priority", "id"),
        Index("ix_products_created_at_id", "created_at", "id"),  # the top page's 新着
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    price: Mapped[int] = mapped_column(Integer)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text, default="")
    image1: Mapped[str | None] = mapped_column(String(200))
    image2: Mapped[str | None] = mapped_column(String(200))
    image3: Mapped[str | None] = mapped_column(String(200))
    stock_display: Mapped[str] = mapped_column(String(10), default=StockDisplay.SHOW)
    # Option axes, e.g. [{"name": "サイズ", "values": ["S", "M", "L"]}]; [] = no options.
    option_axes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    # 税率 (models.tax.TaxRate): 10 標準 or 8 軽減; order lines copy it when ordered.
    tax_rate: Mapped[int] = mapped_column(Integer, default=10)
    # 販売期限 (shop-local time): the product cannot be bought after it; None = no end.
    sale_ends_at: Mapped[datetime | None] = mapped_column(DateTime)
    # An ordered product is hidden, never deleted: order history keeps its rows.
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    # Name, code and description folded for the storefront's search (models.search);
    # written whenever the product is saved, never by hand.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")

    shelves: Mapped[list[Shelf]] = relationship(
        secondary=product_shelves, back_populates="products"
    )
    variants: Mapped[list[Variant]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="Variant.position"
    )

    @property
    def images(self) -> list[str]:
        return [name for name in (self.image1, self.image2, self.image3) if name]

    @property
    def total_stock(self) -> int:
        return sum(v.stock for v in self.variants)

    @property
    def reduced_rate(self) -> bool:
        """Sold at the 軽減税率: marked 「※」 in carts and orders."""
        return self.tax_rate == TaxRate.REDUCED

    def sale_ended(self, at: datetime | None = None) -> bool:
        """Whether the 販売期限 has passed at ``at`` (now): the product is then not for sale."""
        return self.sale_ends_at is not None and (at or now()) > self.sale_ends_at

    def set_options(
        self, axes: Sequence[Mapping[str, Any]], stocks: Mapping[str, int | None]
    ) -> None:
        """Set the option axes and the stock of every combination.

        ``stocks`` maps a combination's text (see :func:`option_combinations`) to its
        stock; a missing or None value keeps the stock the row has (0 for a new one), so
        an admin form that did not touch a number never overwrites a sale made meanwhile.
        A combination that still exists keeps its Variant row and id, so order lines stay
        linked to it; combinations that are gone are deleted.
        """
        clean = clean_axes(axes)
        existing = {variant.option_text: variant for variant in self.variants}
        variants = []
        for text, position, stock in variant_plan(clean, stocks):
            variant = existing.pop(text, None) or Variant(option_text=text, stock=0)
            if stock is not None:
                variant.stock = stock
            variant.position = position
            variants.append(variant)
        self.option_axes = clean
        self.variants = variants  # delete-orphan removes the combinations that are gone

    def remove(self, session: Session) -> bool:
        """削除: delete the product, or only hide it when it was ever ordered.

        Order lines keep their own copy of name and price either way; hiding keeps the
        link from the line to the product. Returns True when the row was deleted.
        """
        from .orders import OrderItem  # orders import the catalog: import late

        ordered = session.scalar(
            select(OrderItem.id).where(OrderItem.product_id == self.id).limit(1)
        )
        if ordered is not None:
            self.deleted = True
            self.published = False
            return False
        session.delete(self)
        return True

    def stock_label(self, stock: int, low_threshold: int) -> str | None:
        """The 在庫表示 text for ``stock`` units, or None when the shop hides it."""
        return stock_label(self.stock_display, stock, low_threshold)


def stock_label(display: str, stock: int, low_threshold: int) -> str | None:
    """The 在庫表示 text for ``stock`` units under 在庫表示 ``display``, or None (hidden)."""
    if display == StockDisplay.HIDE:
        return None
    if stock <= 0:
        return "在庫切れ"
    if display == StockDisplay.LOW and stock <= low_threshold:
        return "残りわずか"
    return "在庫あり"


@event.listens_for(Product, "before_insert")
@event.listens_for(Product, "before_update")
def _keep_search_text(_mapper: Any, _connection: Any, product: Product) -> None:
    product.search_text = searchable_text(product.name or "", product.code or "",
                                          product.description or "")


class Variant(Base):
    """One option combination of a product (or the only one), holding its stock."""

    __tablename__ = "variants"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed: a product's variants are looked up by it (pages, CSV import, cascades).
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"),
                                            index=True)
    # Display text of the combination, e.g. "サイズ:M カラー:白"; "" without options.
    option_text: Mapped[str] = mapped_column(String(200), default="")
    stock: Mapped[int] = mapped_column(Integer, default=0)
    position: Mapped[int] = mapped_column(Integer, default=0)
    product: Mapped[Product] = relationship(back_populates="variants")


def option_combinations(axes: Sequence[Mapping[str, Any]]) -> list[str]:
    """Display texts of every combination, first axis outermost.

    ``[{"name": "サイズ", "values": ["S", "M"]}, {"name": "カラー", "values": ["白"]}]``
    gives ``["サイズ:S カラー:白", "サイズ:M カラー:白"]``; no axes give ``[""]``.
    """
    texts = [""]
    for axis in axes:
        texts = [f"{text} {axis['name']}:{value}".strip()
                 for text in texts for value in axis["values"]]
    return texts


def clean_axes(axes: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Option axes as stored: names and values as text."""
    return [{"name": str(a["name"]), "values": [str(v) for v in a["values"]]} for a in axes]


def variant_plan(axes: Sequence[Mapping[str, Any]], stocks: Mapping[str, int | None]
                 ) -> list[tuple[str, int, int | None]]:
    """(combination text, position, stock to set or None to keep) of every combination
    a product with ``axes`` has, in order (``Product.set_options``' rule, also used by
    the product CSV's bulk writes). A combination that exists already keeps its row and
    id; any other existing row is deleted."""
    return [(text, position, None if stocks.get(text) is None else int(stocks[text]))
            for position, text in enumerate(option_combinations(axes))]


def reserve_stock(session: Session, variant_id: int, quantity: int, item_name: str) -> None:
    """Take ``quantity`` units of a variant, or raise OutOfStock.

    One conditional UPDATE, so two buyers of the last unit can never both succeed
    and stock never goes below zero, on SQLite and PostgreSQL alike. The catalog's
    version moves only if the product's shown stock state changed (models.page_cache).
    """
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    result = session.execute(
        update(Variant)
        .where(Variant.id == variant_id, Variant.stock >= quantity)
        .values(stock=Variant.stock - quantity)
        .execution_options(synchronize_session=False, **{STOCK_ONLY: True})
    )
    if result.rowcount != 1:
        raise OutOfStock(item_name)
    stock_moved(session, variant_id, -quantity)
    _expire_variant(session, variant_id)


def release_stock(session: Session, variant_id: int, quantity: int) -> None:
    """Give ``quantity`` units back (cancelled order or line)."""
    session.execute(
        update(Variant)
        .where(Variant.id == variant_id)
        .values(stock=Variant.stock + quantity)
        .execution_options(synchronize_session=False, **{STOCK_ONLY: True})
    )
    stock_moved(session, variant_id, quantity)
    _expire_variant(session, variant_id)


def _expire_variant(session: Session, variant_id: int) -> None:
    # Only refresh a copy already loaded in this session; never load one just to expire it.
    variant = session.identity_map.get(session.identity_key(Variant, variant_id))
    if variant is not None:
        session.expire(variant, ["stock"])


def published_products():
    """Published products, highest 優先度 first (the storefront's order)."""
    return (
        select(Product)
        .where(Product.published.is_(True), Product.deleted.is_(False))
        .order_by(Product.priority.desc(), Product.id.desc())
    )


def search_products(terms: Sequence[str]) -> Select[tuple[Product]]:
    """Published products whose search text holds every one of ``terms``, in the
    storefront's order. ``terms`` come from ``models.search.search_terms``; none match
    nothing (an empty search is not "everything")."""
    if not terms:
        return published_products().where(Product.id.is_(None))
    return published_products().where(and_(*(
        Product.search_text.like(like_pattern(term), escape="\\") for term in terms
    )))


class StockAlert(NamedTuple):
    """One option combination (or the only one) that is running out or sold out."""

    product_id: int
    code: str
    name: str
    option_text: str
    stock: int


def stock_alerts(session: Session, threshold: int) -> tuple[list[StockAlert], list[StockAlert]]:
    """(在庫わずか, 在庫切れ) of the products not deleted: a combination is 在庫わずか with
    1 to ``threshold`` units left, 在庫切れ with none; fewest first, then by code."""
    rows = session.execute(
        select(Product.id, Product.code, Product.name, Variant.option_text, Variant.stock)
        .join(Variant, Variant.product_id == Product.id)
        .where(Product.deleted.is_(False), Variant.stock <= max(threshold, 0))
        .order_by(Variant.stock, Product.code, Variant.position, Variant.id)
    ).all()
    alerts = [StockAlert._make(row) for row in rows]
    return [a for a in alerts if a.stock > 0], [a for a in alerts if a.stock <= 0]
