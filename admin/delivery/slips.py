"""The 配送伝票 fields as typed by shop staff: one set of checks for the CSV and the form.

Values are NFKC-normalised first (full-width digits from a Japanese IME count as
digits), trimmed, then checked against the lengths of ``models.Package``. Messages
are Japanese and name the field as the manual does (P19).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from models import now
from models.tracking import DeliveryCompany, parse_company

LABELS = {
    "order_no": "注文番号",
    "delivery_no": "伝票番号",
    "delivery_date": "配送日",
    "shop_code": "配送業者コード",
    "shop_name": "配送着店名",
    "shop_tel": "配送着店電話番号",
    "shop_memo": "配送業者備考",
    "delivery_company": "配送業者",
}
MAX_LENGTHS = {"order_no": 20, "delivery_no": 40, "shop_code": 40, "shop_name": 100,
               "shop_tel": 20, "shop_memo": 200}
_ORDER_NO = re.compile(r"[0-9A-Za-z_\-]+")
_DELIVERY_NO = re.compile(r"[0-9A-Za-z\-]+")
_TEL = re.compile(r"[0-9\-()+ ]*")
# What Excel writes for a long number it shows in exponent form: 1.23457E+11.
_EXPONENT = re.compile(r"\d(\.\d+)?E\+\d+", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# 2008/10/21 14:28, 2008/10/21, 2008-10-21 14:28:00, 2008/1/5 9:05 (Excel drops zeros).
_DATE = re.compile(
    r"(\d{4})[/\-.](\d{1,2})[/\-.](\d{1,2})(?:[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?"
)
DATE_EXAMPLE = "2008/10/21 14:28 や 2008-10-21 14:28:00"


class SlipFieldError(ValueError):
    """One or more fields are wrong; ``messages`` holds one Japanese sentence each."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(" ".join(messages))
        self.messages = messages


def normalise(value: str) -> str:
    """NFKC and trimmed; ASCII is already NFKC (the usual case: skip the work)."""
    return (value if value.isascii() else unicodedata.normalize("NFKC", value)).strip()


def clean_order_no(value: str) -> str:
    """The order number as stored, or SlipFieldError."""
    text = normalise(value)
    if not text:
        raise SlipFieldError(["注文番号（order_no）が空です。"])
    if len(text) > MAX_LENGTHS["order_no"] or not _ORDER_NO.fullmatch(text):
        raise SlipFieldError([f"注文番号「{_clip(text)}」の形式が正しくありません。"])
    return text


def clean_delivery_no(value: str) -> str:
    """The 伝票番号 as stored.

    :raise ValueError: with the Japanese reason.
    """
    return _clean_one("delivery_no", value)  # type: ignore[return-value]


def clean_slip_values(raw: dict[str, str]) -> dict[str, object]:
    """Check the slip fields present in ``raw``; returns them cleaned (date → datetime|None).

    :raise SlipFieldError: with a message for every wrong field.
    """
    cleaned: dict[str, object] = {}
    messages: list[str] = []
    for name, value in raw.items():
        try:
            cleaned[name] = _clean_one(name, value)
        except ValueError as error:
            messages.append(str(error))
    if messages:
        raise SlipFieldError(messages)
    return cleaned


def parse_delivery_date(value: str) -> datetime | None:
    """``2008/10/21 14:28`` and friends; empty → None (the rule then uses now).

    :raise ValueError: not a date, or a date that does not exist (2008/02/30).
    """
    text = normalise(value)
    if not text:
        return None
    match = _DATE.fullmatch(text)
    if match is None:
        raise ValueError(f"配送日「{_clip(text)}」は日付として読めません（例: {DATE_EXAMPLE}）。")
    parts = [int(part) if part else 0 for part in match.groups()]
    try:
        parsed = datetime(*parts)  # type: ignore[misc]
    except ValueError:
        raise ValueError(f"配送日「{text}」は存在しない日付です。") from None
    if parsed.year < 2000 or parsed > now().replace(year=now().year + 1):
        raise ValueError(f"配送日「{text}」が正しくありません（年を確認してください）。")
    return parsed


def clean_company(value: str) -> str:
    """A 配送業者 code from its code, name or a common alias; "" for an empty cell.

    :raise ValueError: a company the shop does not know, with the names it does.
    """
    text = normalise(value)
    if not text:
        return ""
    company = parse_company(text)
    if company is None:
        names = "、".join(c.label for c in DeliveryCompany)
        raise ValueError(f"配送業者「{_clip(text)}」はわかりません"
                         f"（{names} のどれかを入れてください）。")
    return company.value


def _clean_one(name: str, value: str) -> object:
    if name == "delivery_date":
        return parse_delivery_date(value)
    if name == "delivery_company":
        return clean_company(value)
    text = normalise(value)
    label = LABELS[name]
    if _CONTROL.search(text):
        raise ValueError(f"{label}に使えない文字（制御文字）が含まれています。")
    if len(text) > MAX_LENGTHS[name]:
        raise ValueError(f"{label}が長すぎます（{len(text)}文字、{MAX_LENGTHS[name]}文字まで）。")
    if name == "delivery_no":
        _check_delivery_no(text)
    if name == "shop_tel" and not _TEL.fullmatch(text):
        raise ValueError(f"{label}「{_clip(text)}」は電話番号として正しくありません。")
    return text


def _check_delivery_no(text: str) -> None:
    if not text:
        raise ValueError("伝票番号を入力してください。")
    if _EXPONENT.fullmatch(text):
        raise ValueError(
            f"伝票番号「{text}」が指数表記になっています。Excelで伝票番号の列を「文字列」に"
            "してから入力し直してください。"
        )
    if not _DELIVERY_NO.fullmatch(text):
        raise ValueError(f"伝票番号「{_clip(text)}」に使えない文字があります"
                         "（半角英数字とハイフンのみ）。")


def _clip(text: str, size: int = 30) -> str:
    return text if len(text) <= size else text[:size] + "…"
