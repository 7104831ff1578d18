"""Browsing: the top page, 商品陳列棚 (shelves), product pages and product images."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from flask import abort, current_app, request
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from carrier_compat.flask import current_carrier
from carrier_compat.images import scaled_image
from ktaishop.extensions import db
from ktaishop.http_cache import send_cached_file
from ktaishop.paging import Page, requested_page
from models import Product, Shelf, published_products

from . import bp
from .common import render, shop
from .faces import is_html5
from .forms import row_id
from .page_cache import cached_page, valid_until
from .photos import UnknownPhotoSize, photo_target

TOP_PICKS = 3
SHELF_PAGE_SIZE = 5
GRID_PAGE_SIZE = 12  # the HTML5 face's photo grid: rows of 2, 3 or 4 come out even
MAX_QUANTITY_CHOICE = 10
THUMB_DIVISOR = 4


def visible_product(product_id: int) -> Product:
    """A published, not deleted product, or 404."""
    product = db.session.get(Product, product_id) if row_id(product_id) else None
    if product is None or product.deleted or not product.published:
        abort(404)
    return product


@bp.route("/")
@cached_page()
def top() -> str:
    picks = db.session.scalars(published_products().limit(TOP_PICKS)).all()
    newest = db.session.scalars(
        published_products().order_by(None).order_by(Product.created_at.desc(), Product.id.desc())
        .limit(TOP_PICKS)
    ).all()
    shelves = db.session.scalars(select(Shelf).order_by(Shelf.position, Shelf.id)).all()
    return render("top.html", picks=picks, newest=newest, shelves=shelves)


@bp.route("/shelf/<id:shelf_id>")
@cached_page(page=requested_page)
def shelf(shelf_id: int) -> str:
    """A shelf's products, a few a page; a page after the last is "not found"."""
    shelf = db.session.get(Shelf, shelf_id)
    if shelf is None:
        abort(404)
    query = published_products().where(Product.shelves.contains(shelf))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = Page.of(requested_page(request.args), list_page_size(), total or 0)
    if page.past_end:
        abort(404)
    products = db.session.scalars(page.apply(query)).all()
    return render("shelf.html", shelf=shelf, products=products, page=page.number,
                  pages=page.pages)


def list_page_size() -> int:
    """Products a page of a shelf or a search shows: few on keitai, a photo grid else."""
    return GRID_PAGE_SIZE if is_html5(current_carrier()) else SHELF_PAGE_SIZE


def stock_of(product: Product) -> str | None:
    return product.stock_label(product.total_stock, shop().low_stock_threshold)


@bp.route("/product/<id:product_id>")
@cached_page()
def product(product_id: int) -> str:
    product = visible_product(product_id)
    if product.sale_ends_at is not None and not product.sale_ended():
        valid_until(product.sale_ends_at)  # then the page says 販売期間は終了しました
    threshold = shop().low_stock_threshold
    options = [
        (variant, product.stock_label(variant.stock, threshold)) for variant in product.variants
    ]
    return render(
        "product.html",
        product=product,
        options=options,
        stock=stock_of(product),
        quantities=range(1, MAX_QUANTITY_CHOICE + 1),
    )


@bp.route("/product/<id:product_id>/images")
def product_images(product_id: int) -> str:
    product = visible_product(product_id)
    if len(product.images) < 2:
        abort(404)
    return render("product_images.html", product=product)


@bp.route("/image/<id:product_id>/<id:index>")
def product_image(product_id: int, index: int) -> Response:
    """Image ``index`` (1-3) of a product, scaled for this handset; ``?thumb=1`` is small;
    on the HTML5 face ``?w=&fmt=`` asks for one of the photo copies (storefront.photos)."""
    product = visible_product(product_id)
    names = product.images
    if not 1 <= index <= len(names):
        abort(404)
    image_dir = Path(current_app.config["IMAGE_DIR"]).resolve()
    source = (image_dir / names[index - 1]).resolve()
    if image_dir not in source.parents or not source.is_file():
        abort(404)
    carrier = current_carrier()
    target = carrier
    try:
        photo = photo_target(request.args) if is_html5(carrier) else None
    except UnknownPhotoSize:
        abort(404)
    if photo is not None:
        target = photo
    elif request.args.get("thumb"):
        target = SimpleNamespace(
            screen_width=max(int(carrier.screen_width) // THUMB_DIVISOR, 48),
            image_formats=carrier.image_formats,
            page_limit_bytes=int(carrier.page_limit_bytes) // 5,
        )
    try:
        path, mimetype = scaled_image(source, target, image_dir / ".scaled")
    except (OSError, ValueError):
        abort(404)
    # The copy depends on the handset: caches must keep one per User-Agent.
    response = send_cached_file(path, mimetype, max_age=86400)
    response.vary.add("User-Agent")
    return response
