"""消費税: the two rates, the rounding rule, and tax per rate per order (割戻し).

Prices are tax-included (総額表示). An order's tax is worked out from the tax-included
amount of each rate - its lines of that rate, plus the fees (配送料, 代引き手数料,
包装料), which are taxed at the standard rate - as ``amount × rate ÷ (100 + rate)``,
rounded once per rate per order by the shop's rule, never per line. This is what a
適格請求書 must show: per rate, the amount and the tax.

EC-CUBE's published example: 1,080円 (8%), 108円 (8%) and 1,100円 (10%) give 8%対象
1,188円 with 消費税 88円, and 10%対象 1,100円 with 消費税 100円.

Also here: the 適格請求書発行事業者登録番号 check (``T`` + a 13-digit number carrying the
法人番号 check digit).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass


class TaxRate(enum.IntEnum):
    """税率 of a product or an order line, in percent."""

    STANDARD = 10  # 標準税率
    REDUCED = 8  # 軽減税率 (food and drink, newspapers), since 2019-10

    @property
    def label(self) -> str:
        """The admin's words for the rate (商品情報, 設定)."""
        return "標準税率 10%" if self is TaxRate.STANDARD else "軽減税率 8%"


class Rounding(enum.StrEnum):
    """端数処理 of the tax of one rate (設定)."""

    FLOOR = "floor"  # 切り捨て (the usual choice, and the default)
    HALF_UP = "half_up"  # 四捨五入
    CEIL = "ceil"  # 切り上げ

    @property
    def label(self) -> str:
        return {"floor": "切り捨て", "half_up": "四捨五入", "ceil": "切り上げ"}[self.value]


# Fees are taxed at the standard rate whatever the goods are (配送料 is a service).
FEE_RATE = TaxRate.STANDARD
REDUCED_MARK = "※"
REDUCED_LEGEND = "※は軽減税率対象商品です"


def tax_included_in(amount: int, rate: int, rounding: Rounding | str) -> int:
    """The tax inside the tax-included ``amount`` yen at ``rate`` %: 割戻し, then rounded.

    Integer arithmetic only (no float can turn 1,188 × 8 ÷ 108 into 87.99999).
    """
    numerator, denominator = amount * rate, 100 + rate
    rule = Rounding(rounding)
    if rule is Rounding.FLOOR:
        return numerator // denominator
    if rule is Rounding.CEIL:
        return -(-numerator // denominator)
    return (2 * numerator + denominator) // (2 * denominator)  # half up


@dataclass(frozen=True)
class RateTotal:
    """One rate of an order: the tax-included amount at that rate and the tax in it."""

    rate: int
    amount: int
    tax: int

    @property
    def reduced(self) -> bool:
        return self.rate == TaxRate.REDUCED

    @property
    def label(self) -> str:
        """「8%対象」 / 「10%対象」, as receipts print it."""
        return f"{self.rate}%対象"


@dataclass(frozen=True)
class TaxSummary:
    """The per-rate figures of one order (or cart, or a sum of orders)."""

    reduced: RateTotal
    standard: RateTotal

    @property
    def rates(self) -> list[RateTotal]:
        """The rates the order has something at, reduced first (as the order CSV)."""
        return [total for total in (self.reduced, self.standard) if total.amount]

    @property
    def has_reduced(self) -> bool:
        """Whether a reduced-rate line is in it: the 「※」 legend is then shown."""
        return self.reduced.amount > 0

    @property
    def tax(self) -> int:
        return self.reduced.tax + self.standard.tax

    def text(self) -> str:
        """The figures as plain text lines (mail, the ``{{tax_summary}}`` merge field)."""
        lines = [f"{t.label} {t.amount:,}円（うち消費税 {t.tax:,}円）" for t in self.rates]
        if self.has_reduced:
            lines.append(REDUCED_LEGEND)
        return "\n".join(lines)


def summarize(lines: Iterable[tuple[int, int]], fees: int, rounding: Rounding | str
              ) -> TaxSummary:
    """Tax per rate of ``lines`` (``(rate, tax-included amount)`` each) plus ``fees``.

    The fees count at the standard rate. Each rate's amount is summed first and its
    tax rounded once. Raises ValueError for a rate that is neither 8 nor 10.
    """
    amounts = {TaxRate.REDUCED: 0, TaxRate.STANDARD: fees}
    for rate, amount in lines:
        amounts[TaxRate(rate)] += amount
    reduced, standard = (
        RateTotal(int(rate), amounts[rate], tax_included_in(amounts[rate], rate, rounding))
        for rate in (TaxRate.REDUCED, TaxRate.STANDARD)
    )
    return TaxSummary(reduced, standard)


REGISTRATION_NUMBER = re.compile(r"T([0-9])([0-9]{12})")


def registration_number_check_digit(base: str) -> int:
    """The check digit of a 12-digit 法人番号 base (国税庁's rule).

    9 − (Σ digit × weight mod 9), the weight being 1 for the lowest digit, 2 for the
    next, alternating, counted from the right.
    """
    total = sum(int(digit) * (1 if n % 2 else 2)
                for n, digit in enumerate(reversed(base), start=1))
    return 9 - total % 9


def registration_number_error(number: str) -> str | None:
    """Why ``number`` is no 適格請求書発行事業者登録番号, or None when it is one."""
    match = REGISTRATION_NUMBER.fullmatch(number)
    if match is None:
        return ("適格請求書発行事業者登録番号は「T」と13桁の半角数字で入力してください"
                "（例: T7000012050002）。")
    if int(match.group(1)) != registration_number_check_digit(match.group(2)):
        return ("適格請求書発行事業者登録番号が正しくありません（チェックデジットが合いません）。"
                "番号を確かめてください。")
    return None
