"""出荷結果登録 by CSV (P18–P20): what a file will do, then doing it all or not at all.

Two shapes of file are accepted, told apart by header names only (P18, P19):

- the order CSV of 注文情報ダウンロード with a ``delivery_no`` column inserted anywhere;
  only ``order_no`` and ``delivery_no`` are read, every other column is ignored (its
  ``delivery_date``-like columns describe the order, not the shipment);
- the 出荷結果サンプル: ``order_no, delivery_no, delivery_date, shop_code, shop_name,
  shop_tel, shop_memo``.

``plan_import(session, data)`` reads the file and the orders and returns an
``ImportPlan`` without changing anything: rows that will become 出荷済, rows that will
update a slip, rows already registered as they are, rows skipped for an empty
``delivery_no``, and line-numbered errors. ``apply_plan`` then calls
``Order.register_shipment`` for every row, in the caller's transaction (a session of
its own: it is emptied); the caller commits only when the whole plan applied. A file
with any error applies nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session, contains_eager, load_only, object_session
from sqlalchemy.orm.attributes import set_committed_value

from models import Order, OrderEvent, OrderStatus, Package, PackageStatus, SlipDetails, now

from .csv_read import CsvError, CsvTable, read_csv
from .slip_fields import SlipFieldError, clean_order_no, clean_slip_values

MAX_BYTES = 10 * 1024 * 1024
REQUIRED = ("order_no", "delivery_no")
SAMPLE_COLUMNS = ("order_no", "delivery_no", "delivery_date", "shop_code", "shop_name",
                  "shop_tel", "shop_memo")
# The example row of the 出荷結果サンプル (P19: "delete it before entering yours").
SAMPLE_ROW = ("20081021_0000000001", "1234-5678-9012", "2008-10-21 14:28:00", "10",
              "勝どき配送センター", "03-0000-0000", "備考")
# The order CSV's second column (admin.order_csv.COLUMNS); the sample never has it.
ORDER_CSV_MARKER = "order_datetime"
_CHUNK = 500  # order numbers per SELECT: well under every database's parameter limit


@dataclass
class ShipmentRow:
    """One file row that will register a shipment for ``order``."""

    line_no: int
    order: Order
    slip: SlipDetails


@dataclass
class ImportPlan:
    """What a file will do; nothing in the database has changed yet."""

    to_ship: list[ShipmentRow] = field(default_factory=list)  # 出荷待ち → 出荷済
    to_update: list[ShipmentRow] = field(default_factory=list)  # 出荷済, slip fields differ
    unchanged: list[int] = field(default_factory=list)  # lines already registered as they are
    skipped: list[int] = field(default_factory=list)  # lines with an empty delivery_no
    errors: list[CsvError] = field(default_factory=list)
    file_shape: str = "sample"  # "sample" or "orders" (the downloaded order CSV)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def counts(self) -> dict[str, int]:
        return {"ship": len(self.to_ship), "update": len(self.to_update),
                "unchanged": len(self.unchanged), "skip": len(self.skipped)}

    def fingerprint(self) -> str:
        """Digest of what the plan will do, to notice a change between preview and 確定."""
        text = "|".join(
            f"{kind}:{row.order.order_no}:{_slip_key(row.slip)}"
            for kind, rows in (("s", self.to_ship), ("u", self.to_update)) for row in rows
        )
        return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass
class _Parsed:
    line_no: int
    order_no: str
    values: dict[str, object]  # cleaned slip fields present in the file


def plan_import(session: Session, data: bytes, *, lock: bool = False) -> ImportPlan:
    """Read ``data`` and judge every row against the current orders (changes nothing).

    ``lock`` takes row locks (PostgreSQL ``FOR UPDATE``) for a plan about to be applied.
    """
    plan = ImportPlan()
    try:
        table = read_csv(data, REQUIRED, MAX_BYTES)
    except CsvError as error:
        plan.errors.append(error)
        return plan
    plan.file_shape = "orders" if table.has(ORDER_CSV_MARKER) else "sample"
    columns = _slip_columns(table, plan.file_shape)
    parsed = list(_parse_rows(table, columns, plan))
    orders = _load_orders(session, {p.order_no for p in parsed}, lock)
    for row in parsed:
        _judge(plan, row, orders.get(row.order_no))
    return plan


def apply_plan(plan: ImportPlan, actor: str) -> int:
    """Register every planned shipment (caller commits); returns how many changed.

    Each row goes through ``Order.register_shipment`` (the one rule) on the orders as
    loaded by the plan; what the rule changed is then written with two executemany
    statements (``_write_in_bulk``). The session is emptied first (``expunge_all``):
    give the import a session of its own.

    :raise models.TransitionError: an order changed since it was planned (roll back).
    """
    if not plan.ok:
        raise ValueError("a plan with errors cannot be applied")
    rows = plan.to_ship + plan.to_update
    if not rows:
        return 0
    session = object_session(rows[0].order)
    assert session is not None, "apply the plan in the session that planned it"
    # Detached, the orders take the rule's changes as plain objects: no unit-of-work
    # bookkeeping per event, no flush writing them a second time at commit.
    session.expunge_all()
    changed = 0
    for row in rows:
        # The rule appends an event; the older ones are not needed for that.
        set_committed_value(row.order, "events", [])
        changed += row.order.register_shipment(row.slip, actor, by_hand=False)
    _write_in_bulk(session, rows)
    return changed


# What register_shipment may change: the package's status and slip, and new events.
# tests/admin_delivery/test_import_rules.py checks the bulk write against a plain flush.
_PACKAGE_FIELDS = ("status", *SlipDetails.__slots__)


def _write_in_bulk(session: Session, rows: list[ShipmentRow]) -> None:
    """Persist the rule's changes to these orders with one UPDATE and one INSERT batch.

    A unit-of-work flush of 10,000 packages and 10,000 events costs seconds (and on
    SQLite inserts events one by one to learn their ids); nothing reads those ids here.
    """
    packages: list[dict[str, object]] = []
    events: list[dict[str, object]] = []
    for row in rows:
        order, package = row.order, row.order.package
        packages.append({"b_id": package.id,
                         **{f"b_{name}": getattr(package, name) for name in _PACKAGE_FIELDS}})
        events.extend({"order_id": order.id, "at": event.at or now(), "actor": event.actor,
                       "action": event.action} for event in order.events)
    table = Package.__table__
    session.execute(
        update(table).where(table.c.id == bindparam("b_id"))
        .values({name: bindparam(f"b_{name}") for name in _PACKAGE_FIELDS}),
        packages,
    )
    if events:
        session.execute(insert(OrderEvent.__table__), events)


def _slip_columns(table: CsvTable, shape: str) -> tuple[str, ...]:
    """The slip columns read from this file: the order CSV gives only delivery_no."""
    if shape == "orders":
        return ("delivery_no",)
    return tuple(name for name in SAMPLE_COLUMNS[1:] if table.has(name))


def _parse_rows(table: CsvTable, columns: tuple[str, ...], plan: ImportPlan) -> Iterator[_Parsed]:
    """Clean each row's values; errors and skips go to ``plan``, good rows are yielded."""
    first_line: dict[str, int] = {}
    for line_no, raw in table.rows:
        if not raw.get("delivery_no", "").strip():
            plan.skipped.append(line_no)
            continue
        try:
            order_no = clean_order_no(raw.get("order_no", ""))
            values = clean_slip_values({name: raw.get(name, "") for name in columns})
        except SlipFieldError as error:
            plan.errors.extend(CsvError(line_no, message) for message in error.messages)
            continue
        if order_no in first_line:
            plan.errors.append(CsvError(line_no, f"注文番号 {order_no} が{first_line[order_no]}行目"
                                                 "にもあります。1つの注文は1行にしてください。"))
            continue
        first_line[order_no] = line_no
        yield _Parsed(line_no, order_no, values)


