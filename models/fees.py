"""The fee rule: 代引き手数料, 配送料 and 包装料 for an order (prices include tax).

Fees are worked out from a set of fee rules: the shop's settings for a new order, and
for an order already placed the rules it was placed under (``FeeRules``, kept on the
order), so a 訂正 years later charges what the shopper agreed to, never today's fees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from .statuses import PaymentMethod


class FeeSource(Protocol):
    """What the fee rule reads: ``ShopSettings`` or an order's own ``FeeRules``."""

    def shipping_fee_for(self, subtotal: int) -> int: ...

    def wrapping_fee(self, name: str | None) -> int: ...

    def cod_fee(self, amount: int) -> int: ...


@dataclass(frozen=True)
class Fees:
    subtotal: int
    cod_fee: int
    shipping_fee: int
    wrapping_fee: int

    @property
    def total(self) -> int:
        return self.subtotal + self.cod_fee + self.shipping_fee + self.wrapping_fee


@dataclass(frozen=True)
class FeeRules:
    """The fee settings one order was placed under (配送料, 送料無料の金額, 代引き手数料,
    包装オプション), kept as JSON on the order."""

    shipping_fee: int
    free_shipping_over: int | None
    cod_fee_tiers: list[dict[str, Any]] = field(default_factory=list)
    wrapping_options: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_settings(cls, settings: Any) -> FeeRules:
        return cls(int(settings.shipping_fee), settings.free_shipping_over,
                   [dict(t) for t in settings.cod_fee_tiers or []],
                   [dict(o) for o in settings.wrapping_options or []])

    @classmethod
    def as_charged(cls, shipping_fee: int, cod_fee: int, wrapping: str,
                   wrapping_fee: int) -> FeeRules:
        """Rules that give an order placed before fee rules were kept the fees it was
        charged: the same 配送料, 代引き手数料 and 包装料 whatever its lines."""
        return cls(shipping_fee, None, [{"up_to": None, "fee": cod_fee}],
                   [{"name": wrapping, "fee": wrapping_fee}] if wrapping else [])

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FeeRules:
        return cls(int(data["shipping_fee"]), data.get("free_shipping_over"),
                   list(data.get("cod_fee_tiers") or []),
                   list(data.get("wrapping_options") or []))

    def to_json(self) -> dict[str, Any]:
        return {"shipping_fee": self.shipping_fee, "free_shipping_over": self.free_shipping_over,
                "cod_fee_tiers": self.cod_fee_tiers, "wrapping_options": self.wrapping_options}

    def wrapping_fee(self, name: str | None) -> int:
        for option in self.wrapping_options:
            if option.get("name") == name:
                return int(option.get("fee", 0))
        return 0

    def cod_fee(self, amount: int) -> int:
        for tier in self.cod_fee_tiers:
            up_to = tier.get("up_to")
            if up_to is None or amount <= int(up_to):
                return int(tier.get("fee", 0))
        return 0

    def shipping_fee_for(self, subtotal: int) -> int:
        if self.free_shipping_over is not None and subtotal >= self.free_shipping_over:
            return 0
        return self.shipping_fee


def order_fee_rules(order: Any) -> FeeRules:
    """The fee rules ``order`` was placed under (``Order.fee_rules``); for an order placed
    before they were kept, rules that give the fees it was charged (kept from then on)."""
    if order.fee_rules is None:
        order.fee_rules = FeeRules.as_charged(order.shipping_fee, order.cod_fee, order.wrapping,
                                              order.wrapping_fee).to_json()
    return FeeRules.from_json(order.fee_rules)


def calculate_fees(
    settings: FeeSource, subtotal: int, payment: PaymentMethod, wrapping: str | None
) -> Fees:
    """Fees for goods worth ``subtotal`` yen under ``settings`` (the shop's, or an order's
    own ``FeeRules``).

    An order with nothing left to ship (every line cancelled) costs nothing. The 代引き
    tier is chosen by the amount the carrier collects before its own fee.
    """
    if subtotal <= 0:
        return Fees(0, 0, 0, 0)
    shipping = settings.shipping_fee_for(subtotal)
    wrapping_fee = settings.wrapping_fee(wrapping)
    cod = 0
    if payment is PaymentMethod.COD:
        cod = settings.cod_fee(subtotal + shipping + wrapping_fee)
    return Fees(subtotal, cod, shipping, wrapping_fee)
