"""検索: the keyword search box on every page (storefront.search), with paging.

Words are folded the Japanese way (models.search): 「ﾃｨｰｼｬﾂ」 and 「てぃーしゃつ」 find
「Tシャツ」. Every word must match the product's name, code or description.
"""

from __future__ import annotations

from flask import request
from sqlalchemy import func, select

from ktaishop.extensions import db
from ktaishop.paging import Page, requested_page
from models import search_products
from models.search import MAX_QUERY_LENGTH, search_terms

from . import bp
from .catalog import list_page_size
from .common import render
from .forms import text


@bp.route("/search")
def search() -> str:
    """Results of ``?q=`` (page ``?page=``; past the last page shows the last one)."""
    query = text(request.args.get("q"))[:MAX_QUERY_LENGTH]
    statement = search_products(search_terms(query))
    total = db.session.scalar(
        select(func.count()).select_from(statement.order_by(None).subquery())
    ) or 0
    page = Page.of(requested_page(request.args), list_page_size(), total)
    products = db.session.scalars(page.apply(statement)).all() if total else []
    return render("search.html", query=query, products=products, total=total,
                  page=page.number, pages=page.pages)
