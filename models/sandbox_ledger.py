"""The payment sandbox's own books (``ktaishop.payment.SandboxGateway``), one row per
operation: authorise, capture, void, refund.

A real card provider keeps its books on its own servers, where every app server of the
shop reaches the same ones. The sandbox plays that provider, so its books are a table
of their own in the shop's database (never read by the shop's rules, which keep their
own records in ``payment_records``): two app processes then see one authorisation
captured once, and tests can read what the "provider" was asked to do.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, now


class SandboxOperation(enum.StrEnum):
    AUTHORISE = "authorise"
    CAPTURE = "capture"
    VOID = "void"
    REFUND = "refund"


class SandboxLedgerEntry(Base):
    __tablename__ = "sandbox_ledger"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(100), index=True)
    operation: Mapped[str] = mapped_column(String(10))
    amount: Mapped[int] = mapped_column(Integer)
    # The order a capture was made for (the provider's "order id"): one per authorisation.
    order_no: Mapped[str] = mapped_column(String(20), default="")
    last4: Mapped[str] = mapped_column(String(4), default="")
    at: Mapped[datetime] = mapped_column(DateTime, default=now)
