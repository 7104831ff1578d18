"""Forms of 商品情報 (P23): the product's fields, its option axes and the stock grid.

The fixed fields are a FlaskForm. Option axes (up to :data:`MAX_AXES`) and one stock
field per combination vary in number, so :func:`read_options` reads them from the
posted form by name: ``axis-N-name``, ``axis-N-values`` ("S,M,L"), and for each
combination ``combo-K`` (its text) with ``stock-K`` and ``stock-K-was`` (the number the
form showed, so an untouched field never overwrites a sale made meanwhile).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from admin.common.fields import ChoiceField, MultiCheckboxField, NumberField
from models import StockDisplay, TaxRate
from models.catalog import option_combinations

MAX_AXES = 3
MAX_VALUES = 20
MAX_COMBINATIONS = 200
MAX_STOCK = 999_999
VALUE_SPLIT = re.compile(r"[,、，\n]+")
# ":" and spaces separate axes and values inside a combination's text.
BAD_OPTION_CHARS = re.compile(r"[:：\s]")
# 販売期限 as typed or as Excel saves it: 2026-12-31 23:59, 2026/12/31 23:59, 2026-12-31.
SALE_END = re.compile(r"([0-9]{4})[-/]([0-9]{1,2})[-/]([0-9]{1,2})"
                      r"(?:[ T]+([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?)?")
SALE_END_MESSAGE = ("販売期限は「2026-12-31 23:59」の形（日付だけならその日の終わりまで）で"
                    "入力してください。")
TAX_RATE_CHOICES = [SelectChoice(str(rate.value), rate.label) for rate in TaxRate]


def parse_sale_end(text: str) -> datetime | None:
    """A 販売期限 from text; "" is none. The minute given is the last one on sale, a date
    alone its whole day. Raises ValueError (``SALE_END_MESSAGE``) for anything else."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text:
        return None
    match = SALE_END.fullmatch(text)
    if match is None:
        raise ValueError(SALE_END_MESSAGE)
    year, month, day = (int(v) for v in match.groups()[:3])
    hour, minute, second = match.groups()[3:]
    try:
        if hour is None:
            return datetime(year, month, day, 23, 59, 59)
        return datetime(year, month, day, int(hour), int(minute), int(second or 59))
    except ValueError:
        raise ValueError(SALE_END_MESSAGE) from None


class SaleEndField(StringField):
    """販売期限: a datetime or None; shown as 2026-12-31 23:59, refused in Japanese."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        if valuelist:
            self.data = parse_sale_end(str(valuelist[0]))

    def _value(self) -> str:
        if isinstance(self.data, datetime):
            return f"{self.data:%Y-%m-%d %H:%M}"
        return self.raw_data[0] if self.raw_data else ""


class ProductForm(FlaskForm):
    code = StringField("コード", validators=[
        Optional(), Length(max=40, message="コードは40文字以内で入力してください。"),
        Regexp(r"^[A-Za-z0-9_\-]+$", message="コードは半角英数字と - _ で入力してください。"),
    ])
    name = StringField("商品名", validators=[
        DataRequired("商品名を入力してください。"),
        Length(max=200, message="商品名は200文字以内で入力してください。"),
    ])
    price = NumberField("販売価格", "販売価格を半角数字で入力してください。", validators=[
        InputRequired("販売価格を半角数字で入力してください。"),
        NumberRange(0, 9_999_999, "販売価格は0〜9,999,999円で入力してください。"),
    ])
    tax_rate = ChoiceField("税率", coerce=int, choices=TAX_RATE_CHOICES, keep_when_missing=True)
    priority = NumberField("優先度", "優先度は数字で入力してください。", default=0, validators=[
        Optional(), NumberRange(-9999, 9999, "優先度は-9999〜9999で入力してください。"),
    ])
    description = TextAreaField("商品説明", validators=[
        Length(max=5000, message="商品説明は5000文字以内で入力してください。"),
    ])
    image1 = FileField("商品画像(1)")
    image2 = FileField("商品画像(2)")
    image3 = FileField("商品画像(3)")
    remove_image1 = BooleanField("削除する")
    remove_image2 = BooleanField("削除する")
    remove_image3 = BooleanField("削除する")
    stock_display = RadioField(
        "在庫表示", default=StockDisplay.SHOW.value,
        choices=[SelectChoice(d.value, d.label) for d in StockDisplay],
    )
    shelves = MultiCheckboxField("商品陳列棚", coerce=int, choices=[])
    published = BooleanField("公開", default=True)
    sale_ends_at = SaleEndField("販売期限")


class ProductSearchForm(FlaskForm):
    """The list's search (GET, so no CSRF)."""

    class Meta:
        csrf = False

    name = StringField("商品名")
    code = StringField("コード")
    shelf = SelectField("陳列棚", coerce=str, choices=[])
    published = SelectField("公開", choices=[
        SelectChoice("", "すべて"), SelectChoice("1", "公開"), SelectChoice("0", "非公開")])


