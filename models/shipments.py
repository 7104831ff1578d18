"""出荷結果 for many orders at once (P20's CSV): the same rule as ``Order.register_shipment``.

``register_shipments(session, slips, actor)`` registers a slip per order number the way
``Order.register_shipment(slip, actor, by_hand=False)`` would for each, deciding with the
same ``decide_shipment``, but set-based: the orders are read with Core (only the columns
the rule and the preview read), and the changes are written with one executemany UPDATE
of ``packages`` and one executemany INSERT of ``order_events``. No ORM object is built;
the session's identity map is not touched, so call it in a session that holds no
loaded orders or packages (or expire them afterwards). Nothing is committed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import NamedTuple

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from .base import now
from .orders import Order, OrderEvent, Package
from .shipment_rule import (
    SLIP_FIELDS,
    ShipmentDecision,
    SlipDetails,
    decide_shipment,
    refusal_message,
)
from .statuses import PackageStatus

# Order numbers per SELECT: under the bound-parameter limits of SQLite (32,766 since
# 3.32) and PostgreSQL (65,535); fewer, larger statements read 10,000 orders faster.
_CHUNK = 10_000


class ShipmentTarget(NamedTuple):
    """What the rule reads of one order and its package, and what a preview lists.

    The slip fields carry the package's names, so a target is a ``stored`` slip for
    ``decide_shipment`` and ``slip_changes``.
    """

    order_id: int
    order_no: str
    order_status: str
    instructed_by_download: bool
    recipient_name: str
    package_id: int
    package_status: str
    delivery_no: str
    delivery_date: datetime | None
    shop_code: str
    shop_name: str
    shop_tel: str
    shop_memo: str
    delivery_company: str


_TARGET_COLUMNS = (
    Order.id, Order.order_no, Order.status, Order.instructed_by_download,
    Order.recipient_name, Package.id, Package.status,
    *(getattr(Package, name) for name in SLIP_FIELDS),
)


def load_shipment_targets(session: Session, order_nos: Iterable[str], *,
                          lock: bool = False) -> dict[str, ShipmentTarget]:
    """The orders with these numbers that have a package, by order number.

    ``lock`` takes the packages' row locks (PostgreSQL ``FOR UPDATE``) for a write to come.
    """
    wanted = sorted(set(order_nos))
    found: dict[str, ShipmentTarget] = {}
    for start in range(0, len(wanted), _CHUNK):
        query = (select(*_TARGET_COLUMNS).join(Order.package)
                 .where(Order.order_no.in_(wanted[start:start + _CHUNK])))
        if lock:
            query = query.with_for_update(of=Package)
        # Core, not the ORM: plain rows, no ORM result processing per row.
        targets = map(ShipmentTarget._make, session.connection().execute(query).all())
        found.update({target.order_no: target for target in targets})
    return found


def decide_for(target: ShipmentTarget, slip: SlipDetails, at: datetime) -> ShipmentDecision:
    """``decide_shipment`` for a CSV row (not by hand) on a loaded target."""
    return decide_shipment(target.order_status, target.instructed_by_download,
                           target.package_status, target, slip, by_hand=False, at=at)


@dataclass
class ShipmentResult:
    """What ``register_shipments`` did, by order number.

    When ``missing`` or ``refused`` is not empty nothing was written (all or nothing):
    ``shipped`` and ``updated`` then say what the slips would have done.
    """

    shipped: list[str] = field(default_factory=list)  # 出荷待ち → 出荷済
    updated: list[str] = field(default_factory=list)  # 出荷済, slip fields changed
    unchanged: list[str] = field(default_factory=list)  # already registered as they are
    missing: list[str] = field(default_factory=list)  # no such order (or no package)
    refused: dict[str, str] = field(default_factory=dict)  # order_no → the rule's message

    @property
    def ok(self) -> bool:
        return not self.missing and not self.refused

    @property
    def changed(self) -> int:
        """How many orders were changed (0 when nothing was written)."""
        return len(self.shipped) + len(self.updated) if self.ok else 0


def register_shipments(session: Session, slips: Mapping[str, SlipDetails], actor: str, *,
                       targets: Mapping[str, ShipmentTarget] | None = None) -> ShipmentResult:
    """Register ``slips`` (order number → slip) as a CSV does; the caller commits.

    ``targets`` are the orders as ``load_shipment_targets(..., lock=True)`` read them in
    this transaction (a caller that has read them already saves a second read); without
    them they are read here, locked. Returns what was done; writes nothing unless
    every slip can be registered.
    """
    if targets is None:
        targets = load_shipment_targets(session, slips, lock=True)
    result, at = ShipmentResult(), now()
    decided: list[tuple[ShipmentTarget, ShipmentDecision]] = []
    for order_no, slip in slips.items():
        target = targets.get(order_no)
        if target is None:
            result.missing.append(order_no)
            continue
        decision = decide_for(target, slip, at)
        if decision.refusal is not None:
            result.refused[order_no] = refusal_message(decision.refusal, target.order_status)
        elif decision.event is None:
            result.unchanged.append(order_no)
        else:
            shipped = target.package_status == PackageStatus.WAITING
            (result.shipped if shipped else result.updated).append(order_no)
            decided.append((target, decision))
    if result.ok:
        write_shipments(session, decided, actor)
    return result


_PACKAGES = Package.__table__
_PACKAGE_COLUMNS = ("status", *SLIP_FIELDS)
_UPDATE_PACKAGES = (
    update(_PACKAGES).where(_PACKAGES.c.id == bindparam("b_id"))
    .values({name: bindparam("b_" + name) for name in _PACKAGE_COLUMNS})
)


def write_shipments(session: Session,
                    decided: Iterable[tuple[ShipmentTarget, ShipmentDecision]],
                    actor: str) -> int:
    """Write what ``decide_for`` decided for these targets; returns how many changed.

    The targets must have been read in this transaction, locked
    (``load_shipment_targets(..., lock=True)``), and every decision must be one that
    was not refused. One executemany UPDATE of the packages (their whole new state)
    and one executemany INSERT of the events: what a flush of
    ``Order.register_shipment``'s changes writes, without the unit of work
    (tests/admin_delivery/test_import_rules.py compares the two).
    """
    at = now()
    packages: list[dict[str, object]] = []
    events: list[dict[str, object]] = []
    for target, decision in decided:
        if decision.refusal is not None:
            raise ValueError(f"order {target.order_no}: a refused shipment cannot be written")
        if decision.event is None:
            continue
        packages.append(_package_params(target, decision.values))
        events.append({"order_id": target.order_id, "at": at, "actor": actor,
                       "action": decision.event})
    if packages:
        connection = session.connection()
        _executemany(connection, _UPDATE_PACKAGES, packages)
        _executemany(connection, _INSERT_EVENTS, events)
    return len(packages)


_INSERT_EVENTS = insert(OrderEvent.__table__).values(
    {name: bindparam(name) for name in ("order_id", "at", "actor", "action")}
)


def _executemany(connection: Connection, statement: Executable,
                 rows: list[dict[str, object]]) -> None:
    """``statement`` once per row, straight to the driver: for 10,000 rows SQLAlchemy's
    per-row parameter processing costs as much as the database's own work. Values are
    converted as SQLAlchemy would (its own bind processors, each distinct value once:
    a file's rows share a handful of dates), so the stored bytes are exactly those of
    ``session.execute(statement, rows)``. The rows' values are converted in place."""
    dialect = connection.dialect
    compiled = statement.compile(dialect=dialect)
    for name, bind in compiled.binds.items():
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is None:
            continue
        done: dict[object, object] = {None: None}
        for row in rows:
            value = row[name]
            if value not in done:
                done[value] = process(value)
            row[name] = done[value]
    names = compiled.positiontup
    if names is not None:  # positional paramstyle (SQLite's qmark)
        pick = itemgetter(*names)
        params: list = ([pick(row) for row in rows] if len(names) > 1
                        else [(pick(row),) for row in rows])
    else:
        params = rows
    connection.exec_driver_sql(compiled.string, params)


def _package_params(target: ShipmentTarget, values: dict[str, object]) -> dict[str, object]:
    """The package's whole new state for ``_UPDATE_PACKAGES``: the rule's changes over
    what is stored. Spelt out, as it runs once per row of a 10,000-row file; a slip
    field added to SlipDetails but not here fails every write ("a value is required
    for bind parameter"), so it cannot go unnoticed."""
    get = values.get
    return {"b_id": target.package_id, "b_status": get("status", target.package_status),
            "b_delivery_no": get("delivery_no", target.delivery_no),
            "b_delivery_date": get("delivery_date", target.delivery_date),
            "b_shop_code": get("shop_code", target.shop_code),
            "b_shop_name": get("shop_name", target.shop_name),
            "b_shop_tel": get("shop_tel", target.shop_tel),
            "b_shop_memo": get("shop_memo", target.shop_memo),
            "b_delivery_company": get("delivery_company", target.delivery_company)}
