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
``delivery_no``, and line-numbered errors. Every row is judged by the shop's rule
(``models.shipment_rule.decide_shipment``, the one ``Order.register_shipment`` uses) on the
orders as ``models.shipments.load_shipment_targets`` reads them with Core.
``apply_plan`` then registers the planned rows with ``models.shipments.register_shipments``
(one executemany UPDATE, one executemany INSERT) in the caller's transaction; the caller
commits only when the whole plan applied. A file with any error applies nothing.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from sqlalchemy.orm import Session

from admin.common.csv_read import CsvError, CsvTable, read_csv
from models import OrderStatus, PackageStatus, SlipDetails, TransitionError, now
from models.shipment_rule import ShipmentDecision, ShipmentRefusal
from models.shipments import (
    ShipmentTarget,
    decide_for,
    load_shipment_targets,
    register_shipments,
    write_shipments,
)

from .slips import SlipFieldError, clean_delivery_no, clean_order_no, clean_slip_values

MAX_BYTES = 10 * 1024 * 1024
REQUIRED = ("order_no", "delivery_no")
SAMPLE_COLUMNS = ("order_no", "delivery_no", "delivery_date", "shop_code", "shop_name",
                  "shop_tel", "shop_memo")
# Read when present in either shape of file: 配送業者 (models.tracking).
OPTIONAL_COLUMNS = ("delivery_company",)
# The example row of the 出荷結果サンプル (P19: "delete it before entering yours").
SAMPLE_ROW = ("20081021_0000000001", "1234-5678-9012", "2008-10-21 14:28:00", "10",
              "勝どき配送センター", "03-0000-0000", "備考")
# The order CSV's second column (admin.orders.order_csv.COLUMNS); the sample never has it.
ORDER_CSV_MARKER = "order_datetime"
# Why a row's order cannot take a 出荷結果, as the upload page words it for a clerk;
# which orders are refused is the rule's (models.shipment_rule.shipment_refusal) decision.
_NOTIFIED_TEXT = "出荷通知済のため、出荷結果を変更できません。"
_NOT_INSTRUCTED_TEXTS = {
    OrderStatus.PROVISIONAL: "仮注文のため出荷できません（注文が確定していません）。",
    OrderStatus.COMPLETED: "注文完了のままです。注文情報ダウンロードで出荷指示にしてから"
                           "登録してください。",
    OrderStatus.DONE: "完了した注文です。",
    OrderStatus.CANCELLED: "キャンセルされた注文です。",
}


class ShipmentRow(NamedTuple):
    """One file row that will register a shipment on ``order``, and what the rule decided."""

    line_no: int
    order: ShipmentTarget  # order_no, recipient_name and the stored slip, for the preview
    slip: SlipDetails
    decision: ShipmentDecision

    @property
    def delivery_date(self) -> datetime | None:
        """配送日 as it will be stored: the file's, else the one registered before, else
        the moment the plan was judged (a first registration without a date)."""
        value = self.decision.values.get("delivery_date", self.order.delivery_date)
        return value if isinstance(value, datetime) else None


@dataclass
class ImportPlan:
    """What a file will do; nothing in the database has changed yet."""

    to_ship: list[ShipmentRow] = field(default_factory=list)  # 出荷待ち → 出荷済
    to_update: list[ShipmentRow] = field(default_factory=list)  # 出荷済, slip fields differ
    unchanged: list[int] = field(default_factory=list)  # lines already registered as they are
    skipped: list[int] = field(default_factory=list)  # lines with an empty delivery_no
    errors: list[CsvError] = field(default_factory=list)
    file_shape: str = "sample"  # "sample" or "orders" (the downloaded order CSV)
    # The session and the orders the plan was judged in and on (for apply_plan).
    session: Session | None = field(default=None, repr=False, compare=False)
    targets: dict[str, ShipmentTarget] = field(default_factory=dict, repr=False)
    locked: bool = False

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


class _Parsed(NamedTuple):
    line_no: int
    order_no: str
    values: dict[str, object]  # cleaned slip fields present in the file


