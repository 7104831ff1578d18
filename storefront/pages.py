"""Footer pages: 特定商取引法に基づく表記, プライバシーポリシー, お問い合わせ, and the
返品特約 in full (the 最終確認画面 links to it unless 設定 names a page elsewhere)."""

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


@bp.route("/returns")
def returns() -> str:
    return render("pages/returns.html")
