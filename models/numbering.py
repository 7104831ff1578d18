"""Order numbers: ``YYYYMMDD_NNNNNNNNNN``, the order date plus a shop-wide sequence."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, Integer, event, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from .base import Base


class OrderSequence(Base):
    """One row holding the last number handed out."""

    __tablename__ = "order_sequence"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


event.listen(
    OrderSequence.__table__,
    "after_create",
    DDL("INSERT INTO order_sequence (id, value) VALUES (1, 0)"),
)


def next_order_no(session: Session, ordered_at: datetime) -> str:
    """Take the next number, e.g. ``20081021_0000000004``.

    An UPDATE … RETURNING on the single row: PostgreSQL's row lock and SQLite's write
    lock both serialise concurrent checkouts, so no number is ever handed out twice.
    """
    value = session.execute(
        update(OrderSequence)
        .where(OrderSequence.id == 1)
        .values(value=OrderSequence.value + 1)
        .returning(OrderSequence.value)
    ).scalar_one()
    return f"{ordered_at:%Y%m%d}_{value:010d}"