def plan_import(session: Session, data: bytes, *, lock: bool = False) -> ImportPlan:
    """Read ``data`` and judge every row against the current orders (changes nothing).

    ``lock`` takes row locks (PostgreSQL ``FOR UPDATE``) for a plan about to be applied.
    """
    plan = ImportPlan(session=session, locked=lock)
    with without_cyclic_gc():
        try:
            table = read_csv(data, REQUIRED, MAX_BYTES)
        except CsvError as error:
            plan.errors.append(error)
            return plan
        plan.file_shape = "orders" if table.has(ORDER_CSV_MARKER) else "sample"
        columns = _slip_columns(table, plan.file_shape)
        parsed = list(_parse_rows(table, columns, plan))
        plan.targets = load_shipment_targets(session, (p.order_no for p in parsed), lock=lock)
        at = now()
        for row in parsed:
            _judge(plan, row, plan.targets.get(row.order_no), at)
    return plan


def apply_plan(plan: ImportPlan, actor: str) -> int:
    """Register every planned shipment (caller commits); returns how many changed.

    In the session that planned. A locked plan's rows were decided on orders locked in
    this transaction: what the rule decided is written as it is
    (``models.shipments.write_shipments``: one executemany UPDATE, one INSERT). An
    unlocked plan's slips go through ``register_shipments``, which reads the orders
    again, locked, and decides again.

    :raise models.TransitionError: an order changed since it was planned (roll back).
    """
    if not plan.ok:
        raise ValueError("a plan with errors cannot be applied")
    rows = plan.to_ship + plan.to_update
    if not rows:
        return 0
    assert plan.session is not None, "apply the plan in the session that planned it"
    if plan.locked:
        with without_cyclic_gc():
            return write_shipments(plan.session, ((row.order, row.decision) for row in rows),
                                   actor)
    result = register_shipments(plan.session, {row.order.order_no: row.slip for row in rows},
                                actor)
    if not result.ok:
        for order_no in result.missing:
            raise TransitionError(f"注文番号 {order_no} の注文はありません。")
        raise TransitionError(next(iter(result.refused.values())))
    return result.changed


@contextmanager
def without_cyclic_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a file is read, judged or written.

    A 10,000-row file makes some 150,000 objects that live until the plan is done and
    form no reference cycles (reference counting frees them). Meanwhile the collector,
    counting them as survivors, traverses the whole heap of the process two or three
    times for nothing: 0.1-0.3 s of a 0.5 s import (bench/shipping_import.py).
    Process-wide: other threads' cyclic collections wait as long (their memory is
    still freed by reference counting). The collector's previous state is restored.
    A caller that plans, applies and commits in one pause, and drops the plan before
    it ends, spares the collector a pass over the plan's objects afterwards too.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _slip_columns(table: CsvTable, shape: str) -> tuple[str, ...]:
    """The slip columns read from this file: the order CSV gives only delivery_no; either
    shape may add the optional columns (delivery_company)."""
    base = ("delivery_no",) if shape == "orders" else SAMPLE_COLUMNS[1:]
    return tuple(name for name in (*base, *OPTIONAL_COLUMNS) if table.has(name))


def _parse_rows(table: CsvTable, columns: tuple[str, ...], plan: ImportPlan) -> Iterator[_Parsed]:
    """Clean each row's values; errors and skips go to ``plan``, good rows are yielded."""
    first_line: dict[str, int] = {}
    cleaner = _Cleaner(columns)
    for line_no, raw in table.rows:
        if not raw.get("delivery_no", "").strip():
            plan.skipped.append(line_no)
            continue
        try:
            order_no = clean_order_no(raw.get("order_no", ""))
            values = cleaner.clean(raw)
        except SlipFieldError as error:
            plan.errors.extend(CsvError(line_no, message) for message in error.messages)
            continue
        if order_no in first_line:
            plan.errors.append(CsvError(line_no, f"注文番号 {order_no} が{first_line[order_no]}行目"
                                                 "にもあります。1つの注文は1行にしてください。"))
            continue
        first_line[order_no] = line_no
        yield _Parsed(line_no, order_no, values)


