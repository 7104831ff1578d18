"""Product CSV: export, and import that creates or updates products by コード.

One row per option combination (a product without options has one row); the rows of a
product share コード and repeat its fields. Columns, by header name (any order):
``コード`` ``商品名`` ``販売価格`` (required), ``優先度`` ``商品説明`` ``在庫表示``
``公開`` ``商品陳列棚`` (names joined by ``|``) ``オプション`` (``サイズ:S カラー:白``)
``在庫数`` ``税率`` (``10`` or ``8``; empty: 設定's rate for new products) ``販売期限``
(``2026-12-31 23:59``; empty: none). A missing optional column leaves that field of an
existing product as it is (a new product gets 設定's rate and no 販売期限).

The import is all-or-nothing: every row is checked first and every problem is
reported with its Excel line; only a file without problems changes anything.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from admin import bp
from admin.common.audit import audit
from admin.common.csv_read import CsvError, read_csv
from admin.common.csv_write import CP932, ENCODINGS, content_disposition, csv_chunks
from ktaishop.extensions import db
from models import Product, Shelf, ShopSettings, StockDisplay, TaxRate, now

from .product_forms import MAX_COMBINATIONS, MAX_STOCK, SALE_END_MESSAGE, parse_sale_end

HEADERS = ("コード", "商品名", "販売価格", "優先度", "商品説明", "在庫表示", "公開",
           "商品陳列棚", "オプション", "在庫数", "税率", "販売期限")
REQUIRED = ("コード", "商品名", "販売価格")
MAX_BYTES = 10 * 1024 * 1024
MAX_SHOWN_ERRORS = 100
SHELF_SEPARATOR = "|"
DISPLAY_WORDS = {d.label: d.value for d in StockDisplay} | {d.value: d.value for d in StockDisplay}
PUBLISHED_WORDS = {"公開": True, "1": True, "非公開": False, "0": False}
# 税率 as a spreadsheet may hold it: 10, 10%, 標準, 標準税率 10% (NFKC-normalised first).
RATE_WORDS = {word: rate for rate in TaxRate for word in (
    str(rate.value), f"{rate.value}%", rate.label.replace(" ", ""), rate.label[:2])}
CODE = re.compile(r"[A-Za-z0-9_\-]{1,40}")


class ProductImportForm(FlaskForm):
    file = FileField("CSVファイル")


@bp.route("/products/csv")
def product_csv():
    return render_template("admin/products/csv.html", form=ProductImportForm(), errors=[],
                           headers=HEADERS, encodings=ENCODINGS)


@bp.route("/products/csv/export")
def product_csv_export():
    """Every product not deleted, one row per combination (nothing changes)."""
    encoding = request.args.get("encoding", CP932)
    if encoding not in ENCODINGS:
        encoding = CP932
    products = db.session.scalars(
        select(Product).where(Product.deleted.is_(False))
        .options(selectinload(Product.variants), selectinload(Product.shelves))
        .order_by(Product.id)
    ).all()
    rows = ([p.code, p.name, str(p.price), str(p.priority), p.description,
             StockDisplay(p.stock_display).label, "公開" if p.published else "非公開",
             SHELF_SEPARATOR.join(s.name for s in p.shelves), v.option_text, str(v.stock),
             str(p.tax_rate), f"{p.sale_ends_at:%Y-%m-%d %H:%M}" if p.sale_ends_at else ""]
            for p in products for v in p.variants)
    filename = f"products_{now():%Y%m%d_%H%M%S}.csv"
    return Response(csv_chunks(HEADERS, rows, encoding), mimetype="text/csv",
                    headers={"Content-Disposition": content_disposition(filename)})


@bp.route("/products/csv/import", methods=["POST"])
def product_csv_import():
    form = ProductImportForm()
    upload = form.file.data if form.validate_on_submit() else None
    errors: list[CsvError] = []
    if upload is None or not getattr(upload, "filename", ""):
        errors.append(CsvError(0, "CSVファイルを選んでください。"))
    else:
        try:
            table = read_csv(upload.read(), REQUIRED, MAX_BYTES)
            plan = plan_import(table.headers, table.rows, errors)
        except CsvError as error:
            errors.append(error)
    if errors:
        db.session.rollback()
        shown = [str(e) for e in errors[:MAX_SHOWN_ERRORS]]
        if len(errors) > MAX_SHOWN_ERRORS:
            shown.append(f"ほか {len(errors) - MAX_SHOWN_ERRORS} 件のエラーがあります。")
        return render_template("admin/products/csv.html", form=form, errors=shown,
                               headers=HEADERS, encodings=ENCODINGS), 400
    created, updated = apply_import(plan)
    audit("csv_upload", "商品CSV", f"新規 {created} 件、更新 {updated} 件")
    db.session.commit()
    flash(f"商品CSVを取り込みました（新規 {created} 件、更新 {updated} 件）。", "info")
    return redirect(url_for("admin.products"))


@dataclass
class PlannedProduct:
    code: str
    line_no: int
    fields: dict[str, Any]
    shelves: list[Shelf] | None  # None: column absent, leave as is
    axes: list[dict[str, Any]] | None  # None: no option/stock columns, leave as is
    stocks: dict[str, int] = field(default_factory=dict)
    product: Product | None = None


def plan_import(headers: list[str], rows: list[tuple[int, dict[str, str]]],
                errors: list[CsvError]) -> list[PlannedProduct]:
    """Check every row and group them by コード; problems go to ``errors``."""
    has = set(headers)
    shelves = {s.name: s for s in db.session.scalars(select(Shelf))}
    plans: dict[str, PlannedProduct] = {}
    combos: dict[str, list[tuple[int, list[tuple[str, str]], int]]] = {}
    for line_no, row in rows:
        before = len(errors)
        code = _text(row.get("コード", ""))
        if not CODE.fullmatch(code):
            errors.append(CsvError(line_no, "コードは半角英数字と - _ の40文字以内で入力して"
                                            "ください。"))
            continue
        fields = _row_fields(line_no, row, has, errors)
        row_shelves = _row_shelves(line_no, row, has, shelves, errors)
        option = _row_option(line_no, row, has, errors)
        if len(errors) > before:
            continue
        plan = plans.get(code)
        if plan is None:
            plans[code] = PlannedProduct(code, line_no, fields, row_shelves,
                                         None if option is None else [])
        elif option is None:
            errors.append(CsvError(line_no, f"コード {code} の行が複数あります。オプションごとに"
                                            "行を分けるときは「オプション」列を入れてください。"))
            continue
        elif not _same(plan, fields, row_shelves):
            errors.append(CsvError(line_no, f"コード {code} の行どうしで商品名・価格などの"
                                            "値が違います。同じ値にしてください。"))
            continue
        if option is not None:
            combos.setdefault(code, []).append((line_no, *option))
    for code, plan in plans.items():
        if plan.axes is not None:
            _plan_options(plan, combos.get(code, []), errors)
    _attach_products(list(plans.values()), errors)
    return list(plans.values())


def _text(value: str) -> str:
    """A cell as typed; a leading ' our own export added to a formula-like cell is dropped."""
    if value.startswith("'") and value[1:2] in ("=", "+", "-", "@"):
        return value[1:]
    return value


