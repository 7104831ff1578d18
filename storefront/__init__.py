"""The shopper's blueprint: browse, cart, checkout, members (served through carrier_compat).

Every page is XHTML-MP from ``templates_mobile/``; the keitai layer picks the charset,
emoji and session handling per handset. Requests for another Host are refused here
(DNS-rebinding defence for かんたんログイン); the admin has its own login.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("storefront", __name__, template_folder="../templates_mobile")

from . import (  # noqa: E402,F401
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
    unsubscribe,
)
