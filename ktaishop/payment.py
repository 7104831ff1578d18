"""Payment as a core service: the gateway interface, the sandbox provider, and the one
place where the shop's card money reaches the gateway.

Card data passes through :meth:`PaymentGateway.authorize` and nowhere else: it is not
put in the session, the database or a log line. What the shop keeps is the gateway's
reference, the card's last four digits and its own records (``models.payment_records``:
the authorisation, bound to one order and one amount, and the 決済ログ).

The lifecycle: **authorise** (the card page, for the amount shown) → **capture** (注文する
for members, the mailed link for guests, or 売上確定 on the admin's 詳細: always the
order's exact total) → **void** (an authorisation nobody captured: the shopper went back,
the order was refused or cancelled, the link expired) or **refund** (a capture: the
whole of what is left when the order is cancelled, the difference when per-item 取消
lowers its total). Each step is recorded on the order (履歴), in the 決済ログ and, from
the admin, in the 操作ログ (by the view).

The app uses ``app.extensions["ktaishop.payment"]`` when set (a real provider), else
one :class:`SandboxGateway`. Sandbox rules: numbers must pass the Luhn check and not be
expired; ``4000000000000002`` is always declined; an authorisation can be captured
once, for at most its amount, and refunded up to what was captured.

Every gateway call is made before the caller commits: a refused call (PaymentDeclined)
makes the caller roll back, so nothing is recorded that the provider did not do.
"""

from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from models import Order, OrderStatus, Settlement
from models.base import now, today
from models.payment_records import (
    AMOUNT_CHANGED,
    NOT_AUTHORIZED,
    PaymentAction,
    claim_authorisation,
    log_payment,
    record_authorisation,
    release_authorisation,
    release_stale_authorisations,
)
from models.sandbox_ledger import SandboxLedgerEntry, SandboxOperation

from .extensions import db

# An authorisation no order claimed within this time belongs to a checkout left
# half-way: it is voided by the periodic job (``release_stale``).
STALE_AUTHORISATION = timedelta(hours=3)


class PaymentDeclined(Exception):
    """The gateway refused; ``message`` is shown to the shopper or the admin."""

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

    def capture(self, reference: str, amount: int, order_no: str = "") -> None: ...

    def void(self, reference: str) -> None: ...

    def refund(self, reference: str, amount: int) -> None: ...


DECLINED_NUMBER = "4000000000000002"
ALREADY_CAPTURED = "売上確定済みのカード決済は与信取消できません。返金してください。"
NOT_CAPTURED = "売上が確定していないカード決済は返金できません。"
OVER_REFUND = "返金額が決済額を超えています。"


