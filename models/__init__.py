"""The shop's data and rules. No Flask here: screens, imports and jobs all call these."""

from __future__ import annotations

from .base import Base, now, today
from .catalog import (
    Product,
    Shelf,
    StockDisplay,
    Variant,
    published_products,
    release_stock,
    reserve_stock,
    search_products,
)
from .checkout import (
    CartLine,
    CheckoutDetails,
    Person,
    PlacedOrder,
    expired_provisional_orders,
    find_by_confirm_token,
    place_order,
)
from .errors import DomainError, OutOfStock, TransitionError
from .fees import Fees, calculate_fees
from .mail import MailKind, MailLog, MailTemplate, OutboxMessage, OutboxStatus, queue_mail
from .newsletter import (
    Newsletter,
    NewsletterImage,
    NewsletterKind,
    NewsletterRecipient,
    NewsletterStatus,
)
from .numbering import OrderSequence, next_order_no
from .order_payment import Settlement
from .orders import CORRECTABLE_PAIRS, Order, OrderEvent, OrderItem, Package
from .people import AdminUser, Member, MemberStatus
from .sessions import KeitaiSession
from .shipment_rule import SlipDetails
from .shop import ShopSettings
from .statuses import OrderStatus, PackageStatus, PaymentMethod

__all__ = [
    "CORRECTABLE_PAIRS", "AdminUser", "Base", "CartLine", "CheckoutDetails", "DomainError", "Fees",
    "KeitaiSession", "MailKind", "MailLog", "MailTemplate", "Member", "MemberStatus",
    "Newsletter", "NewsletterImage", "NewsletterKind", "NewsletterRecipient", "NewsletterStatus",
    "Order", "OrderEvent", "OrderItem", "OrderSequence", "OrderStatus", "OutOfStock",
    "OutboxMessage", "OutboxStatus", "Package", "PackageStatus", "PaymentMethod", "Person",
    "PlacedOrder", "Product", "Shelf", "Settlement", "ShopSettings", "SlipDetails", "StockDisplay",
    "TransitionError", "Variant", "calculate_fees", "expired_provisional_orders",
    "find_by_confirm_token", "next_order_no", "now", "today", "place_order", "published_products",
    "queue_mail", "release_stock", "reserve_stock", "search_products",
]
