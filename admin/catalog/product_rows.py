"""One row of the product CSV, checked: the product's fields, its shelves, its option
combination with 在庫数 (and 出力時在庫数), and a product's rows put together.

Every check appends a line-numbered ``CsvError`` to ``errors`` (anything with an
``append``) and returns what it could read; ``product_import`` streams the file through
these.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Protocol

from flask import g

from admin.common.csv_read import CsvError
from ktaishop.extensions import db
from models import Shelf, ShopSettings, StockDisplay, TaxRate

from .product_forms import MAX_COMBINATIONS, MAX_STOCK, SALE_END_MESSAGE, parse_sale_end

SHELF_SEPARATOR = "|"
STOCK_WAS = "出力時在庫数"
DISPLAY_WORDS = {d.label: d.value for d in StockDisplay} | {d.value: d.value for d in StockDisplay}
PUBLISHED_WORDS = {"公開": True, "1": True, "非公開": False, "0": False}
# 税率 as a spreadsheet may hold it: 10, 10%, 標準, 標準税率 10% (NFKC-normalised first).
RATE_WORDS = {word: rate for rate in TaxRate for word in (
    str(rate.value), f"{rate.value}%", rate.label.replace(" ", ""), rate.label[:2])}
CODE = re.compile(r"[A-Za-z0-9_\-]{1,40}")


def _default_rate() -> int:
    """設定's rate for new products, read once per request (a file may have 100,000 rows)."""
    if "default_tax_rate" not in g:
        g.default_tax_rate = ShopSettings.load(db.session).default_tax_rate
    return g.default_tax_rate


class Errors(Protocol):
    def append(self, error: CsvError) -> None: ...


class Combinations(Protocol):
    """What ``plan_options`` fills in (``product_import.PlannedProduct``)."""

    code: str
    axes: list[dict[str, Any]] | None
    stocks: dict[str, int]
    stock_was: dict[str, int | None]
    lines: dict[str, int]


def text_of(value: str) -> str:
    """A cell as typed; a leading ' our own export added to a formula-like cell is dropped."""
    if value.startswith("'") and value[1:2] in ("=", "+", "-", "@"):
        return value[1:]
    return value


def _number(value: str) -> int | None:
    text = unicodedata.normalize("NFKC", value).replace(",", "").strip()
    return int(text) if re.fullmatch(r"-?[0-9]{1,9}", text) else None


def row_fields(line_no: int, row: dict[str, str], has: set[str],
                errors: Errors) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    name = text_of(row["商品名"]).strip()
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
        fields["description"] = text_of(row["商品説明"])
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
                errors: Errors) -> None:
    """税率 (empty: 設定's rate) and 販売期限 (empty: none), when their columns are there."""
    if "税率" in has:
        word = unicodedata.normalize("NFKC", row["税率"]).replace(" ", "")
        rate = RATE_WORDS.get(word) if word else _default_rate()
        if rate is None:
            errors.append(CsvError(line_no, f"税率「{row['税率']}」は 10 か 8 にしてください。"))
        fields["tax_rate"] = rate
    if "販売期限" in has:
        try:
            fields["sale_ends_at"] = parse_sale_end(row["販売期限"])
        except ValueError:
            errors.append(CsvError(line_no, SALE_END_MESSAGE))


def row_shelves(line_no: int, row: dict[str, str], has: set[str],
                 shelves: dict[str, Shelf], errors: Errors) -> list[Shelf] | None:
    if "商品陳列棚" not in has:
        return None
    names = [n.strip() for n in row["商品陳列棚"].split(SHELF_SEPARATOR) if n.strip()]
    unknown = [n for n in names if n not in shelves]
    if unknown:
        errors.append(CsvError(line_no, "商品陳列棚「" + "」「".join(unknown) + "」がありません。"
                                        "先に商品陳列棚の画面で作成してください。"))
        return None
    return [shelves[n] for n in dict.fromkeys(names)]


def row_option(line_no: int, row: dict[str, str], has: set[str], errors: Errors
               ) -> tuple[list[tuple[str, str]], int, int | None] | None:
    """(option pairs, 在庫数, 出力時在庫数 or None), or None without those columns."""
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
    was_cell = row.get(STOCK_WAS, "").strip()
    was = _number(was_cell) if was_cell else None
    if was_cell and (was is None or was < 0):
        errors.append(CsvError(line_no, f"{STOCK_WAS}はダウンロードしたときの値のままにして"
                                        "ください（空欄なら在庫数をそのまま登録します）。"))
        return None
    return pairs, stock, was


def same_product(fields: dict[str, Any], shelves: list[Shelf] | None,
                 other_fields: dict[str, Any], other_shelves: list[Shelf] | None) -> bool:
    """Two rows of one コード say the same of the product."""
    same_shelves = [s.id for s in shelves or []] == [s.id for s in other_shelves or []]
    return fields == other_fields and same_shelves


def plan_options(plan: Combinations,
                 rows: list[tuple[int, list[tuple[str, str]], int, int | None]],
                 errors: Errors) -> bool:
    """Axes in first-seen order; every row must name the same axes in the same order.
    Fills ``plan``; False when a row was refused."""
    names = [name for name, _ in rows[0][1]]
    values: dict[str, list[str]] = {name: [] for name in names}
    for line_no, pairs, stock, was in rows:
        if [name for name, _ in pairs] != names:
            errors.append(CsvError(line_no, f"コード {plan.code} の行どうしでオプションの項目"
                                            f"（{' '.join(names) or 'なし'}）がそろっていません。"))
            return False
        text = " ".join(f"{name}:{value}" for name, value in pairs)
        if text in plan.stocks:
            errors.append(CsvError(line_no, f"コード {plan.code} のオプション「{text}」が"
                                            "2回あります。"))
            return False
        plan.stocks[text], plan.stock_was[text], plan.lines[text] = stock, was, line_no
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
        return False
    return True
