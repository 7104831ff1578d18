"""Footer pages: 特定商取引法に基づく表記, プライバシーポリシー, お問い合わせ."""

from __future__ import annotations

from . import bp
from .common import render


@bp.route("/law")
def law() -> str:
    return render("pages/law.html")


@bp.route("/privacy")
def privacy() -> str:
    return render("pages/privacy.html")


@bp.route("/contact")
def contact() -> str:
    return render("pages/contact.html")
