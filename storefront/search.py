"""検索: the keyword search box on every page (storefront.search), with paging.

Words are folded the Japanese way (models.search): 「ﾃｨｰｼｬﾂ」 and 「てぃーしゃつ」 find
「Tシャツ」. Every word must match the product's name, code or description.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from urllib.parse import quote_from_bytes

from flask import request, url_for
from sqlalchemy import func, select

from carrier_compat.flask import current_carrier
from ktaishop.extensions import db
from ktaishop.paging import Page, requested_page
from models import search_products
from models.search import MAX_QUERY_LENGTH, search_terms

from . import bp
from .catalog import list_page_size
from .common import render
from .forms import text
from .page_cache import cached_page


def search_query(args: Mapping[str, str]) -> str:
    """The words of ``?q=`` as the page shows them."""
    return text(args.get("q"))[:MAX_QUERY_LENGTH]


@bp.route("/search")
@cached_page(q=search_query, page=requested_page)
def search() -> str:
    """Results of ``?q=`` (page ``?page=``; past the last page shows the last one)."""
    query = search_query(request.args)
    statement = search_products(search_terms(query))
    total = db.session.scalar(
        select(func.count()).select_from(statement.order_by(None).subquery())
    ) or 0
    page = Page.of(requested_page(request.args), list_page_size(), total)
    products = db.session.scalars(page.apply(statement)).all() if total else []
    return render("search.html", query=query, products=products, total=total,
                  page=page.number, pages=page.pages, page_url=partial(page_url, query))


def page_url(query: str, page: int) -> str:
    """The link to page ``page`` of the results for ``query``.

    The words are percent-encoded in the handset's own charset: a keitai's query string
    is read in its charset (Shift_JIS for docomo and au), links it follows included.
    """
    words = quote_from_bytes(current_carrier().encode(query), safe="")
    return f"{url_for('storefront.search', page=page)}&q={words}"