def _load_orders(session: Session, order_nos: Iterable[str], lock: bool) -> dict[str, Order]:
    """The orders with these numbers, with their packages."""
    wanted = sorted(order_nos)
    found: dict[str, Order] = {}
    for start in range(0, len(wanted), _CHUNK):
        query = (
            select(Order).join(Order.package)
            .where(Order.order_no.in_(wanted[start:start + _CHUNK]))
            # Only what judging, the rule and the preview read (others load if touched).
            .options(contains_eager(Order.package),
                     load_only(Order.order_no, Order.status, Order.instructed_by_download,
                               Order.recipient_name))
        )
        if lock:
            query = query.with_for_update(of=Package)
        for order in session.scalars(query).unique():
            found[order.order_no] = order
    return found


def _judge(plan: ImportPlan, row: _Parsed, order: Order | None) -> None:
    """Place ``row`` in the plan: to ship, to update, unchanged, or an error."""
    if order is None:
        if (row.order_no, row.values.get("delivery_no")) == SAMPLE_ROW[:2]:
            plan.errors.append(CsvError(row.line_no, "出荷結果サンプルの入力例の行です。"
                                                     "この行を削除してから登録してください。"))
            return
        plan.errors.append(CsvError(row.line_no, f"注文番号 {row.order_no} の注文はありません。"))
        return
    refusal = _refusal(order)
    if refusal:
        plan.errors.append(CsvError(row.line_no, f"注文番号 {row.order_no}: {refusal}"))
        return
    slip = _slip_for(order.package, row.values)
    planned = ShipmentRow(row.line_no, order, slip)
    if order.package.status == PackageStatus.WAITING:
        plan.to_ship.append(planned)
    elif _differs(order.package, slip):
        plan.to_update.append(planned)
    else:
        plan.unchanged.append(row.line_no)


def _refusal(order: Order) -> str | None:
    """Why this order cannot take a shipment result now (None: it can)."""
    if order.package.status == PackageStatus.NOTIFIED:
        return "出荷通知済のため、出荷結果を変更できません。"
    if order.status == OrderStatus.INSTRUCTED:
        return None
    reasons = {
        OrderStatus.PROVISIONAL: "仮注文のため出荷できません（注文が確定していません）。",
        OrderStatus.COMPLETED: "注文完了のままです。注文情報ダウンロードで出荷指示にしてから"
                               "登録してください。",
        OrderStatus.DONE: "完了した注文です。",
        OrderStatus.CANCELLED: "キャンセルされた注文です。",
    }
    return reasons.get(order.status_enum, "出荷待ちの注文ではありません。")


def _slip_for(package: Package, values: dict[str, object]) -> SlipDetails:
    """The slip to register: the file's columns, and what is stored for columns it lacks."""
    fields = {name: getattr(package, name) for name in SlipDetails.__slots__}
    fields.update(values)
    if "delivery_date" in values and values["delivery_date"] is None:
        fields["delivery_date"] = None  # empty cell: keep the stored date, or now if new
    return SlipDetails(**fields)  # type: ignore[arg-type]


def _differs(package: Package, slip: SlipDetails) -> bool:
    for name in SlipDetails.__slots__:
        value = getattr(slip, name)
        if name == "delivery_date" and value is None:
            continue  # None keeps what is stored
        if getattr(package, name) != value:
            return True
    return False


def _slip_key(slip: SlipDetails) -> str:
    date: datetime | None = slip.delivery_date
    return "/".join([slip.delivery_no, f"{date:%Y%m%d%H%M%S}" if date else "", slip.shop_code,
                     slip.shop_name, slip.shop_tel, slip.shop_memo])
