"""The shopper's blueprint: browse, cart, checkout, members (served through carrier_compat)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("storefront", __name__, template_folder="../templates_mobile")

from . import views  # noqa: E402,F401
