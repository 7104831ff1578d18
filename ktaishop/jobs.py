"""Periodic jobs shared by the CLI and the mail worker."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from models import expired_provisional_orders
from models.checkout import EXPIRED_REASON

from .payment import cancel_orders, release_stale

log = logging.getLogger("ktaishop.jobs")


def expire_orders(session: Session) -> int:
    """Cancel expired 仮注文, release their stock and void their card authorisations;
    void too the authorisations of checkouts left half-way (no order ever claimed them).

    Commits; returns how many orders were cancelled. If the gateway refuses a void,
    rolls back (no order cancelled, every stock still held) and raises: the next run
    tries again.
    """
    try:
        orders = cancel_orders(session, expired_provisional_orders(session), "system",
                               EXPIRED_REASON)
        released = release_stale(session)
        session.commit()
    except Exception:
        session.rollback()
        raise
    if orders:
        log.info("cancelled %d expired provisional orders", len(orders))
    if released:
        log.info("voided %d card authorisations no order claimed", released)
    return len(orders)
