"""What the shopper confirms on the 最終確認画面, as one value: the lines at their prices
and rates, 決済方法 and 包装, the fees, the total and the tax per rate (``Quote``).

The page shows a quote of the cart; 注文する places the order only if the order it
builds quotes the same (``place_order(confirmed=...)``). A price, a fee setting, a rate
or the rounding changed in between (by the shop, in another tab) sends the shopper back
to the page with the new figures; nothing is ordered at figures nobody saw.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from .catalog import Variant
from .errors import DomainError
from .fees import Fees, calculate_fees
from .shop import ShopSettings
from .statuses import PaymentMethod
from .tax import TaxSummary, summarize

if TYPE_CHECKING:
    from .checkout import CartLine
    from .orders import Order

QUOTE_CHANGED = ("価格・送料・手数料などが変わりました。新しい金額をご確認のうえ、"
                 "もう一度「注文する」を押してください。")


class QuoteChanged(DomainError):
    """The order 注文する would place differs from what the shopper confirmed."""


@dataclass(frozen=True)
class Quote:
    # (variant id, unit price, quantity, tax rate) per line, in the cart's order
    lines: tuple[tuple[int, int, int, int], ...]
    payment: str
    wrapping: str
    fees: Fees
    tax: TaxSummary

    @property
    def total(self) -> int:
        return self.fees.total

    def digest(self) -> str:
        """A fingerprint of every figure the 最終確認画面 shows."""
        data = [self.lines, self.payment, self.wrapping,
                [self.fees.subtotal, self.fees.cod_fee, self.fees.shipping_fee,
                 self.fees.wrapping_fee],
                [[t.rate, t.amount, t.tax] for t in (self.tax.reduced, self.tax.standard)]]
        return hashlib.sha256(json.dumps(data).encode()).hexdigest()


def quote_cart(session: Session, lines: Sequence[CartLine], payment: PaymentMethod | str,
               wrapping: str = "", settings: ShopSettings | None = None) -> Quote:
    """The quote of cart lines at today's prices, rates and fee settings (lines whose
    product is gone count nothing: the cart page drops them)."""
    settings = settings or ShopSettings.load(session)
    quoted = []
    for line in lines:
        variant = session.get(Variant, line.variant_id)
        if variant is not None and variant.product is not None:
            product = variant.product
            quoted.append((variant.id, product.price, line.quantity, product.tax_rate))
    payment = PaymentMethod(payment)
    subtotal = sum(price * quantity for _, price, quantity, _ in quoted)
    fees = calculate_fees(settings, subtotal, payment, wrapping or None)
    return _quote(quoted, payment, wrapping, fees, settings.tax_rounding)


def quote_order(order: Order) -> Quote:
    """The quote of an order as placed (its active lines, fees and rules)."""
    quoted = [(item.variant_id or 0, item.unit_price, item.quantity, item.tax_rate)
              for item in order.active_items]
    fees = Fees(order.subtotal, order.cod_fee, order.shipping_fee, order.wrapping_fee)
    return _quote(quoted, order.payment, order.wrapping, fees, order.tax_rounding)


def _quote(lines: list[tuple[int, int, int, int]], payment: PaymentMethod, wrapping: str,
           fees: Fees, rounding: str) -> Quote:
    fee_total = fees.cod_fee + fees.shipping_fee + fees.wrapping_fee
    tax = summarize(((rate, price * quantity) for _, price, quantity, rate in lines),
                    fee_total, rounding)
    return Quote(tuple(lines), payment.value, wrapping or "", fees, tax)
