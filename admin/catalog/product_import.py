"""Product CSV import, streamed: two passes over the upload, a few hundred products at a
time, so a 100,000-row file needs no more memory than a small one.

Pass 1 checks every row (and each product's rows together) and reports every problem
with its Excel line; pass 2 runs only for a file without problems and creates or
updates the products, ``CHUNK`` at a time, in the request's one transaction (all or
nothing). Neither pass keeps more than one chunk of rows or products: what a chunk
loaded is flushed and let go before the next.

The rows of one product (one per option combination) stand together, as the export
writes them; a コード met again further down is refused with its line.

Stock (issue #19): the export writes ``出力時在庫数``, the stock at that moment, beside
``在庫数``. A row whose 在庫数 was left as exported changes nothing, so re-importing a
file never brings back units sold since; a changed 在庫数 is taken only while the
stock is still what the file saw, else the row is refused (the admin's product form
follows the same rule). Without that column (or with it empty) 在庫数 is taken as given.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy import text as sql_text

from admin.common.csv_read import CsvError, CsvStream
from ktaishop.extensions import db
from models import Product, Shelf, ShopSettings, StockDisplay, Variant
from models.catalog import clean_axes, product_shelves, variant_plan

from .product_rows import (
    CODE,
    plan_options,
    row_fields,
    row_option,
    row_shelves,
    same_product,
    text_of,
)

CHUNK = 500
_NEW = object()  # a column value no product has
MAX_KEPT_ERRORS = 100


class ImportErrors:
    """The problems found, the first ``MAX_KEPT_ERRORS`` kept and the rest counted."""

    def __init__(self) -> None:
        self.kept: list[CsvError] = []
        self.count = 0

    def append(self, error: CsvError) -> None:
        self.count += 1
        if len(self.kept) < MAX_KEPT_ERRORS:
            self.kept.append(error)

    def __len__(self) -> int:
        return self.count


@dataclass
class Existing:
    """What the import needs of a product already in the shop (read as plain rows)."""

    id: int
    deleted: bool
    # option text -> (variant id, stock, position)
    variants: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    # for writing only what changed (pass 2): the product's columns and shelves
    values: dict[str, Any] = field(default_factory=dict)
    shelf_ids: list[int] = field(default_factory=list)


@dataclass
class PlannedProduct:
    code: str
    line_no: int
    fields: dict[str, Any]
    shelves: list[Shelf] | None  # None: column absent, leave as is
    axes: list[dict[str, Any]] | None  # None: no option/stock columns, leave as is
    stocks: dict[str, int] = field(default_factory=dict)
    # per combination: 出力時在庫数 (None: not given) and the line it is on
    stock_was: dict[str, int | None] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    existing: Existing | None = None


def import_products(table: CsvStream) -> tuple[int, int] | ImportErrors:
    """Check the whole file, then write it; (created, updated), or the problems and
    nothing changed. The caller commits (or rolls back on ImportErrors)."""
    errors = ImportErrors()
    _by_key_only()
    for chunk in _chunks(table, errors, full=False):
        for plan in chunk:
            _resolve_stocks(plan, errors)
    if errors:
        return errors
    created = updated = 0
    rate = ShopSettings.load(db.session).default_tax_rate
    for chunk in _chunks(table, errors, full=True):
        writes = ChunkWrites(rate)
        for plan in chunk:
            writes.add(plan, _resolve_stocks(plan, errors))
        if errors or not writes.run(errors):
            return errors  # a sale between the check and now (or a code taken meanwhile)
        created += writes.created
        updated += writes.updated
    return created, updated


def _by_key_only() -> None:
    """Every read of the import is a few hundred rows by key, repeated a few hundred
    times in a transaction that may add 100,000 products. After five runs psycopg
    prepares a statement and PostgreSQL may switch it to a generic plan, made for
    tables as its statistics last saw them (empty): whole-table scans, 85 ms a chunk and
    growing. A plan for each run's own keys stays an index lookup; this transaction only.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sql_text("SET LOCAL plan_cache_mode = force_custom_plan"))