def luhn_ok(number: str) -> bool:
    if not number.isdigit() or not 13 <= len(number) <= 19:
        return False
    total = 0
    for i, char in enumerate(reversed(number)):
        digit = int(char) * (2 if i % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


class SandboxGateway:
    """A test provider whose books are the ``sandbox_ledger`` table (see
    ``models.sandbox_ledger``): every process of the shop sees the same ones.

    It writes through the caller's session (``bound_to``), inside the caller's
    transaction: on SQLite a second connection would wait for the caller's write lock.
    A real provider keeps its books whatever the shop then commits; the sandbox's
    roll back with a refused change, which only makes the tests stricter.
    """

    _session: Session | None = None

    def bound_to(self, session: Session) -> SandboxGateway:
        bound = copy.copy(self)
        bound._session = session
        return bound

    @property
    def session(self) -> Session:
        return self._session if self._session is not None else db.session

    def authorize(self, card: CardInput, amount: int) -> Authorization:
        if not luhn_ok(card.number):
            raise PaymentDeclined("カード番号が正しくありません。")
        this_month = today()
        if (card.exp_year, card.exp_month) < (this_month.year, this_month.month):
            raise PaymentDeclined("カードの有効期限が切れています。")
        if card.number == DECLINED_NUMBER:
            raise PaymentDeclined("このカードはご利用いただけません。別のカードをお試しください。")
        reference = f"SBX-{secrets.token_hex(8)}"
        self._book(reference, SandboxOperation.AUTHORISE, amount, last4=card.number[-4:])
        return Authorization(reference, card.number[-4:], amount)

    def capture(self, reference: str, amount: int, order_no: str = "") -> None:
        """Once per authorisation, for at most its amount (the order's own total)."""
        authorised = self._authorised(reference)
        done = self._operations(reference)
        if authorised is None or {SandboxOperation.CAPTURE, SandboxOperation.VOID} & set(done):
            raise PaymentDeclined(NOT_AUTHORIZED)
        if amount > authorised:
            raise PaymentDeclined(AMOUNT_CHANGED)
        self._book(reference, SandboxOperation.CAPTURE, amount, order_no=order_no)

    def void(self, reference: str) -> None:
        """Release an authorisation; twice, or an unknown reference, changes nothing."""
        authorised = self._authorised(reference)
        done = self._operations(reference)
        if authorised is None or SandboxOperation.VOID in done:
            return
        if SandboxOperation.CAPTURE in done:
            raise PaymentDeclined(ALREADY_CAPTURED)
        self._book(reference, SandboxOperation.VOID, authorised)

    def refund(self, reference: str, amount: int) -> None:
        """Give back part or all of a capture, never more than was captured in all."""
        self._authorised(reference)  # lock the authorisation's row
        done = self._operations(reference)
        if SandboxOperation.CAPTURE not in done:
            raise PaymentDeclined(NOT_CAPTURED)
        if sum(done.get(SandboxOperation.REFUND, [])) + amount > done[SandboxOperation.CAPTURE][0]:
            raise PaymentDeclined(OVER_REFUND)
        self._book(reference, SandboxOperation.REFUND, amount)

    # -- the books -----------------------------------------------------------------------

    def _book(self, reference: str, operation: SandboxOperation, amount: int, **more: str) -> None:
        self.session.add(SandboxLedgerEntry(reference=reference, operation=operation,
                                            amount=amount, **more))
        self.session.flush()

    def _authorised(self, reference: str) -> int | None:
        """The authorised amount, its row locked until the caller's commit (PostgreSQL)."""
        return self.session.scalar(
            select(SandboxLedgerEntry.amount).where(
                SandboxLedgerEntry.reference == reference,
                SandboxLedgerEntry.operation == SandboxOperation.AUTHORISE)
            .with_for_update())

    def _operations(self, reference: str) -> dict[str, list[int]]:
        done: dict[str, list[int]] = {}
        for operation, amount in self.session.execute(
                select(SandboxLedgerEntry.operation, SandboxLedgerEntry.amount)
                .where(SandboxLedgerEntry.reference == reference)
                .order_by(SandboxLedgerEntry.id)):
            done.setdefault(operation, []).append(amount)
        return done

    def _amounts(self, operation: SandboxOperation) -> dict[str, int]:
        rows = self.session.execute(
            select(SandboxLedgerEntry.reference, func.sum(SandboxLedgerEntry.amount))
            .where(SandboxLedgerEntry.operation == operation)
            .group_by(SandboxLedgerEntry.reference))
        return {reference: int(amount) for reference, amount in rows}

    @property
    def authorised(self) -> dict[str, int]:
        """reference → amount of every authorisation the sandbox gave."""
        return self._amounts(SandboxOperation.AUTHORISE)

    @property
    def captured(self) -> dict[str, int]:
        """reference → amount captured."""
        return self._amounts(SandboxOperation.CAPTURE)

    @property
    def voided(self) -> dict[str, int]:
        """reference → the amount that was authorised, of every voided authorisation."""
        return self._amounts(SandboxOperation.VOID)

    @property
    def refunded(self) -> dict[str, int]:
        """reference → the sum of its refunds."""
        return self._amounts(SandboxOperation.REFUND)


def gateway(session: Session | None = None) -> PaymentGateway:
    """The app's payment gateway (the sandbox unless a provider was installed), writing
    its books through ``session`` when it keeps them in the shop's database."""
    extensions = current_app.extensions
    if "ktaishop.payment" not in extensions:
        extensions["ktaishop.payment"] = SandboxGateway()
    found = extensions["ktaishop.payment"]
    if session is not None and hasattr(found, "bound_to"):
        return found.bound_to(session)
    return found


def _session_of(order: Order) -> Session:
    return object_session(order) or db.session


# -- the shopper's authorisation ------------------------------------------------------------


def authorise_card(session: Session, card: CardInput, amount: int) -> Authorization:
    """Authorise ``amount`` yen on the card page and record it, open for one 注文する.

    :raise PaymentDeclined: the gateway's refusal, for the shopper.
    """
    authorisation = gateway(session).authorize(card, amount)
    record_authorisation(session, authorisation.reference, amount, authorisation.last4,
                         "ショッパー（カード入力）")
    return authorisation


def release_card(session: Session, reference: str, why: str) -> None:
    """Void an authorisation no order claimed (the shopper went back, changed the cart,
    or 注文する was refused); one an order claimed is left alone."""
    amount = release_authorisation(session, reference)
    if amount is not None:
        gateway(session).void(reference)
        log_payment(session, PaymentAction.VOID, reference, amount, "system", note=why)


def release_stale(session: Session) -> int:
    """Void the authorisations of checkouts left half-way (``STALE_AUTHORISATION``);
    how many. Part of the caller's transaction."""
    released = release_stale_authorisations(session, now() - STALE_AUTHORISATION)
    for reference, amount in released:
        gateway(session).void(reference)
        log_payment(session, PaymentAction.VOID, reference, amount, "system",
                    note="注文に使われなかった与信")
    return len(released)


def claim_card(session: Session, order: Order, reference: str) -> None:
    """The order 注文する just placed takes its authorisation, for good.

    :raise AuthorisationRefused: (a DomainError) when it is not open for this total.
    """
    claim_authorisation(session, reference, order.id, order.total)
    order.authorised_amount = order.total


# -- capture ---------------------------------------------------------------------------------


def charge_placed_order(session: Session, order: Order, actor: str) -> None:
    """Capture a member's (or an unconfirmed guest's) order at 注文する: its exact total."""
    gateway(session).capture(order.payment_reference, order.total, order.order_no)
    log_payment(session, PaymentAction.CAPTURE, order.payment_reference, order.total, actor,
                order.id)


def capture_order(session: Session, order: Order, actor: str) -> None:
    """Charge an authorised order its exact total (the mailed link, 訂正 or 売上確定 on
    詳細); it is then 決済完了. Its status does not move here.

    :raise TransitionError: when there is nothing to capture or the total outgrew the
        authorisation; :raise PaymentDeclined: when the gateway refuses.
    """
    order.require_capturable()
    gateway(session).capture(order.payment_reference, order.total, order.order_no)
    order.record_capture(actor)
    log_payment(session, PaymentAction.CAPTURE, order.payment_reference, order.total, actor,
                order.id)


def capture_before_completing(session: Session, order: Order, target: str,
                              actor: str) -> None:
    """Before 訂正 (one order or many) moves ``order`` to 注文完了: an authorised card is
    captured its exact total first, so no card order is 注文完了 unpaid."""
    if target == OrderStatus.COMPLETED and order.card_awaiting_capture:
        capture_order(session, order, actor)


# -- cancellations and refunds ----------------------------------------------------------------


def settle_cancellation(order: Order, actor: str) -> None:
    """Settle the money of an order the rules have just moved to キャンセル.

    与信済: the authorisation is voided at the gateway (the order says 与信取消).
    決済完了: what is left of the charge is refunded (the order says 返金済).
    代引き: nothing. Settling twice is harmless. See :func:`settle_cancellations`.
    """
    settle_cancellations([order], actor)


def settle_cancellations(orders: list[Order], actor: str) -> None:
    """Settle the money of orders the rules have just moved to キャンセル.

    Every order's 決済状態 moves by the rule before the first call to the gateway. Call
    inside the transaction, before the commit: if the gateway raises, the caller rolls
    back and no order is cancelled.
    """
    calls = []
    for order in orders:
        owed = order.refundable
        calls.append((order, order.settle_cancellation(actor), owed))
    for order, settlement, owed in calls:
        session = _session_of(order)
        if settlement is Settlement.VOID:
            gateway(session).void(order.payment_reference)
            log_payment(session, PaymentAction.VOID, order.payment_reference,
                        order.authorised_amount or order.total, actor, order.id, "キャンセル")
        elif settlement is Settlement.REFUND and owed > 0:
            gateway(session).refund(order.payment_reference, owed)
            log_payment(session, PaymentAction.REFUND, order.payment_reference, owed, actor,
                        order.id, "キャンセル")


def settle_item_changes(order: Order, actor: str) -> int:
    """After per-item 取消 (or its undoing) in 訂正: refund a charged order what it was
    charged above its new total; returns the yen refunded now.

    :raise TransitionError: when the total outgrew the authorisation or the charge;
        :raise PaymentDeclined: when the gateway refuses.
    """
    due = order.settle_total_change(actor)
    if due:
        session = _session_of(order)
        gateway(session).refund(order.payment_reference, due)
        log_payment(session, PaymentAction.REFUND, order.payment_reference, due, actor,
                    order.id, "商品取消")
    return due


def refund_due_order(session: Session, order: Order, actor: str) -> int:
    """Refund a 返金待ち order (cancelled before this version refunded by itself) what it
    is owed; returns the yen. :raise TransitionError: or :raise PaymentDeclined:"""
    amount = order.record_refund_of_due(actor)
    gateway(session).refund(order.payment_reference, amount)
    log_payment(session, PaymentAction.REFUND, order.payment_reference, amount, actor,
                order.id, "返金待ち")
    return amount


def cancel_order(session: Session, order: Order, actor: str, reason: str = "取消") -> None:
    """One order to キャンセル by the rule (its stock comes back), then its money settled.

    Raises the rule's TransitionError before anything reaches the gateway, or the
    gateway's PaymentDeclined; the caller commits, or rolls back on either.
    """
    cancel_orders(session, [order], actor, reason)


def cancel_orders(session: Session, orders: list[Order], actor: str, reason: str) -> list[Order]:
    """Several orders to キャンセル at once, all or nothing; returns them.

    Every order passes the rule before any authorisation is voided or any charge
    refunded, so one refused order (TransitionError) leaves the gateway untouched; the
    caller then rolls back.
    """
    for order in orders:
        order.cancel(session, actor, reason)
    settle_cancellations(orders, actor)
    return orders
