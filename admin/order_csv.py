"""The order CSV (P16, P17): its columns, the writer, and the two ways to download it.

One row per order under a header of stable English names (documented in
``notes/order_csv_columns.md``). The 配送 screen reads this file back with a
``delivery_no`` column added (P18) and finds columns by header name only, so names
never change and ``delivery_no`` is deliberately NOT one of them.

* ダウンロード (P17): the current search, read in chunks; nothing changes.
* 注文情報ダウンロード (P16): every 注文完了 order, each moved to 出荷指示 by
  ``Order.instruct_shipping`` in the same transaction as the export.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, NamedTuple

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload

from models import Order, OrderItem, OrderStatus, PaymentMethod

from .csv_io import CP932, csv_chunks
from .order_search import OrderSearch

CHUNK = 500
_STATUS = {s.value: s.label for s in OrderStatus}
_PAYMENT = {p.value: p.label for p in PaymentMethod}


class Column(NamedTuple):
    name: str  # the header, stable
    label: str  # what it is, in the manual's words
    value: Callable[[Any], object]


def _dt(value: Any) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S}" if value else ""


def _items(order: Any) -> str:
    lines = []
    for item in order.active_items:
        option = f" ({item.option_text})" if item.option_text else ""
        lines.append(f"{item.code} {item.name}{option} {item.unit_price} x {item.quantity}")
    return "\n".join(lines)


def _attr(name: str) -> Callable[[Any], object]:
    return lambda order: getattr(order, name)


COLUMNS: tuple[Column, ...] = (
    Column("order_no", "注文番号", _attr("order_no")),
    Column("order_datetime", "注文日時", lambda o: _dt(o.ordered_at)),
    Column("status", "注文状態", lambda o: _STATUS[o.status]),
    Column("purchaser_name", "購入者 氏名", _attr("purchaser_name")),
    Column("purchaser_kana", "購入者 氏名カナ", _attr("purchaser_kana")),
    Column("purchaser_email", "購入者 メールアドレス", _attr("purchaser_email")),
    Column("purchaser_tel", "購入者 電話番号", _attr("purchaser_tel")),
    Column("purchaser_zip", "購入者 郵便番号", _attr("purchaser_zip")),
    Column("purchaser_address", "購入者 住所", _attr("purchaser_address")),
    Column("recipient_name", "配送先 氏名", _attr("recipient_name")),
    Column("recipient_kana", "配送先 氏名カナ", _attr("recipient_kana")),
    Column("recipient_tel", "配送先 電話番号", _attr("recipient_tel")),
    Column("recipient_zip", "配送先 郵便番号", _attr("recipient_zip")),
    Column("recipient_address", "配送先 住所", _attr("recipient_address")),
    Column("delivery_date", "配送希望日",
           lambda o: f"{o.delivery_date:%Y-%m-%d}" if o.delivery_date else ""),
    Column("delivery_time", "配送希望時間帯", _attr("delivery_time")),
    Column("wrapping", "包装オプション", _attr("wrapping")),
    Column("note", "備考", _attr("note")),
    Column("payment_method", "決済方法", lambda o: _PAYMENT[o.payment_method]),
    Column("payment_status", "決済状態", _attr("payment_status")),
    Column("payment_reference", "決済情報", _attr("payment_reference")),
    Column("paid_at", "決済完了日", lambda o: _dt(o.paid_at)),
    Column("items", "購入商品", _items),
    Column("item_quantity", "数量合計", lambda o: sum(i.quantity for i in o.active_items)),
    Column("subtotal", "商品合計", _attr("subtotal")),
    Column("cod_fee", "代引き手数料", _attr("cod_fee")),
    Column("shipping_fee", "配送料", _attr("shipping_fee")),
    Column("wrapping_fee", "包装料", _attr("wrapping_fee")),
    Column("total", "合計金額", _attr("total")),
    Column("memo", "メモ", _attr("memo")),
    Column("carrier", "注文した端末", _attr("carrier")),
)
HEADER: tuple[str, ...] = tuple(c.name for c in COLUMNS)


def batched(values: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    """``values`` in slices of ``size`` (itertools.batched arrived in Python 3.12)."""
    iterator = iter(values)
    while chunk := list(islice(iterator, size)):
        yield chunk


def order_row(order: Any) -> list[object]:
    """The CSV cells of one order (an ``Order`` or a record with the same attributes)."""
    return [column.value(order) for column in COLUMNS]


def write_orders_csv(orders: Iterable[Any], encoding: str = CP932) -> Iterator[bytes]:
    """The CSV of ``orders`` as byte chunks (header first, CRLF, cells neutralised)."""
    return csv_chunks(HEADER, (order_row(o) for o in orders), encoding, CHUNK)


# -- ダウンロード (P17): the current search, read in chunks -------------------------------


class _Record:
    """An order read with Core (no ORM identity map): the attributes ``COLUMNS`` use."""

    active_items: Sequence[Any]


def _records(engine: Engine, ids: Sequence[int]) -> list[_Record]:
    """The orders ``ids`` with their active items, in the order of ``ids``."""
    with engine.connect() as conn:
        rows = conn.execute(select(Order.__table__).where(Order.id.in_(ids))).mappings()
        by_id: dict[int, _Record] = {}
        for row in rows:
            record = _Record()
            record.__dict__.update(row)
            record.active_items = []
            by_id[row["id"]] = record
        items = conn.execute(
            select(OrderItem.__table__)
            .where(OrderItem.order_id.in_(ids), OrderItem.cancelled.is_(False))
            .order_by(OrderItem.id)
        )
        for item in items:
            by_id[item.order_id].active_items.append(item)  # type: ignore[attr-defined]
    return [by_id[i] for i in ids if i in by_id]


def search_csv(engine: Engine, search: OrderSearch, encoding: str = CP932) -> Iterator[bytes]:
    """ダウンロード: the CSV of ``search``'s orders, newest first; changes nothing.

    Only the ids are read at once; orders follow in chunks, each in a short
    transaction of its own, so memory stays flat and no lock is held for the download.
    """

    def records() -> Iterator[_Record]:
        with engine.connect() as conn:
            ids = conn.scalars(search.ids_statement()).all()
        for chunk in batched(ids, CHUNK):
            yield from _records(engine, chunk)

    return write_orders_csv(records(), encoding)


# -- 注文情報ダウンロード (P16): export and flip in one transaction --------------------------


def _claim_completed(session: Session) -> list[int]:
    """Lock every 注文完了 order for this transaction; oldest first.

    PostgreSQL: ``FOR UPDATE SKIP LOCKED`` — an order another admin's download holds
    is skipped (it is in that file) instead of waited for and exported twice.
    SQLite: the engine opens every transaction with ``BEGIN IMMEDIATE``, so a second
    download waits for the first to commit and then finds those orders 出荷指示.
    """
    return list(session.scalars(
        select(Order.id)
        .where(Order.status == OrderStatus.COMPLETED)
        .order_by(Order.ordered_at, Order.id)
        .with_for_update(skip_locked=True)
    ))


def _instruct(session: Session, ids: Sequence[int], actor: str) -> Iterator[list[object]]:
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