def _chunks(table: CsvStream, errors: ImportErrors, *, full: bool
            ) -> Iterator[list[PlannedProduct]]:
    """The file's products, planned and checked, ``CHUNK`` at a time with what the shop
    already has of each attached (``full``: its columns and shelves too)."""
    has = set(table.headers)
    shelves = {s.name: s for s in db.session.scalars(select(Shelf))}
    chunk: list[PlannedProduct] = []
    for code, rows in _groups(table, errors):
        plan = _plan(code, rows, has, shelves, errors)
        if plan is not None:
            chunk.append(plan)
        if len(chunk) >= CHUNK:
            _attach_existing(chunk, errors, full)
            yield chunk
            chunk = []
    if chunk:
        _attach_existing(chunk, errors, full)
        yield chunk


def _groups(table: CsvStream, errors: ImportErrors
            ) -> Iterator[tuple[str, list[tuple[int, dict[str, str]]]]]:
    """Rows by コード, each product's rows together; a コード met again is refused."""
    seen: set[str] = set()
    code, group = "", []
    try:
        for line_no, row in table.rows():
            this = text_of(row.get("コード", ""))
            if not CODE.fullmatch(this):
                errors.append(CsvError(line_no, "コードは半角英数字と - _ の40文字以内で"
                                                "入力してください。"))
                continue
            if this != code:
                if group:
                    yield code, group
                code, group = this, []
                if this in seen:
                    errors.append(CsvError(line_no, f"コード {this} の行が離れています。同じ商品"
                                                    "の行は続けて並べてください。"))
                    code = ""
                    continue
                seen.add(this)
            group.append((line_no, row))
    except CsvError as error:
        errors.append(error)
        return
    if group:
        yield code, group


def _plan(code: str, rows: list[tuple[int, dict[str, str]]], has: set[str],
          shelves: dict[str, Shelf], errors: ImportErrors) -> PlannedProduct | None:
    """One product from its rows, or None when a row of it has a problem."""
    plan: PlannedProduct | None = None
    combos: list[tuple[int, list[tuple[str, str]], int, int | None]] = []
    failed = False
    for line_no, row in rows:
        before = len(errors)
        fields = row_fields(line_no, row, has, errors)
        row_shelf = row_shelves(line_no, row, has, shelves, errors)
        option = row_option(line_no, row, has, errors)
        if len(errors) > before:
            failed = True
            continue
        if plan is None:
            plan = PlannedProduct(code, line_no, fields, row_shelf,
                                  None if option is None else [])
        elif option is None:
            errors.append(CsvError(line_no, f"コード {code} の行が複数あります。オプションごとに"
                                            "行を分けるときは「オプション」列を入れてください。"))
            failed = True
            continue
        elif not same_product(plan.fields, plan.shelves, fields, row_shelf):
            errors.append(CsvError(line_no, f"コード {code} の行どうしで商品名・価格などの"
                                            "値が違います。同じ値にしてください。"))
            failed = True
            continue
        if option is not None:
            combos.append((line_no, *option))
    if plan is None or failed:
        return None
    if plan.axes is not None and not plan_options(plan, combos, errors):
        return None
    return plan


_COLUMNS = ("name", "price", "priority", "description", "stock_display", "published",
            "tax_rate", "sale_ends_at", "option_axes")


