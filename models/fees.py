"""The fee rule: 代引き手数料, 配送料 and 包装料 for an order (prices include tax)."""

from __future__ import annotations

from dataclasses import dataclass

from .shop import ShopSettings
from .statuses import PaymentMethod


@dataclass(frozen=True)
class Fees:
    subtotal: int
    cod_fee: int
    shipping_fee: int
    wrapping_fee: int

    @property
    def total(self) -> int:
        return self.subtotal + self.cod_fee + self.shipping_fee + self.wrapping_fee


def calculate_fees(
    settings: ShopSettings, subtotal: int, payment: PaymentMethod, wrapping: str | None
) -> Fees:
    """Fees for goods worth ``subtotal`` yen.

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
