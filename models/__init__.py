"""The shop's data and rules. No Flask here: screens, imports and jobs all call these."""

from __future__ import annotations

from .audit import AuditEntry
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
from .login_sessions import LoginSession
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
from .order_tax import tax_totals
from .orders import CORRECTABLE_PAIRS, Order, OrderEvent, OrderItem, Package
from .page_cache import CachedPage, CatalogVersion
from .payment_records import AuthorisationRefused, CardAuthorisation, PaymentRecord
from .people import AdminUser, Member, MemberStatus
from .quote import Quote, QuoteChanged, quote_cart
from .rate_limits import RateLimitCounter
from .sandbox_ledger import SandboxLedgerEntry
from .sessions import KeitaiSession
from .shipment_rule import SlipDetails
from .shop import ShopSettings
from .statuses import OrderStatus, PackageStatus, PaymentMethod
from .tax import Rounding, TaxRate, TaxSummary, summarize
from .throttle import LoginThrottle

__all__ = [
    "AuditEntry", "LoginSession", "LoginThrottle", "RateLimitCounter",
    "CORRECTABLE_PAIRS", "AdminUser", "Base", "CartLine", "CheckoutDetails", "DomainError", "Fees",
    "KeitaiSession", "MailKind", "MailLog", "MailTemplate", "Member", "MemberStatus",
    "Newsletter", "NewsletterImage", "NewsletterKind", "NewsletterRecipient", "NewsletterStatus",
    "Order", "OrderEvent", "OrderItem", "OrderSequence", "OrderStatus", "OutOfStock",
    "OutboxMessage", "OutboxStatus", "Package", "PackageStatus", "PaymentMethod", "Person",
    "PlacedOrder", "Product", "Shelf", "Settlement", "ShopSettings", "SlipDetails", "StockDisplay",
    "TransitionError", "Variant", "calculate_fees", "expired_provisional_orders",
    "find_by_confirm_token", "next_order_no", "now", "today", "place_order", "published_products",
    "queue_mail", "release_stock", "reserve_stock", "search_products",
    "Rounding", "TaxRate", "TaxSummary", "summarize", "tax_totals",
    "AuthorisationRefused", "CardAuthorisation", "PaymentRecord", "Quote", "QuoteChanged",
    "quote_cart", "SandboxLedgerEntry", "CachedPage", "CatalogVersion",
]
