"""Product CSV: export, and import that creates or updates products by コード.

One row per option combination (a product without options has one row); the rows of a
product share コード and repeat its fields. Columns, by header name (any order):
``コード`` ``商品名`` ``販売価格`` (required), ``優先度`` ``商品説明`` ``在庫表示``
``公開`` ``商品陳列棚`` (names joined by ``|``) ``オプション`` (``サイズ:S カラー:白``)
``在庫数`` ``税率`` (``10`` or ``8``; empty: 設定's rate for new products) ``販売期限``
(``2026-12-31 23:59``; empty: none) ``出力時在庫数`` (written by the export: the stock
then; see ``product_import``). A missing optional column leaves that field of an
existing product as it is (a new product gets 設定's rate and no 販売期限).

The import is all-or-nothing and streamed (``product_import``): every row is checked
first and every problem is reported with its Excel line; only a file without problems
changes anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from flask import Response, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from admin import bp
from admin.common.audit import audit
from admin.common.csv_read import CsvError, open_csv
from admin.common.csv_write import CP932, ENCODINGS, content_disposition, csv_chunks
from ktaishop.extensions import db
from models import Product, StockDisplay, now

from .product_import import MAX_KEPT_ERRORS, ImportErrors, import_products
from .product_rows import SHELF_SEPARATOR, STOCK_WAS

HEADERS = ("コード", "商品名", "販売価格", "優先度", "商品説明", "在庫表示", "公開",
           "商品陳列棚", "オプション", "在庫数", "税率", "販売期限", STOCK_WAS)
REQUIRED = ("コード", "商品名", "販売価格")
MAX_BYTES = 10 * 1024 * 1024
EXPORT_BATCH = 1000


class ProductImportForm(FlaskForm):
    file = FileField("CSVファイル")


@bp.route("/products/csv")
def product_csv():
    return render_template("admin/products/csv.html", form=ProductImportForm(), errors=[],
                           headers=HEADERS, encodings=ENCODINGS)


@bp.route("/products/csv/export")
def product_csv_export():
    """Every product not deleted, one row per combination (nothing changes), streamed."""
    encoding = request.args.get("encoding", CP932)
    if encoding not in ENCODINGS:
        encoding = CP932
    filename = f"products_{now():%Y%m%d_%H%M%S}.csv"
    db.session.commit()  # the login lookup's transaction ends: on SQLite it holds the lock
    return Response(csv_chunks(HEADERS, _export_rows(db.engine), encoding), mimetype="text/csv",
                    headers={"Content-Disposition": content_disposition(filename)})


def _export_rows(engine: Engine) -> Iterator[list[str]]:
    """Rows in batches of ``EXPORT_BATCH`` products, read by a session of their own (the
    response streams after the request has ended); 出力時在庫数 repeats 在庫数 so that a
    re-import knows which stock the admin changed (``product_import``)."""
    query = (select(Product).where(Product.deleted.is_(False))
             .options(selectinload(Product.variants), selectinload(Product.shelves))
             .order_by(Product.id).execution_options(yield_per=EXPORT_BATCH))
    with Session(bind=engine) as session:
        yield from _product_rows(session.scalars(query))


def _product_rows(products: Iterable[Product]) -> Iterator[list[str]]:
    for p in products:
        for v in p.variants:
            yield [p.code, p.name, str(p.price), str(p.priority), p.description,
                   StockDisplay(p.stock_display).label, "公開" if p.published else "非公開",
                   SHELF_SEPARATOR.join(s.name for s in p.shelves), v.option_text, str(v.stock),
                   str(p.tax_rate), f"{p.sale_ends_at:%Y-%m-%d %H:%M}" if p.sale_ends_at else "",
                   str(v.stock)]


@bp.route("/products/csv/import", methods=["POST"])
def product_csv_import():
    form = ProductImportForm()
    upload = form.file.data if form.validate_on_submit() else None
    if upload is None or not getattr(upload, "filename", ""):
        return _refused(form, [CsvError(0, "CSVファイルを選んでください。")], 1)
    try:
        result = import_products(open_csv(upload.stream, REQUIRED, MAX_BYTES))
    except CsvError as error:
        return _refused(form, [error], 1)
    except IntegrityError:  # another admin registered one of the codes meanwhile
        return _refused(form, [CsvError(0, "同じコードの商品がほかの操作で登録されました。"
                                           "もう一度登録してください。")], 1)
    if isinstance(result, ImportErrors):
        return _refused(form, result.kept, result.count)
    created, updated = result
    audit("csv_upload", "商品CSV", f"新規 {created} 件、更新 {updated} 件")
    db.session.commit()
    flash(f"商品CSVを取り込みました（新規 {created} 件、更新 {updated} 件）。", "info")
    return redirect(url_for("admin.products"))


def _refused(form: ProductImportForm, errors: list[CsvError], count: int):
    """Nothing is registered: the problems, line by line (the first ``MAX_KEPT_ERRORS``)."""
    db.session.rollback()
    shown = [str(e) for e in errors]
    if count > MAX_KEPT_ERRORS:
        shown.append(f"ほか {count - MAX_KEPT_ERRORS} 件のエラーがあります。")
    return render_template("admin/products/csv.html", form=form, errors=shown,
                           headers=HEADERS, encodings=ENCODINGS), 400
