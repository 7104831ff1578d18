"""Payment as a core service: the gateway interface, the sandbox provider, and the one
place where cancelling orders reaches the gateway.

Card data passes through :meth:`PaymentGateway.authorize` and nowhere else: it is not
put in the session, the database or a log line. What the shop keeps is the
gateway's reference and the card's last four digits.

The app uses ``app.extensions["ktaishop.payment"]`` when set (a real provider), else
one :class:`SandboxGateway` per process. Sandbox rules: numbers must pass the Luhn
check and not be expired; ``4000000000000002`` is always declined; everything else
is authorised for the amount asked and can be captured once for that amount.

Every way an order becomes キャンセル (取消, 訂正, the expiry of 仮注文, several at once)
settles its money through :func:`settle_cancellation` (or :func:`cancel_order` /
:func:`cancel_orders`, which cancel and settle): an open authorisation is voided, a
captured payment stays captured and the order records the refund due, 代引き is left
alone. What happens to the order's 決済状態 is the rule ``Order.settle_cancellation``;
this module only makes the gateway call the rule asks for.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from typing import Protocol

from flask import current_app
from sqlalchemy.orm import Session

from models import Order, Settlement
from models.base import today


class PaymentDeclined(Exception):
    """The gateway refused; ``message`` is shown to the shopper."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CardInput:
    number: str
    exp_month: int
    exp_year: int
    holder: str

    def __repr__(self) -> str:  # never let the number reach a log or traceback
        return f"CardInput(number='****{self.number[-4:]}', holder=...)"


@dataclass(frozen=True)
class Authorization:
    reference: str
    last4: str
    amount: int


class PaymentGateway(Protocol):
    def authorize(self, card: CardInput, amount: int) -> Authorization: ...

    def capture(self, reference: str, amount: int) -> None: ...

    def void(self, reference: str) -> None: ...


DECLINED_NUMBER = "4000000000000002"
NOT_AUTHORIZED = "カードの承認が見つかりません。もう一度カード情報を入力してください。"
AMOUNT_CHANGED = "ご注文金額が変わりました。もう一度カード情報を入力してください。"


def luhn_ok(number: str) -> bool:
    if not number.isdigit() or not 13 <= len(number) <= 19:
        return False
    total = 0
    for i, char in enumerate(reversed(number)):
        digit = int(char) * (2 if i % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


class SandboxGateway:
    """An in-process test provider (single process; references live in memory)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._authorized: dict[str, int] = {}
        self.captured: dict[str, int] = {}
        self.voided: dict[str, int] = {}  # reference -> the amount that was authorised

    def authorize(self, card: CardInput, amount: int) -> Authorization:
        if not luhn_ok(card.number):
            raise PaymentDeclined("カード番号が正しくありません。")
        this_month = today()
        if (card.exp_year, card.exp_month) < (this_month.year, this_month.month):
            raise PaymentDeclined("カードの有効期限が切れています。")
        if card.number == DECLINED_NUMBER:
            raise PaymentDeclined("このカードはご利用いただけません。別のカードをお試しください。")
        reference = f"SBX-{secrets.token_hex(8)}"
        with self._lock:
            self._authorized[reference] = amount
        return Authorization(reference, card.number[-4:], amount)

    def capture(self, reference: str, amount: int) -> None:
        with self._lock:
            authorized = self._authorized.get(reference)
            if authorized is None or reference in self.captured:
                raise PaymentDeclined(NOT_AUTHORIZED)
            if authorized != amount:
                raise PaymentDeclined(AMOUNT_CHANGED)
            self.captured[reference] = amount

    def void(self, reference: str) -> None:
        """Forget the reference (unknown ones too: another process may have made it)."""
        with self._lock:
            authorized = self._authorized.pop(reference, None)
            self.captured.pop(reference, None)
            if authorized is not None:
                self.voided[reference] = authorized


def gateway() -> PaymentGateway:
    """The app's payment gateway (the sandbox unless a provider was installed)."""
    extensions = current_app.extensions
    if "ktaishop.payment" not in extensions:
        extensions["ktaishop.payment"] = SandboxGateway()
    return extensions["ktaishop.payment"]


# -- cancellations ---------------------------------------------------------------------


def settle_cancellation(order: Order, actor: str) -> None:
    """Settle the money of an order the rules have just moved to キャンセル.

    与信済: the authorisation is voided at the gateway (the order says 与信取消).
    決済完了: nothing is sent; the order says 返金待ち with the amount due.
    代引き: nothing. Settling twice is harmless. See :func:`settle_cancellations`.
    """
    settle_cancellations([order], actor)


def settle_cancellations(orders: list[Order], actor: str) -> None:
    """Settle the money of orders the rules have just moved to キャンセル.

    Every order's 決済状態 moves by the rule before the first call to the gateway. Call
    inside the transaction, before the commit: if the gateway raises, the caller rolls
    back and no order is cancelled (a void already made then only means the guest's link
    finds no authorisation and charges nothing, never that a cancelled order is charged).
    """
    to_void = [order for order in orders if order.settle_cancellation(actor) is Settlement.VOID]
    for order in to_void:
        gateway().void(order.payment_reference)


def cancel_order(session: Session, order: Order, actor: str, reason: str = "取消") -> None:
    """One order to キャンセル by the rule (its stock comes back), then its money settled.

    Raises the rule's TransitionError before anything reaches the gateway, or the
    gateway's PaymentDeclined; the caller commits, or rolls back on either.
    """
    cancel_orders(session, [order], actor, reason)


def cancel_orders(session: Session, orders: list[Order], actor: str, reason: str) -> list[Order]:
    """Several orders to キャンセル at once, all or nothing; returns them.

    Every order passes the rule before any authorisation is voided, so one refused order
    (TransitionError) leaves the gateway untouched; the caller then rolls back.
    """
    for order in orders:
        order.cancel(session, actor, reason)
    settle_cancellations(orders, actor)
    return orders