def _number(value: str) -> int | None:
    text = unicodedata.normalize("NFKC", value).replace(",", "").strip()
    return int(text) if re.fullmatch(r"-?[0-9]{1,9}", text) else None


def _row_fields(line_no: int, row: dict[str, str], has: set[str],
                errors: list[CsvError]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    name = _text(row["商品名"]).strip()
    if not name or len(name) > 200:
        errors.append(CsvError(line_no, "商品名を200文字以内で入力してください。"))
    fields["name"] = name
    price = _number(row["販売価格"])
    if price is None or not 0 <= price <= 9_999_999:
        errors.append(CsvError(line_no, f"販売価格「{row['販売価格']}」は0〜9,999,999の"
                                        "半角数字にしてください。"))
    fields["price"] = price
    if "優先度" in has:
        priority = _number(row["優先度"] or "0")
        if priority is None or not -9999 <= priority <= 9999:
            errors.append(CsvError(line_no, "優先度は-9999〜9999の数字にしてください。"))
        fields["priority"] = priority
    if "商品説明" in has:
        fields["description"] = _text(row["商品説明"])
    if "在庫表示" in has:
        display = DISPLAY_WORDS.get(row["在庫表示"] or StockDisplay.SHOW.label)
        if display is None:
            errors.append(CsvError(line_no, "在庫表示は「表示する」「表示しない」"
                                            "「残りわずか表示」のどれかにしてください。"))
        fields["stock_display"] = display
    if "公開" in has:
        published = PUBLISHED_WORDS.get(row["公開"] or "公開")
        if published is None:
            errors.append(CsvError(line_no, "公開は「公開」か「非公開」にしてください。"))
        fields["published"] = published
    _tax_fields(line_no, row, has, fields, errors)
    return fields


def _tax_fields(line_no: int, row: dict[str, str], has: set[str], fields: dict[str, Any],
                errors: list[CsvError]) -> None:
    """税率 (empty: 設定's rate) and 販売期限 (empty: none), when their columns are there."""
    if "税率" in has:
        word = unicodedata.normalize("NFKC", row["税率"]).replace(" ", "")
        rate = RATE_WORDS.get(word) if word else ShopSettings.load(db.session).default_tax_rate
        if rate is None:
            errors.append(CsvError(line_no, f"税率「{row['税率']}」は 10 か 8 にしてください。"))
        fields["tax_rate"] = rate
    if "販売期限" in has:
        try:
            fields["sale_ends_at"] = parse_sale_end(row["販売期限"])
        except ValueError:
            errors.append(CsvError(line_no, SALE_END_MESSAGE))


def _row_shelves(line_no: int, row: dict[str, str], has: set[str],
                 shelves: dict[str, Shelf], errors: list[CsvError]) -> list[Shelf] | None:
    if "商品陳列棚" not in has:
        return None
    names = [n.strip() for n in row["商品陳列棚"].split(SHELF_SEPARATOR) if n.strip()]
    unknown = [n for n in names if n not in shelves]
    if unknown:
        errors.append(CsvError(line_no, "商品陳列棚「" + "」「".join(unknown) + "」がありません。"
                                        "先に商品陳列棚の画面で作成してください。"))
        return None
    return [shelves[n] for n in dict.fromkeys(names)]


def _row_option(line_no: int, row: dict[str, str], has: set[str], errors: list[CsvError]
                ) -> tuple[list[tuple[str, str]], int] | None:
    if "オプション" not in has and "在庫数" not in has:
        return None
    pairs = []
    for token in unicodedata.normalize("NFKC", row.get("オプション", "")).split():
        name, sep, value = token.partition(":")
        if not sep or not name or not value or ":" in value:
            errors.append(CsvError(line_no, f"オプション「{token}」は「サイズ:S」の形で、"
                                            "複数なら半角空白で区切って書いてください。"))
            return None
        pairs.append((name, value))
    stock = _number(row.get("在庫数", "") or "0")
    if stock is None or not 0 <= stock <= MAX_STOCK:
        errors.append(CsvError(line_no, f"在庫数は0〜{MAX_STOCK:,}の半角数字にしてください。"))
        return None
    return pairs, stock


def _same(plan: PlannedProduct, fields: dict[str, Any], row_shelves: list[Shelf] | None
          ) -> bool:
    same_shelves = [s.id for s in plan.shelves or []] == [s.id for s in row_shelves or []]
    return plan.fields == fields and same_shelves


def _plan_options(plan: PlannedProduct, rows: list[tuple[int, list[tuple[str, str]], int]],
                  errors: list[CsvError]) -> None:
    """Axes in first-seen order; every row must name the same axes in the same order."""
    names = [name for name, _ in rows[0][1]]
    values: dict[str, list[str]] = {name: [] for name in names}
    for line_no, pairs, stock in rows:
        if [name for name, _ in pairs] != names:
            errors.append(CsvError(line_no, f"コード {plan.code} の行どうしでオプションの項目"
                                            f"（{' '.join(names) or 'なし'}）がそろっていません。"))
            return
        text = " ".join(f"{name}:{value}" for name, value in pairs)
        if text in plan.stocks:
            errors.append(CsvError(line_no, f"コード {plan.code} のオプション「{text}」が"
                                            "2回あります。"))
            return
        plan.stocks[text] = stock
        for name, value in pairs:
            if value not in values[name]:
                values[name].append(value)
    plan.axes = [{"name": name, "values": values[name]} for name in names]
    count = 1
    for axis in plan.axes:
        count *= len(axis["values"])
    if count > MAX_COMBINATIONS:
        errors.append(CsvError(rows[0][0], f"コード {plan.code} の組み合わせが多すぎます"
                                           f"（{MAX_COMBINATIONS}通りまで）。"))


def _attach_products(plans: list[PlannedProduct], errors: list[CsvError]) -> None:
    existing = {p.code: p for p in db.session.scalars(
        select(Product).where(Product.code.in_([plan.code for plan in plans]))
        .options(selectinload(Product.variants), selectinload(Product.shelves)))}
    for plan in plans:
        plan.product = existing.get(plan.code)
        if plan.product is not None and plan.product.deleted:
            errors.append(CsvError(plan.line_no, f"コード {plan.code} は削除された商品の"
                                                 "コードです。別のコードにしてください。"))


def apply_import(plans: list[PlannedProduct]) -> tuple[int, int]:
    """Create or update every planned product (caller commits); (created, updated)."""
    created = updated = 0
    for plan in plans:
        product = plan.product
        if product is None:
            product = Product(code=plan.code, description="", priority=0, published=True,
                              stock_display=StockDisplay.SHOW.value, option_axes=[],
                              tax_rate=ShopSettings.load(db.session).default_tax_rate)
            db.session.add(product)
            created += 1
        else:
            updated += 1
        for name, value in plan.fields.items():
            setattr(product, name, value)
        if plan.shelves is not None:
            product.shelves = plan.shelves
        if plan.axes is not None:
            product.set_options(plan.axes, plan.stocks)
        elif not product.variants:
            product.set_options([], {"": 0})
    return created, updated