@dataclass
class OptionInput:
    """The option part of a posted form, ready to show again or to save."""

    axes: list[dict[str, Any]] = field(default_factory=list)
    # (combination text, stock as typed, stock the form showed) per grid row
    rows: list[tuple[str, str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    grid_stale: bool = False  # axes changed since the grid was drawn
    # (項目名, 選択肢) per axis row exactly as posted: a refused row is shown again
    # as typed, so the owner corrects it instead of typing it all over again.
    typed: list[tuple[str, str]] = field(default_factory=list)

    def stocks(self) -> dict[str, int | None]:
        """Stock per combination; None where the field was left as shown."""
        return {text: (None if typed == was and was != "" else int(typed))
                for text, typed, was in self.rows}


def options_from_product(axes: list[dict[str, Any]], stock_by_text: Mapping[str, int]
                         ) -> OptionInput:
    rows = [(text, str(stock_by_text.get(text, 0)), str(stock_by_text.get(text, 0)))
            for text in option_combinations(axes)]
    return OptionInput(axes=[dict(a) for a in axes], rows=rows)


def read_options(form: Mapping[str, str], *, rebuild: bool) -> OptionInput:
    """Parse axes and stock grid; ``rebuild`` redraws the grid for the axes as typed."""
    result = OptionInput()
    result.typed = [(form.get(f"axis-{n}-name", ""), form.get(f"axis-{n}-values", ""))
                    for n in range(MAX_AXES)]
    result.axes = _read_axes(form, result.errors)
    combos = option_combinations(result.axes)
    if len(combos) > MAX_COMBINATIONS:
        result.errors.append(f"組み合わせが多すぎます（{MAX_COMBINATIONS}通りまで）。")
        return result
    posted = _posted_rows(form)
    if rebuild or [text for text, _, _ in posted] != combos:
        result.grid_stale = not rebuild
        known = {text: (typed, was) for text, typed, was in posted}
        result.rows = [(text, *known.get(text, ("0", ""))) for text in combos]
        return result
    result.rows = posted
    for text, typed, _ in posted:
        if not re.fullmatch(r"[0-9]{1,7}", typed) or int(typed) > MAX_STOCK:
            label = text or "在庫数"
            result.errors.append(f"{label}: 在庫数は0〜{MAX_STOCK:,}の半角数字で入力してください。")
    return result


def _read_axes(form: Mapping[str, str], errors: list[str]) -> list[dict[str, Any]]:
    axes = []
    for n in range(MAX_AXES):
        name = form.get(f"axis-{n}-name", "").strip()
        values = [v.strip() for v in VALUE_SPLIT.split(form.get(f"axis-{n}-values", ""))]
        values = list(dict.fromkeys(v for v in values if v))  # drop blanks and repeats
        if not name and not values:
            continue
        if not name or not values:
            errors.append(f"オプション{n + 1}: 項目名と選択肢の両方を入力してください。")
            continue
        if any(BAD_OPTION_CHARS.search(text) for text in [name, *values]):
            errors.append(f"オプション{n + 1}: 項目名・選択肢にコロンや空白は使えません。")
            continue
        if len(values) > MAX_VALUES or any(len(text) > 30 for text in [name, *values]):
            errors.append(f"オプション{n + 1}: 選択肢は{MAX_VALUES}個・各30文字までです。")
            continue
        axes.append({"name": name, "values": values})
    if len({a["name"] for a in axes}) != len(axes):
        errors.append("同じ項目名のオプションが複数あります。")
    return axes


def _posted_rows(form: Mapping[str, str]) -> list[tuple[str, str, str]]:
    rows = []
    for k in range(MAX_COMBINATIONS):
        if f"combo-{k}" not in form:
            break
        typed = unicodedata.normalize("NFKC", form.get(f"stock-{k}", "")).strip()
        rows.append((form[f"combo-{k}"], typed, form.get(f"stock-{k}-was", "")))
    return rows
