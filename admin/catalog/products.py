"""商品情報 (P23): product list with search and paging, 新規登録, 編集, 削除.

Saving is all-or-nothing: every field, option row and uploaded image is checked in
memory first; only then are the images written and the product committed. A failed
commit removes the images it wrote; replaced images are removed after the commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage
from wtforms.fields.choices import SelectChoice

from admin import bp
from admin.common.audit import audit
from ktaishop.extensions import db
from ktaishop.paging import Page, requested_page
from models import Product, Shelf, ShopSettings

from .images import (
    ImageRejected,
    PreparedImage,
    check_upload,
    discard,
    store,
    thumbnail_path,
)
from .product_forms import (
    OptionInput,
    ProductForm,
    ProductSearchForm,
    options_from_product,
    read_options,
)

PER_PAGE = 30
SLOTS = ("image1", "image2", "image3")
# Three images of up to 5 MB each must reach our own check, which says what is wrong.
UPLOAD_ENDPOINTS = frozenset({"admin.product_new", "admin.product_edit"})
UPLOAD_LIMIT = 64 * 1024 * 1024


@bp.record_once
def _raise_upload_limit(state: Any) -> None:
    """Before CSRF parses the body, let product forms carry up to three large images."""

    def raise_limit() -> None:
        if request.endpoint in UPLOAD_ENDPOINTS:
            request.max_content_length = UPLOAD_LIMIT

    state.app.before_request_funcs.setdefault(None, []).insert(0, raise_limit)


@bp.route("/products")
def products():
    """The list: 商品名 / コード (partial), 陳列棚, 公開/非公開; newest first, paged."""
    search = ProductSearchForm(request.args)
    shelves = db.session.scalars(select(Shelf).order_by(Shelf.position, Shelf.id)).all()
    search.shelf.choices = [SelectChoice("", "すべて")] + [SelectChoice(str(s.id), s.name)
                                                          for s in shelves]
    query = _search_query(search)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = Page.of(requested_page(request.args), PER_PAGE, total)
    rows = db.session.scalars(page.apply(
        query.options(selectinload(Product.variants), selectinload(Product.shelves))
        .order_by(Product.priority.desc(), Product.id.desc())
    )).all()
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("admin/products/list.html", search=search, products=rows,
                           total=total, page=page.number, pages=page.pages, args=args)


def _search_query(search: ProductSearchForm):
    query = select(Product).where(Product.deleted.is_(False))
    if name := (search.name.data or "").strip():
        query = query.where(Product.name.contains(name, autoescape=True))
    if code := (search.code.data or "").strip():
        query = query.where(Product.code.contains(code, autoescape=True))
    if (search.shelf.data or "").isdigit():
        query = query.where(Product.shelves.any(Shelf.id == int(search.shelf.data)))
    if search.published.data in ("0", "1"):
        query = query.where(Product.published.is_(search.published.data == "1"))
    return query


@bp.route("/products/new", methods=["GET", "POST"])
def product_new():
    rate = ShopSettings.load(db.session).default_tax_rate  # 設定's 商品の税率（新規登録時）
    return _edit(Product(price=0, priority=0, published=True, option_axes=[], tax_rate=rate),
                 is_new=True)


@bp.route("/products/<id:product_id>/edit", methods=["GET", "POST"])
def product_edit(product_id: int):
    product = db.session.get(Product, product_id)
    if product is None or product.deleted:
        abort(404)
    return _edit(product, is_new=False)


def _edit(product: Product, *, is_new: bool) -> ResponseReturnValue:
    form = ProductForm(obj=None if request.method == "POST" else product)
    shelves = db.session.scalars(select(Shelf).order_by(Shelf.position, Shelf.id)).all()
    form.shelves.choices = [SelectChoice(s.id, s.name) for s in shelves]
    if request.method == "GET":
        form.shelves.data = [s.id for s in product.shelves]
        stock = {v.option_text: v.stock for v in product.variants}
        options = options_from_product(product.option_axes or [], stock)
        return _render_form(form, product, options, is_new)
    rebuild = "rebuild" in request.form
    options = read_options(request.form, rebuild=rebuild)
    if rebuild:
        return _render_form(form, product, options, is_new)
    errors = _check(form, product, options)
    images = _check_images(form, errors)
    if errors:
        return _render_form(form, product, options, is_new, errors), 400
    return _save(form, product, options, images, shelves, is_new)


def _check(form: ProductForm, product: Product, options: OptionInput) -> list[str]:
    errors = [] if form.validate() else [e for es in form.errors.values() for e in es]
    errors += options.errors
    if options.grid_stale:
        errors.append("オプションを変えたときは「在庫欄を作り直す」を押してから"
                      "在庫数を入力してください。")
    code = (form.code.data or "").strip()
    if code and db.session.scalar(
            select(Product.id).where(Product.code == code, Product.id != product.id)):
        errors.append(f"コード「{code}」はほかの商品で使われています。")
    return errors


def _check_images(form: ProductForm, errors: list[str]) -> dict[str, PreparedImage]:
    prepared = {}
    for n, slot in enumerate(SLOTS, start=1):
        upload: FileStorage | None = getattr(form, slot).data
        if not isinstance(upload, FileStorage) or not upload.filename:
            continue
        try:
            prepared[slot] = check_upload(upload.read())
        except ImageRejected as error:
            errors.append(f"商品画像({n})「{upload.filename}」: {error}")
    return prepared


def _save(form: ProductForm, product: Product, options: OptionInput,
          images: dict[str, PreparedImage], shelves: Sequence[Shelf], is_new: bool
          ) -> ResponseReturnValue:
    written: list[str] = []
    replaced: list[str] = []
    try:
        for prepared in images.values():
            written.append(store(prepared))
        _apply(form, product, options, dict(zip(images, written, strict=True)), shelves,
               replaced)
        if is_new:
            db.session.add(product)
        if not product.code:
            product.code = f"tmp-{uuid.uuid4().hex}"  # unique until the id is known
            db.session.flush()
            product.code = f"goods{product.id:06d}"
        audit("product", f"{product.code} {product.name}", "追加" if is_new else "変更")
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        for name in written:
            discard(name)
        errors = ["同じコードの商品が同時に登録されました。コードを変えてください。"]
        return _render_form(form, product, options, is_new, errors), 409
    except BaseException:
        db.session.rollback()
        for name in written:
            discard(name)
        raise
    for name in replaced:
        discard(name)
    flash(f"商品「{product.name}」を{'登録' if is_new else '更新'}しました。", "info")
    return redirect(url_for("admin.product_edit", product_id=product.id))


def _apply(form: ProductForm, product: Product, options: OptionInput,
           new_images: dict[str, str], shelves: Sequence[Shelf], replaced: list[str]) -> None:
    """Copy the checked form onto the product; old image names go to ``replaced``."""
    product.code = (form.code.data or "").strip() or product.code
    product.name = form.name.data.strip()
    product.price = form.price.data
    if form.tax_rate.data is not None:  # not posted: the product keeps its rate
        product.tax_rate = form.tax_rate.data
    if form.sale_ends_at.raw_data:  # an emptied field is posted as "": no end
        product.sale_ends_at = form.sale_ends_at.data
    product.priority = form.priority.data or 0
    product.description = form.description.data or ""
    product.stock_display = form.stock_display.data
    product.published = form.published.data
    chosen = set(form.shelves.data or [])
    product.shelves = [s for s in shelves if s.id in chosen]
    product.set_options(options.axes, options.stocks())
    for slot in SLOTS:
        old = getattr(product, slot)
        if slot in new_images or getattr(form, f"remove_{slot}").data:
            setattr(product, slot, new_images.get(slot))
            if old:
                replaced.append(old)


def _render_form(form: ProductForm, product: Product, options: OptionInput, is_new: bool,
                 errors: Sequence[str] = ()) -> str:
    return render_template("admin/products/form.html", form=form, product=product,
                           options=options, is_new=is_new, errors=list(errors),
                           axis_slots=_axis_slots(options))


def _axis_slots(options: OptionInput) -> list[dict[str, str]]:
    from .product_forms import MAX_AXES

    if options.errors and options.typed:
        return [{"name": name, "values": values} for name, values in options.typed]
    slots = [{"name": a["name"], "values": ",".join(a["values"])} for a in options.axes]
    return slots + [{"name": "", "values": ""}] * (MAX_AXES - len(slots))


@bp.route("/products/<id:product_id>/delete", methods=["POST"])
def product_delete(product_id: int):
    """削除: ordered products are only hidden, so order history keeps its link."""
    product = db.session.get(Product, product_id)
    if product is None or product.deleted:
        abort(404)
    name, images = product.name, product.images
    deleted = product.remove(db.session)
    audit("product", f"{product.code} {name}", "削除")
    db.session.commit()
    if deleted:
        for image in images:
            discard(image)
        flash(f"商品「{name}」を削除しました。", "info")
    else:
        flash(f"商品「{name}」は注文されたことがあるため、非公開にして一覧から外しました"
              "（注文履歴はそのまま残ります）。", "info")
    return redirect(url_for("admin.products"))


@bp.route("/products/images/<name>")
def product_thumbnail(name: str):
    path = thumbnail_path(name)
    if path is None:
        abort(404)
    return send_file(path, mimetype="image/jpeg", max_age=3600)
