"""仮注文 as stock holds: how many one shopper may have waiting, and which are waiting.

A guest's 仮注文 holds its stock until the mailed link is opened or the hold time
(設定: 確認URLの有効時間) runs out. So that nobody can empty a shelf with orders they
never confirm, a mail address, and a client (``Order.hold_client``: the handset's
subscriber ID, or the address of a browser outside the carrier gateways), may have at
most ``ShopSettings.provisional_limit`` of them waiting at once. Carrier gateways and
mobile CGNAT put many shoppers behind one address: a handset is known by its
subscriber ID (``uid:`` clients, the limit as set); a browser by its address (``ip:``
clients) only with ``SHARED_ADDRESS_FACTOR`` times the limit, as a brake on one place
making up mail addresses; a handset from a carrier gateway without a subscriber ID by
its mail address only.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .base import now
from .errors import DomainError
from .orders import Order
from .shop import ShopSettings
from .statuses import OrderStatus

SHARED_ADDRESS_FACTOR = 5
TOO_MANY_HOLDS = ("確認待ちのご注文（仮注文）がすでに{count}件あります。お送りしたメールのURLから"
                  "注文を確定してから、もう一度お試しください。")


def waiting_holds(session: Session, email: str = "", client: str | None = None) -> int:
    """仮注文 still holding stock for this mail address, or for this client."""
    who = (Order.hold_client == client) if client else (
        func.lower(Order.purchaser_email) == email.strip().lower())
    return session.scalar(select(func.count()).select_from(Order).where(
        Order.status == OrderStatus.PROVISIONAL, Order.confirm_expires_at > now(), who)) or 0


def check_hold_limit(session: Session, settings: ShopSettings, email: str,
                     client: str | None) -> None:
    """:raise DomainError: when this shopper already has the most 仮注文 allowed."""
    limit = settings.provisional_limit or 0
    if limit <= 0:
        return
    count = waiting_holds(session, email=email)
    if count < limit and client:
        shared = client.startswith("ip:")
        by_client = waiting_holds(session, client=client)
        if by_client >= limit * (SHARED_ADDRESS_FACTOR if shared else 1):
            count = by_client
    if count >= limit:
        raise DomainError(TOO_MANY_HOLDS.format(count=count))
