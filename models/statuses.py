"""The two status ladders of the manual: 注文状態 (orders) and 荷物状態 (packages)."""

from __future__ import annotations

import enum


class OrderStatus(enum.StrEnum):
    """注文状態: 仮注文 → 注文完了 → 出荷指示 → 完了, and キャンセル."""

    PROVISIONAL = "provisional"
    COMPLETED = "completed"
    INSTRUCTED = "instructed"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _ORDER_LABELS[self]

    @classmethod
    def from_label(cls, label: str) -> OrderStatus:
        for status, text in _ORDER_LABELS.items():
            if text == label:
                return status
        raise ValueError(label)


_ORDER_LABELS = {
    OrderStatus.PROVISIONAL: "仮注文",
    OrderStatus.COMPLETED: "注文完了",
    OrderStatus.INSTRUCTED: "出荷指示",
    OrderStatus.DONE: "完了",
    OrderStatus.CANCELLED: "キャンセル",
}


class PackageStatus(enum.StrEnum):
    """荷物状態 on the 配送 screen: 出荷待ち → 出荷済 → 出荷通知済."""

    WAITING = "waiting"
    SHIPPED = "shipped"
    NOTIFIED = "notified"

    @property
    def label(self) -> str:
        return _PACKAGE_LABELS[self]


_PACKAGE_LABELS = {
    PackageStatus.WAITING: "出荷待ち",
    PackageStatus.SHIPPED: "出荷済",
    PackageStatus.NOTIFIED: "出荷通知済",
}


class PaymentMethod(enum.StrEnum):
    COD = "cod"
    CARD = "card"

    @property
    def label(self) -> str:
        return "代引き" if self is PaymentMethod.COD else "クレジットカード"