def _attach_existing(plans: list[PlannedProduct], errors: ImportErrors, full: bool) -> None:
    """Attach each product the shop has under the plan's コード (a query or three per
    chunk); ``full`` also reads its columns and shelves, so that only changes are written."""
    by_code = {plan.code: plan for plan in plans}
    rows = db.session.execute(
        select(Product.code, Product.id, Product.deleted, Variant.id, Variant.option_text,
               Variant.stock, Variant.position)
        .outerjoin(Variant, Variant.product_id == Product.id)
        .where(Product.code.in_(list(by_code))))
    for code, product_id, deleted, variant_id, text, stock, position in rows:
        plan = by_code[code]
        if plan.existing is None:
            plan.existing = Existing(product_id, deleted)
        if variant_id is not None:
            plan.existing.variants[text] = (variant_id, stock, position)
    by_id = {plan.existing.id: plan.existing for plan in plans if plan.existing}
    if full and by_id:
        columns = [getattr(Product, name) for name in _COLUMNS]
        for product_id, *values in db.session.execute(
                select(Product.id, *columns).where(Product.id.in_(list(by_id)))):
            by_id[product_id].values = dict(zip(_COLUMNS, values, strict=True))
        for product_id, shelf_id in db.session.execute(
                select(product_shelves.c.product_id, product_shelves.c.shelf_id)
                .where(product_shelves.c.product_id.in_(list(by_id)))
                .order_by(product_shelves.c.shelf_id)):
            by_id[product_id].shelf_ids.append(shelf_id)
    for plan in plans:
        if plan.existing is not None and plan.existing.deleted:
            errors.append(CsvError(plan.line_no, f"コード {plan.code} は削除された商品の"
                                                 "コードです。別のコードにしてください。"))


def _resolve_stocks(plan: PlannedProduct, errors: ImportErrors) -> dict[str, StockChange]:
    """在庫数 per combination: set, keep (None), or set only while the stock is still
    what the file saw; a row changed against a stock that moved since is an error."""
    current = plan.existing.variants if plan.existing else {}
    stocks: dict[str, StockChange] = {}
    for text, typed in plan.stocks.items():
        was = plan.stock_was.get(text)
        if was is None or text not in current:
            stocks[text] = StockChange(typed)
        elif typed == was:
            stocks[text] = StockChange(None)  # left as exported: units sold since stay sold
        elif current[text][1] != was:
            errors.append(_moved(plan.lines[text], was, current[text][1]))
        else:
            stocks[text] = StockChange(typed, was, plan.lines[text])
    return stocks


def _moved(line_no: int, was: int, now_: int) -> CsvError:
    return CsvError(line_no, f"在庫数が出力後に変わっています（出力時 {was:,}、現在 {now_:,}）。"
                             "商品CSVをもう一度ダウンロードして、在庫数を直してから登録してください。")


@dataclass(frozen=True)
class StockChange:
    stock: int | None  # None: keep the stock the row has
    was: int | None = None  # set only while the row still has this stock
    line_no: int = 0


