"""出荷結果 (P20, P21): the rule for registering a 配送伝票, written once.

``Order.register_shipment`` (one order, ORM) and ``models.shipments.register_shipments``
(a CSV's worth, Core) both decide with ``decide_shipment``: it reads plain values and
returns what to change, so either can write the result its own way.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import NamedTuple

from .statuses import OrderStatus, PackageStatus

S = OrderStatus


class SlipDetails:
    """The 配送伝票 fields a shipment registration carries (P19's columns)."""

    __slots__ = ("delivery_no", "delivery_date", "shop_code", "shop_name", "shop_tel", "shop_memo",
                 "delivery_company")

    def __init__(
        self,
        delivery_no: str,
        delivery_date: datetime | None = None,
        shop_code: str = "",
        shop_name: str = "",
        shop_tel: str = "",
        shop_memo: str = "",
        delivery_company: str = "",
    ) -> None:
        self.delivery_no = delivery_no
        # None: keep the date already registered, or today for a first registration.
        self.delivery_date = delivery_date
        self.shop_code, self.shop_name = shop_code, shop_name
        self.shop_tel, self.shop_memo = shop_tel, shop_memo
        self.delivery_company = delivery_company  # 配送業者 (models.tracking); "" = 未指定


SLIP_FIELDS = SlipDetails.__slots__


class ShipmentRefusal(enum.Enum):
    """Why an order cannot take a 出荷結果 now (``refusal_message`` words it)."""

    NOTIFIED = "notified"  # the 出荷通知 has gone out: the slip is final
    NOT_INSTRUCTED = "not_instructed"  # the order is not 出荷指示
    IRREGULAR = "irregular"  # per order (P21) on a 出荷指示 set by hand in 訂正


class ShipmentDecision(NamedTuple):
    """What registering a slip does: refused, or the package columns to set and the event.

    ``values`` holds only the columns that change (``status`` and slip fields); empty
    with ``event`` None means the slip is already registered as it is.
    """

    refusal: ShipmentRefusal | None
    values: dict[str, object]
    event: str | None

    @property
    def changed(self) -> bool:
        return bool(self.values)


def shipment_refusal(order_status: str, package_status: str, instructed_by_download: bool,
                     *, by_hand: bool) -> ShipmentRefusal | None:
    """Why this order cannot take a 出荷結果 now; None when it can."""
    if package_status == PackageStatus.NOTIFIED:
        return ShipmentRefusal.NOTIFIED
    if order_status != S.INSTRUCTED:
        return ShipmentRefusal.NOT_INSTRUCTED
    if by_hand and not instructed_by_download:
        return ShipmentRefusal.IRREGULAR
    return None


def refusal_message(refusal: ShipmentRefusal, order_status: str) -> str:
    """The TransitionError text of ``refusal`` for an order in ``order_status``."""
    if refusal is ShipmentRefusal.NOTIFIED:
        return "出荷通知済の注文は出荷結果を変更できません。"
    if refusal is ShipmentRefusal.NOT_INSTRUCTED:
        label = OrderStatus(order_status).label
        return f"注文状態が「{label}」の注文は出荷結果を登録できません。"
    return ("訂正で出荷指示にした注文は、個別の出荷結果登録ができません。"
            "注文情報ダウンロードを使ってください。")


def slip_changes(stored: object, slip: SlipDetails, at: datetime) -> dict[str, object]:
    """The slip fields of ``slip`` that differ from ``stored`` (a package or a row of one).

    A slip without a date keeps the stored date, or takes ``at`` when there is none.
    """
    changes: dict[str, object] = {}
    for field in SLIP_FIELDS:
        value = getattr(slip, field)
        if value is None and field == "delivery_date":
            value = getattr(stored, field) or at
        if getattr(stored, field) != value:
            changes[field] = value
    return changes


def decide_shipment(order_status: str, instructed_by_download: bool, package_status: str,
                    stored: object, slip: SlipDetails, *, by_hand: bool,
                    at: datetime) -> ShipmentDecision:
    """出荷待ち → 出荷済 with ``slip``, or a slip update on a 出荷済 package (pure).

    ``stored`` is the package's current slip (anything with the slip fields as
    attributes); ``at`` is the time a slip without a date is registered at.
    """
    refusal = shipment_refusal(order_status, package_status, instructed_by_download,
                               by_hand=by_hand)
    if refusal is not None:
        return ShipmentDecision(refusal, {}, None)
    values = slip_changes(stored, slip, at)
    if package_status == PackageStatus.WAITING:
        values["status"] = PackageStatus.SHIPPED
        return ShipmentDecision(None, values,
                                f"荷物状態: 出荷待ち → 出荷済（伝票番号 {slip.delivery_no}）")
    if values:
        return ShipmentDecision(None, values, f"配送伝票を更新（伝票番号 {slip.delivery_no}）")
    return ShipmentDecision(None, values, None)
