"""決済 of an order: its columns and what each step of the order does to the money.

The rules only record; they never reach a payment gateway. Whoever applies a rule that
asks for the gateway (a capture, a void, a refund) makes the call (``ktaishop.payment``)
before committing, so a failed call leaves nothing recorded.

決済状態 (as the 詳細 screen shows it):

- 未決済: 代引き, paid on delivery.
- 与信済: a guest's card was authorised (``authorised_amount``) at 注文する; charged
  when the link is confirmed, or by the shop (売上確定 on 詳細).
- 決済完了: the card was charged (``paid_amount``); ``refunded_amount`` of it may have
  gone back already (per-item 取消).
- 与信取消: the authorisation was voided; nothing was charged.
- 返金済: a charged order was cancelled and everything charged went back to the card.
- 返金待ち: (orders cancelled before refunds were made by the shop) ``refund_due`` yen
  are owed back, to be refunded at the provider by hand.

A card order reaches 注文完了 only charged: ``require_paid`` is asked by every move
into 注文完了 (the link, 訂正, 元に戻す), so the caller captures the order's exact total
first.
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
PAYMENT_REFUNDED = "返金済"
NOT_CAPTURED = "クレジットカードの売上が確定していないため、注文完了にできません。"


class Settlement(enum.Enum):
    """What a cancellation asks of the gateway."""

    NOTHING = "nothing"  # 代引き, never charged, or settled already
    VOID = "void"  # the open authorisation must be voided at the gateway
    REFUND = "refund"  # charged: what is left of the charge goes back to the card


class OrderPayment:
    """決済 columns and rules, mixed into ``Order``."""

    payment_method: Mapped[str] = mapped_column(String(10), default=PaymentMethod.COD)
    payment_status: Mapped[str] = mapped_column(String(20), default=PAYMENT_PENDING)
    payment_reference: Mapped[str] = mapped_column(String(100), default="")
    paid_at: Mapped[datetime | None] = mapped_column(DateTime)
    # What the gateway charged; the order's total may fall later (per-item 取消).
    paid_amount: Mapped[int] = mapped_column(Integer, default=0)
    refund_due: Mapped[int] = mapped_column(Integer, default=0)  # 返金予定額 (before 0011)
    # 与信額: what the card was authorised for (a capture may not exceed it).
    authorised_amount: Mapped[int] = mapped_column(Integer, default=0)
    refunded_amount: Mapped[int] = mapped_column(Integer, default=0)  # 返金額 so far

    if TYPE_CHECKING:  # provided by Order
        status: str
        total: int

        def _log(self, actor: str, what: str) -> None: ...

    @property
    def payment(self) -> PaymentMethod:
        return PaymentMethod(self.payment_method)

    @property
    def card_awaiting_capture(self) -> bool:
        """A card authorised at 注文する and not charged: it waits for the link or the shop."""
        return self.payment is PaymentMethod.CARD and self.payment_status == PAYMENT_AUTHORISED

    @property
    def refundable(self) -> int:
        """What may still go back to the card: charged minus refunded."""
        if self.payment_status != PAYMENT_DONE:
            return 0
        return self.paid_amount - self.refunded_amount

    def hold_card_payment(self, authorised: int | None = None) -> None:
        """A guest's card is only authorised until the mailed link is confirmed."""
        self.payment_status, self.paid_at, self.paid_amount = PAYMENT_AUTHORISED, None, 0
        self.authorised_amount = self.total if authorised is None else authorised

    def charge_at_checkout(self, at: datetime) -> None:
        """The card is charged the order's total at 注文する (members, or no confirmation)."""
        self.payment_status, self.paid_at, self.paid_amount = PAYMENT_DONE, at, self.total
        self.authorised_amount = self.total

    def require_capturable(self) -> None:
        """:raise TransitionError: unless the order's total may be charged now."""
        if not self.card_awaiting_capture:
            raise TransitionError("与信済のカード決済ではないため、売上を確定できません。")
        if self.status == OrderStatus.CANCELLED:
            raise TransitionError("キャンセルの注文の売上は確定できません。")
        if self.authorised_amount and self.total > self.authorised_amount:
            raise TransitionError(
                f"合計金額 {self.total:,}円 が与信額 {self.authorised_amount:,}円 を超えるため、"
                "売上を確定できません。")

    def record_capture(self, actor: str) -> None:
        """The authorised card was charged the order's total."""
        self.payment_status, self.paid_at, self.paid_amount = PAYMENT_DONE, now(), self.total
        self._log(actor, f"クレジットカード決済を確定（{self.total:,}円）")

    def record_void(self, actor: str) -> None:
        self.payment_status = PAYMENT_VOIDED
        self._log(actor, "クレジットカードの与信を取消")

    def require_paid(self) -> None:
        """A card order enters 注文完了 charged, or not at all. :raise TransitionError:"""
        if self.payment is PaymentMethod.CARD and self.payment_status != PAYMENT_DONE:
            raise TransitionError(NOT_CAPTURED)

    def settle_cancellation(self, actor: str) -> Settlement:
        """What the order's キャンセル does to its money; call once, after the move.

        与信済 → 与信取消 and ``Settlement.VOID``: the caller voids the authorisation.
        決済完了 → 返金済 and ``Settlement.REFUND``: the caller refunds what was charged
        and not yet refunded (read ``refundable`` before calling), logged with the amount.
        Anything else (代引き, 与信取消, 返金済) changes nothing, so settling twice is
        harmless. Raises TransitionError unless the order is キャンセル.
        """
        if self.status != OrderStatus.CANCELLED:
            raise TransitionError("キャンセルされていない注文の決済は精算できません。")
        if self.payment is not PaymentMethod.CARD:
            return Settlement.NOTHING
        if self.payment_status == PAYMENT_AUTHORISED:
            self.record_void(actor)
            return Settlement.VOID
        if self.payment_status == PAYMENT_DONE:
            amount = self.refundable
            self.refunded_amount += amount
            self.payment_status = PAYMENT_REFUNDED
            self._log(actor, f"キャンセルのため返金（{amount:,}円、返金額合計 "
                             f"{self.refunded_amount:,}円）")
            return Settlement.REFUND
        return Settlement.NOTHING

    def settle_total_change(self, actor: str) -> int:
        """After per-item 取消 or its undoing: the yen to refund now (0 for none).

        A charged order gets back what was charged above its new total; an authorised
        one may not grow past its authorisation; a charged one may not grow past what
        is left of its charge (nothing more can be charged to the card).
        :raise TransitionError: when the total outgrew the money.
        """
        if self.payment is not PaymentMethod.CARD:
            return 0
        if self.payment_status == PAYMENT_AUTHORISED:
            if self.authorised_amount and self.total > self.authorised_amount:
                raise TransitionError(
                    f"合計金額 {self.total:,}円 が与信額 {self.authorised_amount:,}円 を"
                    "超えるため、この訂正はできません。")
            return 0
        if self.payment_status != PAYMENT_DONE:
            return 0
        due = self.refundable - self.total
        if due < 0:
            raise TransitionError(
                f"合計金額 {self.total:,}円 が決済済みの金額 {self.refundable:,}円 を超えるため、"
                "この訂正はできません（返金した分は再請求できません）。")
        if due:
            self.refunded_amount += due
            self._log(actor, f"商品取消のため一部返金（{due:,}円、返金額合計 "
                             f"{self.refunded_amount:,}円）")
        return due

    def record_refund_of_due(self, actor: str) -> int:
        """返金待ち (an order cancelled before the shop made refunds itself) → 返金済:
        the yen the caller now refunds at the gateway. :raise TransitionError:"""
        if self.payment_status != PAYMENT_REFUND_DUE or self.refund_due <= 0:
            raise TransitionError("返金待ちの注文ではありません。")
        amount, self.refund_due = self.refund_due, 0
        self.refunded_amount += amount
        self.payment_status = PAYMENT_REFUNDED
        self._log(actor, f"返金待ちの金額を返金（{amount:,}円）")
        return amount

    def require_restorable_payment(self) -> None:
        """:raise TransitionError: for a cancelled card order whose authorisation was
        voided or whose charge went back: nothing could be charged for it any more."""
        if self.payment is not PaymentMethod.CARD:
            return
        if self.payment_status == PAYMENT_VOIDED:
            raise TransitionError("カードの与信を取り消した注文は、注文完了に戻せません。"
                                  "新しいご注文としてお受けください。")
        if self.payment_status == PAYMENT_REFUNDED:
            raise TransitionError("返金済みのカード決済の注文は、注文完了に戻せません。"
                                  "新しいご注文としてお受けください。")

    def reinstate_payment(self, actor: str) -> None:
        """キャンセル → 注文完了: a refund not yet made is no longer due; the charge stands
        (check ``require_restorable_payment`` first)."""
        if self.payment_status == PAYMENT_REFUND_DUE:
            self.payment_status, self.refund_due = PAYMENT_DONE, 0
            self._log(actor, "注文を元に戻したため返金待ちを解除（決済完了）")