class ChunkWrites:
    """One chunk's changes as a few bulk statements (the ORM would keep every object)."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.created = self.updated = 0
        self.new: list[tuple[PlannedProduct, dict[str, StockChange]]] = []
        self.product_updates: list[dict[str, Any]] = []
        self.variant_inserts: list[dict[str, Any]] = []
        self.variant_updates: list[dict[str, Any]] = []
        self.stock_updates: list[dict[str, Any]] = []  # stock set as typed
        self.guarded: list[tuple[int, StockChange]] = []  # (variant id, change)
        self.variant_deletes: list[int] = []
        self.shelf_links: list[tuple[PlannedProduct, list[Shelf]]] = []

    def add(self, plan: PlannedProduct, stocks: dict[str, StockChange]) -> None:
        existing = plan.existing
        if plan.shelves is not None and (existing is None or sorted(
                s.id for s in plan.shelves) != existing.shelf_ids):
            self.shelf_links.append((plan, plan.shelves))
        if existing is None:
            self.created += 1
            self.new.append((plan, stocks))
            return
        self.updated += 1
        wanted = dict(plan.fields)
        if plan.axes is not None:
            wanted["option_axes"] = clean_axes(plan.axes)
            self._variants(existing.id, plan.axes, stocks, existing.variants)
        changed = {k: v for k, v in wanted.items() if existing.values.get(k, _NEW) != v}
        if changed:  # a file exported and imported again writes nothing here
            self.product_updates.append(changed | {"id": existing.id})

    def _variants(self, product_id: int, axes: list[dict[str, Any]],
                  stocks: dict[str, StockChange], current: dict[str, tuple[int, int, int]]
                  ) -> None:
        """The variant rows by ``Product.set_options``' rule (``variant_plan``)."""
        wanted = {text: change.stock for text, change in stocks.items()}
        kept = set()
        for text, position, stock in variant_plan(axes, wanted):
            if text not in current:
                self.variant_inserts.append({"product_id": product_id, "option_text": text,
                                             "stock": stock or 0, "position": position})
                continue
            variant_id, now_stock, now_position = current[text]
            kept.add(variant_id)
            if now_position != position:
                self.variant_updates.append({"id": variant_id, "position": position})
            change = stocks.get(text)
            if change is not None and change.stock is not None and change.stock != now_stock:
                if change.was is None:
                    self.stock_updates.append({"id": variant_id, "stock": change.stock})
                else:
                    self.guarded.append((variant_id, change))
        self.variant_deletes += [vid for vid, _, _ in current.values() if vid not in kept]

    def run(self, errors: ImportErrors) -> bool:
        """Write everything; False (with the errors) when a guarded stock moved."""
        self._insert_new()
        if self.product_updates:
            db.session.execute(update(Product), self.product_updates)
        if self.variant_deletes:
            db.session.execute(delete(Variant).where(Variant.id.in_(self.variant_deletes)))
        for rows in (self.variant_updates, self.stock_updates):
            if rows:
                db.session.execute(update(Variant), rows)
        if self.variant_inserts:
            db.session.execute(insert(Variant), self.variant_inserts)
        for variant_id, change in self.guarded:
            if not _set_stock(variant_id, change):
                errors.append(_moved(change.line_no, change.was or 0, _stock_of(variant_id)))
        self._link_shelves()
        return not errors

    def _insert_new(self) -> None:
        if not self.new:
            return
        rows = [{"code": plan.code, "description": "", "priority": 0, "published": True,
                 "stock_display": StockDisplay.SHOW.value, "tax_rate": self.rate,
                 "option_axes": clean_axes(plan.axes or []), "deleted": False} | plan.fields
                for plan, _ in self.new]
        ids = db.session.scalars(insert(Product).returning(Product.id,
                                                           sort_by_parameter_order=True), rows)
        for (plan, stocks), product_id in zip(self.new, ids.all(), strict=True):
            plan.existing = Existing(product_id, False)
            wanted = {text: change.stock for text, change in stocks.items()}
            for text, position, stock in variant_plan(plan.axes or [], wanted or {"": 0}):
                self.variant_inserts.append({"product_id": product_id, "option_text": text,
                                             "stock": stock or 0, "position": position})

    def _link_shelves(self) -> None:
        """The 商品陳列棚 of the products whose column says otherwise than the shop."""
        replaced = [plan.existing.id for plan, _ in self.shelf_links
                    if plan.existing and plan.existing.shelf_ids]
        if replaced:
            db.session.execute(delete(product_shelves)
                               .where(product_shelves.c.product_id.in_(replaced)))
        links = [{"product_id": plan.existing.id, "shelf_id": shelf.id}
                 for plan, shelves in self.shelf_links if plan.existing for shelf in shelves]
        if links:
            db.session.execute(insert(product_shelves), links)


def _set_stock(variant_id: int, change: StockChange) -> bool:
    """One conditional UPDATE: the stock is set only while it is what the file saw."""
    query = update(Variant).where(Variant.id == variant_id)
    if change.was is not None:
        query = query.where(Variant.stock == change.was)
    result = db.session.execute(query.values(stock=change.stock)
                                .execution_options(synchronize_session=False))
    return result.rowcount == 1


def _stock_of(variant_id: int) -> int:
    return db.session.scalar(select(Variant.stock).where(Variant.id == variant_id)) or 0
