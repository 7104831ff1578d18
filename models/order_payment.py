"""決済 of an order: its columns and what each step of the order does to the money.

The rules only record; they never reach a payment gateway. Whoever applies a rule that
asks for the gateway (``Settlement.VOID``) makes the call (``ktaishop.payment``) before
committing, so a failed call leaves nothing recorded.

決済状態 (as the 詳細 screen shows it):

- 未決済: 代引き, paid on delivery.
- 与信済: a guest's card was authorised at 注文する; charged when the link is confirmed.
- 決済完了: the card was charged (``paid_amount``).
- 与信取消: the authorisation was voided; nothing was charged.
- 返金待ち: a charged order was cancelled; ``refund_due`` yen go back to the card.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import now
from .errors import TransitionError
from .statuses import OrderStatus, PaymentMethod

PAYMENT_PENDING, PAYMENT_AUTHORISED, PAYMENT_DONE, PAYMENT_VOIDED, PAYMENT_REFUND_DUE = (
    "未決済", "与信済", "決済完了", "与信取消", "返金待ち"
)


class Settlement(enum.Enum):
    """What a cancellation asks of the gateway."""

    NOTHING = "nothing"  # 代引き, never charged, or settled already
    VOID = "void"  # the open authorisation must be voided at the gateway
    REFUND_DUE = "refund_due"  # charged: the capture stays, the order owes a refund


class OrderPayment:
    """決済 columns and rules, mixed into ``Order``."""

    payment_method: Mapped[str] = mapped_column(String(10), default=PaymentMethod.COD)
    payment_status: Mapped[str] = mapped_column(String(20), default=PAYMENT_PENDING)
    payment_reference: Mapped[str] = mapped_column(String(100), default="")
    paid_at: Mapped[datetime | None] = mapped_column(DateTime)
    # What the gateway charged; the order's total may fall later (per-item 取消).
    paid_amount: Mapped[int] = mapped_column(Integer, default=0)
    refund_due: Mapped[int] = mapped_column(Integer, default=0)  # 返金予定額

    if TYPE_CHECKING:  # provided by Order
        status: str
        total: int

        def _log(self, actor: str, what: str) -> None: ...

    @property
    def payment(self) -> PaymentMethod:
        return PaymentMethod(self.payment_method)

    @property
    def card_awaiting_capture(self) -> bool:
        """A guest's card was authorised at 注文する but not charged: it waits for the link."""
        return self.payment is PaymentMethod.CARD and self.payment_status == PAYMENT_AUTHORISED

    def hold_card_payment(self) -> None:
        """A guest's card is only authorised until the mailed link is confirmed."""
        self.payment_status, self.paid_at, self.paid_amount = PAYMENT_AUTHORISED, None, 0

    def charge_at_checkout(self, at: datetime) -> None:
        """The card is charged the order's total at 注文する (members, or no confirmation)."""
        self.payment_status, self.paid_at, self.paid_amount = PAYMENT_DONE, at, self.total

    def record_capture(self, actor: str) -> None:
        """The authorised card was charged the order's total."""
        self.payment_status, self.paid_at, self.paid_amount = PAYMENT_DONE, now(), self.total
        self._log(actor, "クレジットカード決済を確定")

    def record_void(self, actor: str) -> None:
        self.payment_status = PAYMENT_VOIDED
        self._log(actor, "クレジットカードの与信を取消")

    def settle_cancellation(self, actor: str) -> Settlement:
        """What the order's キャンセル does to its money; call once, after the move.

        与信済 → 与信取消 and ``Settlement.VOID``: the caller voids the authorisation.
        決済完了 → 返金待ち: the capture stays, ``refund_due`` is the charged amount,
        logged with the amount. Anything else (代引き, 与信取消, 返金待ち) changes nothing,
        so settling twice is harmless. Raises TransitionError unless the order is キャンセル.
        """
        if self.status != OrderStatus.CANCELLED:
            raise TransitionError("キャンセルされていない注文の決済は精算できません。")
        if self.payment is not PaymentMethod.CARD:
            return Settlement.NOTHING
        if self.payment_status == PAYMENT_AUTHORISED:
            self.record_void(actor)
            return Settlement.VOID
        if self.payment_status == PAYMENT_DONE:
            self.record_refund_due(actor)
            return Settlement.REFUND_DUE
        return Settlement.NOTHING

    def record_refund_due(self, actor: str) -> None:
        """The charge stays captured; the whole charged amount is owed back to the card."""
        self.payment_status, self.refund_due = PAYMENT_REFUND_DUE, self.paid_amount
        self._log(actor, f"決済済みのため返金待ち（返金予定額 {self.refund_due:,}円）")

    def reinstate_payment(self, actor: str) -> None:
        """キャンセル → 注文完了: a refund not yet made is no longer due; the charge stands.

        A voided authorisation stays voided: the order is unpaid until charged again.
        """
        if self.payment_status == PAYMENT_REFUND_DUE:
            self.payment_status, self.refund_due = PAYMENT_DONE, 0
            self._log(actor, "注文を元に戻したため返金待ちを解除（決済完了）")
