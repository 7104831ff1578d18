"""The shopper's blueprint: browse, cart, checkout, members (served through carrier_compat).

Every page is XHTML-MP from ``templates_mobile/``; the keitai layer picks the charset,
emoji and session handling per handset. Requests for another Host are refused here
(DNS-rebinding defence for かんたんログイン); the admin has its own login.
"""

from __future__ import annotations

from flask import Blueprint

from ktaishop.extensions import csrf

bp = Blueprint("storefront", __name__, template_folder="../templates_mobile")
# Forms are checked in edge.check_form_token instead: the same token, without
# Flask-WTF's HTTPS Referer rule, because i-mode browsers send no Referer at all.
csrf.exempt(bp)

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