class _Cleaner:
    """``clean_slip_values`` for the rows of one file, the shared cells checked once.

    Every row has its own ``delivery_no``, but a day's file repeats the other cells (the
    carrier's code, name and telephone, the shipping date): each distinct combination
    of them is checked once and its outcome, cleaned values or messages, reused.
    """

    def __init__(self, columns: tuple[str, ...]) -> None:
        self.others = tuple(name for name in columns if name != "delivery_no")
        self.seen: dict[tuple[str, ...], dict[str, object] | SlipFieldError] = {}

    def clean(self, raw: dict[str, str]) -> dict[str, object]:
        """The row's cleaned slip fields; SlipFieldError with every wrong field's message."""
        cells = tuple([raw[name] for name in self.others])  # read_csv gives every header
        rest = self.seen.get(cells)
        if rest is None:
            rest = self.seen[cells] = _outcome(dict(zip(self.others, cells, strict=True)))
        try:
            number = clean_delivery_no(raw["delivery_no"])
        except ValueError as error:
            messages = [str(error)]
        else:
            if not isinstance(rest, SlipFieldError):
                values = rest.copy()
                values["delivery_no"] = number
                return values
            messages = []
        if isinstance(rest, SlipFieldError):
            messages.extend(rest.messages)
        raise SlipFieldError(messages)


def _outcome(raw: dict[str, str]) -> dict[str, object] | SlipFieldError:
    try:
        return clean_slip_values(raw)
    except SlipFieldError as error:
        return error


def _judge(plan: ImportPlan, row: _Parsed, target: ShipmentTarget | None, at: datetime) -> None:
    """Place ``row`` in the plan by the rule: to ship, to update, unchanged, or an error."""
    if target is None:
        if (row.order_no, row.values.get("delivery_no")) == SAMPLE_ROW[:2]:
            plan.errors.append(CsvError(row.line_no, "出荷結果サンプルの入力例の行です。"
                                                     "この行を削除してから登録してください。"))
            return
        plan.errors.append(CsvError(row.line_no, f"注文番号 {row.order_no} の注文はありません。"))
        return
    slip = _slip_for(target, row.values)
    decision = decide_for(target, slip, at)
    if decision.refusal is not None:
        plan.errors.append(CsvError(row.line_no, f"注文番号 {row.order_no}: "
                                                 f"{_refusal_text(decision.refusal, target)}"))
    elif target.package_status == PackageStatus.WAITING:
        plan.to_ship.append(ShipmentRow(row.line_no, target, slip, decision))
    elif decision.changed:
        plan.to_update.append(ShipmentRow(row.line_no, target, slip, decision))
    else:
        plan.unchanged.append(row.line_no)


def _refusal_text(refusal: ShipmentRefusal, target: ShipmentTarget) -> str:
    if refusal is ShipmentRefusal.NOTIFIED:
        return _NOTIFIED_TEXT
    return _NOT_INSTRUCTED_TEXTS.get(target.order_status, "出荷待ちの注文ではありません。")


def _slip_for(target: ShipmentTarget, values: dict[str, object]) -> SlipDetails:
    """The slip to register: the file's columns, and what is stored for columns it lacks.

    An empty date cell stays None: the rule keeps the stored date, or takes now if new.
    """
    get = values.get
    return SlipDetails(
        get("delivery_no", target.delivery_no),  # type: ignore[arg-type]
        get("delivery_date", target.delivery_date),  # type: ignore[arg-type]
        get("shop_code", target.shop_code),  # type: ignore[arg-type]
        get("shop_name", target.shop_name),  # type: ignore[arg-type]
        get("shop_tel", target.shop_tel),  # type: ignore[arg-type]
        get("shop_memo", target.shop_memo),  # type: ignore[arg-type]
        get("delivery_company", target.delivery_company),  # type: ignore[arg-type]
    )


def _slip_key(slip: SlipDetails) -> str:
    date: datetime | None = slip.delivery_date
    # isoformat, not strftime: 確定 digests 10,000 of these (strftime took 25 ms).
    return "/".join([slip.delivery_no, date.isoformat() if date else "", slip.shop_code,
                     slip.shop_name, slip.shop_tel, slip.shop_memo, slip.delivery_company])
