"""消費税 of an order: its per-rate columns, kept as worked out by ``models.tax``.

The figures are stored, not recomputed on every read: a later change of the shop's
rounding rule or of a product's rate never rewrites an order already placed. Each line
keeps the rate it was ordered at (``OrderItem.tax_rate``) and the order keeps the
rounding rule it was placed under (``tax_rounding``); per-item 取消 in 訂正 recomputes
the order from those (``Order.recompute_totals`` calls ``recompute_tax``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .tax import RateTotal, Rounding, TaxRate, TaxSummary, summarize


class OrderTax:
    """Per-rate tax columns and their rule, mixed into ``Order``."""

    # The rounding rule (models.tax.Rounding) the order was placed under.
    tax_rounding: Mapped[str] = mapped_column(String(10), default=Rounding.FLOOR)
    # Tax-included amount at 8% and the tax in it; the same at 10% (fees included).
    taxable_8pct: Mapped[int] = mapped_column(Integer, default=0)
    tax_8pct: Mapped[int] = mapped_column(Integer, default=0)
    taxable_10pct: Mapped[int] = mapped_column(Integer, default=0)
    tax_10pct: Mapped[int] = mapped_column(Integer, default=0)

    if TYPE_CHECKING:  # provided by Order
        cod_fee: int
        shipping_fee: int
        wrapping_fee: int

        @property
        def active_items(self) -> list[Any]: ...

    @property
    def tax_summary(self) -> TaxSummary:
        """The order's figures per rate, as stored."""
        return TaxSummary(RateTotal(TaxRate.REDUCED, self.taxable_8pct, self.tax_8pct),
                          RateTotal(TaxRate.STANDARD, self.taxable_10pct, self.tax_10pct))

    def recompute_tax(self) -> None:
        """Work the tax out again from the active lines (at their own rates) and the fees."""
        fees = self.cod_fee + self.shipping_fee + self.wrapping_fee
        summary = summarize(((item.tax_rate, item.amount) for item in self.active_items),
                            fees, self.tax_rounding or Rounding.FLOOR)
        self.taxable_8pct, self.tax_8pct = summary.reduced.amount, summary.reduced.tax
        self.taxable_10pct, self.tax_10pct = summary.standard.amount, summary.standard.tax


def tax_totals(session: Session, *conditions: ColumnElement[bool]) -> TaxSummary:
    """The per-rate figures summed over the orders matching ``conditions`` (a 売上集計).

    Sums what each order states (its tax was rounded once per rate when it was worked
    out), so the totals agree with the documents the shoppers received.
    """
    from .orders import Order  # Order mixes this class in: import late

    row = session.execute(
        select(func.coalesce(func.sum(Order.taxable_8pct), 0),
               func.coalesce(func.sum(Order.tax_8pct), 0),
               func.coalesce(func.sum(Order.taxable_10pct), 0),
               func.coalesce(func.sum(Order.tax_10pct), 0)).where(*conditions)
    ).one()
    return TaxSummary(RateTotal(TaxRate.REDUCED, int(row[0]), int(row[1])),
                      RateTotal(TaxRate.STANDARD, int(row[2]), int(row[3])))
