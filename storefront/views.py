"""Placeholder top page until the storefront issue lands."""

from __future__ import annotations

from flask import render_template_string

from ktaishop.extensions import db
from models import ShopSettings

from . import bp


@bp.route("/")
def top():
    settings = ShopSettings.load(db.session)
    return render_template_string("<h1>{{ name }}</h1>", name=settings.shop_name)
