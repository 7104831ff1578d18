"""The shopper's blueprint with every page's routes on it: what the app factory registers.

Importing each module below adds its routes (and error pages) to ``storefront.bp``.
"""

from __future__ import annotations

from storefront import bp

from . import (  # noqa: F401
    address,
    cart,
    catalog,
    checkout,
    checkout_place,
    edge,
    errors,
    guest_confirm,
    members,
    members_account,
    pages,
    search,
    unsubscribe,
)

__all__ = ["bp"]
