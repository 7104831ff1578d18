"""Periodic jobs shared by the CLI and the mail worker."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from models import expire_provisional_orders

log = logging.getLogger("ktaishop.jobs")


def expire_orders(session: Session) -> int:
    """Cancel expired 仮注文, release their stock and void their card authorisations.

    Commits; returns how many orders were cancelled.
    """
    from .payment import gateway

    orders = expire_provisional_orders(session)
    for order in orders:
        if order.card_awaiting_capture:
            gateway().void(order.payment_reference)
            order.record_void("system")
    session.commit()
    if orders:
        log.info("cancelled %d expired provisional orders", len(orders))
    return len(orders)
