"""The order CSV (P16, P17): its columns, the writer, and the two ways to download it.

One row per order under a header of stable English names (documented in
the README's "The order CSV"). The 配送 screen reads this file back with a
``delivery_no`` column added (P18) and finds columns by header name only, so names
never change and ``delivery_no`` is deliberately NOT one of them.

* ダウンロード (P17): the current search, streamed; nothing changes.
* 注文情報ダウンロード (P16): every 注文完了 order, each moved to 出荷指示 by
  ``Order.instruct_shipping`` in the same transaction as the export.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from operator import attrgetter
from typing import Any, NamedTuple

from sqlalchemy import Engine, Select, and_, exists, func, select
from sqlalchemy.orm import Session, selectinload

from admin.common.csv_write import CP932, csv_chunks
from models import Order, OrderItem, OrderStatus, PaymentMethod

from .search import OrderSearch

CHUNK = 1000
_STATUS = {s.value: s.label for s in OrderStatus}
_PAYMENT = {p.value: p.label for p in PaymentMethod}


class Column(NamedTuple):
    name: str  # the header, stable
    label: str  # what it is, in the manual's words


COLUMNS: tuple[Column, ...] = (
    Column("order_no", "注文番号"),
    Column("order_datetime", "注文日時 (YYYY-MM-DD hh:mm:ss)"),
    Column("status", "注文状態"),
    Column("purchaser_name", "購入者 氏名"),
    Column("purchaser_kana", "購入者 氏名カナ"),
    Column("purchaser_email", "購入者 メールアドレス"),
    Column("purchaser_tel", "購入者 電話番号"),
    Column("purchaser_zip", "購入者 郵便番号"),
    Column("purchaser_address", "購入者 住所"),
    Column("recipient_name", "配送先 氏名"),
    Column("recipient_kana", "配送先 氏名カナ"),
    Column("recipient_tel", "配送先 電話番号"),
    Column("recipient_zip", "配送先 郵便番号"),
    Column("recipient_address", "配送先 住所"),
    Column("delivery_date", "配送希望日 (YYYY-MM-DD, 空欄 = 指定なし)"),
    Column("delivery_time", "配送希望時間帯 (空欄 = 指定なし)"),
    Column("wrapping", "包装オプション (空欄 = なし)"),
    Column("note", "備考"),
    Column("payment_method", "決済方法"),
    Column("payment_status", "決済状態"),
    Column("payment_reference", "決済情報"),
    Column("paid_at", "決済完了日"),
    Column("items", "購入商品 (1行に1商品: コード 商品名 (オプション) 単価 x 数量)"),
    Column("item_quantity", "数量合計"),
    Column("subtotal", "商品合計"),
    Column("cod_fee", "代引き手数料"),
    Column("shipping_fee", "配送料"),
    Column("wrapping_fee", "包装料"),
    Column("total", "合計金額"),
    Column("memo", "メモ"),
    Column("carrier", "注文した端末 (docomo/au/softbank/smartphone/pc)"),
    # 消費税 per rate (models.tax), added at the end: 8%対象額, 8%消費税, 10%対象額, 10%消費税
    Column("taxable_8pct", "8%対象額"),
    Column("tax_8pct", "8%消費税"),
    Column("taxable_10pct", "10%対象額"),
    Column("tax_10pct", "10%消費税"),
)
HEADER: tuple[str, ...] = tuple(c.name for c in COLUMNS)

# The order's own fields a row is made of, in this order; read with one attrgetter
# from an ``Order`` or selected as these columns with Core (100,000 rows: every
# per-cell Python call counts).
FIELDS = (
    "id", "order_no", "ordered_at", "status", "purchaser_name", "purchaser_kana",
    "purchaser_email", "purchaser_tel", "purchaser_zip", "purchaser_address",
    "recipient_name", "recipient_kana", "recipient_tel", "recipient_zip",
    "recipient_address", "delivery_date", "delivery_time", "wrapping", "note",
    "payment_method", "payment_status", "payment_reference", "paid_at", "subtotal",
    "cod_fee", "shipping_fee", "wrapping_fee", "total", "memo", "carrier",
    "taxable_8pct", "tax_8pct", "taxable_10pct", "tax_10pct",
)
_fields_of = attrgetter(*FIELDS)


def _when(value: Any) -> str:
    # str() of a datetime is "YYYY-MM-DD hh:mm:ss[.ffffff]"; of a date "YYYY-MM-DD".
    return str(value)[:19] if value else ""


def _items(items: Sequence[Any]) -> tuple[str, str]:
    """(one line per item, the total quantity) in one pass."""
    lines = []
    quantity = 0
    for item in items:
        option = f" ({item.option_text})" if item.option_text else ""
        lines.append(f"{item.code} {item.name}{option} {item.unit_price} x {item.quantity}")
        quantity += item.quantity
    return "\n".join(lines), str(quantity)


def cells(fields: Sequence[Any], items: Sequence[Any]) -> list[str]:
    """One CSV row (the order's ``FIELDS`` values and its active items), as text."""
    (_id, order_no, ordered_at, status, p_name, p_kana, p_email, p_tel, p_zip, p_address,
     r_name, r_kana, r_tel, r_zip, r_address, delivery_date, delivery_time, wrapping, note,
     payment, payment_status, payment_ref, paid_at, subtotal, cod_fee, shipping_fee,
     wrapping_fee, total, memo, carrier, taxable_8, tax_8, taxable_10, tax_10) = fields
    item_lines, quantity = _items(items)
    return [
        order_no, _when(ordered_at), _STATUS[status], p_name, p_kana, p_email, p_tel, p_zip,
        p_address, r_name, r_kana, r_tel, r_zip, r_address, _when(delivery_date),
        delivery_time, wrapping, note, _PAYMENT[payment], payment_status, payment_ref,
        _when(paid_at), item_lines, quantity,
        str(subtotal), str(cod_fee), str(shipping_fee), str(wrapping_fee), str(total), memo,
        carrier, str(taxable_8), str(tax_8), str(taxable_10), str(tax_10),
    ]


def order_row(order: Order) -> list[str]:
    """The CSV cells of one ``Order``."""
    return cells(_fields_of(order), order.active_items)


def batched(values: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    """``values`` in slices of ``size`` (itertools.batched arrived in Python 3.12)."""
    iterator = iter(values)
    while chunk := list(islice(iterator, size)):
        yield chunk


# -- ダウンロード (P17): the current search, streamed -----------------------------------

_ORDER_FIELDS = [Order.__table__.c[name] for name in FIELDS]
_ITEM_FIELDS = [OrderItem.__table__.c[name] for name in
                ("id", "code", "name", "option_text", "unit_price", "quantity")]
_FIRST_ITEM = len(FIELDS)


def _with_items(statement: Select) -> Select:
    """``statement``'s orders joined with their active items, one row per item."""
    items = and_(OrderItem.order_id == Order.id, OrderItem.cancelled.is_(False))
    return statement.outerjoin(OrderItem, items).order_by(
        Order.ordered_at.desc(), Order.id.desc(), OrderItem.id)


def _all_statement(search: OrderSearch) -> Select:
    """Every order of ``search`` with its active items, in the list's order."""
    return _with_items(select(*_ORDER_FIELDS, *_ITEM_FIELDS).where(*search.conditions()))


def _group(rows: Iterable[Any]) -> Iterator[list[str]]:
    """Consecutive rows of one order (one per item) → that order's CSV row."""
    current: Any = None
    items: list[Any] = []
    for row in rows:
        if current is None or row[0] != current[0]:
            if current is not None:
                yield cells(current[:_FIRST_ITEM], items)
            current, items = row, []
        if row[_FIRST_ITEM] is not None:  # an order whose items are all 取消 has none
            items.append(_Item(*row[_FIRST_ITEM + 1:]))
    if current is not None:
        yield cells(current[:_FIRST_ITEM], items)


class _Item(NamedTuple):
    code: str
    name: str
    option_text: str
    unit_price: int
    quantity: int


def search_csv(engine: Engine, search: OrderSearch, encoding: str = CP932) -> Iterator[bytes]:
    """ダウンロード: the CSV of ``search``'s orders, newest first; changes nothing.

    One query, streamed (memory stays flat), in one read snapshot that keeps no one
    waiting: PostgreSQL through a server-side cursor; SQLite on the raw connection.
    """
    rows = _sqlite_rows if engine.dialect.name == "sqlite" else _streamed_rows
    return csv_chunks(HEADER, _group(rows(engine, _all_statement(search))), encoding, CHUNK)


def _streamed_rows(engine: Engine, statement: Select) -> Iterator[Any]:
    with engine.connect() as conn:
        yield from conn.execution_options(stream_results=True, yield_per=CHUNK).execute(
            statement)


def _sqlite_rows(engine: Engine, statement: Select) -> Iterator[Any]:
    """The rows through the DBAPI cursor, bypassing SQLAlchemy's transaction.

    ktaishop.db opens every SQLAlchemy transaction with BEGIN IMMEDIATE - the write
    lock - so a download read that way would keep every checkout waiting until it
    ends. A bare SELECT in autocommit mode reads a WAL snapshot and blocks nobody.
    Values come back as SQLite stores them (dates as text), which ``cells`` formats
    the same; the SQL is SQLAlchemy's own rendering of the search, values quoted.
    """
    sql = str(statement.compile(dialect=engine.dialect,
                                compile_kwargs={"literal_binds": True}))
    raw = engine.raw_connection()
    cursor = raw.cursor()
    try:
        cursor.execute(sql)
        while batch := cursor.fetchmany(CHUNK):
            yield from batch
    finally:  # also when the browser goes away mid-download (GeneratorExit)
        cursor.close()
        raw.close()


# -- 注文情報ダウンロード (P16): export and flip in one transaction --------------------------


# What 注文情報ダウンロード takes: "「注文完了」の注文データのみ" (P16).
_TO_INSTRUCT = Order.status == OrderStatus.COMPLETED


def has_orders_to_instruct(session: Session) -> bool:
    """Whether 注文情報ダウンロード would export anything now."""
    return bool(session.scalar(select(exists().where(_TO_INSTRUCT))))


def orders_to_instruct(session: Session) -> int:
    """How many orders 注文情報ダウンロード would export now (for the 操作ログ)."""
    return session.scalar(select(func.count()).where(_TO_INSTRUCT)) or 0


def _claim_completed(session: Session) -> list[int]:
    """Lock every 注文完了 order for this transaction; oldest first.

    PostgreSQL: ``FOR UPDATE SKIP LOCKED`` — an order another admin's download holds
    is skipped (it is in that file) instead of waited for and exported twice.
    SQLite: the engine opens every transaction with ``BEGIN IMMEDIATE``, so a second
    download waits for the first to commit and then finds those orders 出荷指示.
    """
    return list(session.scalars(
        select(Order.id)
        .where(_TO_INSTRUCT)
        .order_by(Order.ordered_at, Order.id)
        .with_for_update(skip_locked=True)
    ))


def _instruct(session: Session, ids: Sequence[int], actor: str) -> Iterator[list[str]]:
    for chunk in batched(ids, CHUNK):
        orders = session.scalars(
            select(Order).where(Order.id.in_(chunk))
            .options(selectinload(Order.items), selectinload(Order.events))
            .order_by(Order.ordered_at, Order.id)
        ).all()
        for order in orders:
            order.instruct_shipping(actor)
        session.flush()
        rows = [order_row(order) for order in orders]
        session.expunge_all()  # flushed: keep memory flat; the transaction stays open
        yield from rows


def shipping_instruction_csv(
    engine: Engine, actor: str, encoding: str = CP932
) -> Iterator[bytes]:
    """注文情報ダウンロード: the 注文完了 orders as CSV, each set to 出荷指示.

    The transaction commits before the last chunk is handed out: a download that
    breaks off earlier (closed browser, error) rolls back and the orders stay
    注文完了, so an order is never flipped without having been in a complete file.
    """
    session = Session(bind=engine, expire_on_commit=False)
    try:
        ids = _claim_completed(session)
        chunks = csv_chunks(HEADER, _instruct(session, ids, actor), encoding, CHUNK)
        held = next(chunks)
        for chunk in chunks:
            yield held
            held = chunk
        session.commit()
        yield held
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
