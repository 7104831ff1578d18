"""Checking what shoppers type: field-by-field Japanese errors, normalised values.

Every check returns the cleaned values and a dict ``field -> message``; templates show
the message next to the field. Values are normalised the way the shop stores them:
kana as full-width katakana, tel and zip as ASCII digits, text NFC with CP932 forms.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import jaconv
from flask import request

from carrier_compat.address import address_key, canonical_address, is_valid_address
from carrier_compat.normalize import normalize_input
from ktaishop.clients import client_key
from ktaishop.routing import MAX_ROW_ID

from .address import posted_form

PERSON_FIELDS = ("name", "kana", "tel", "email", "zip_code", "address")
LABELS = {
    "name": "氏名",
    "kana": "氏名カナ",
    "tel": "電話番号",
    "email": "メールアドレス",
    "zip_code": "郵便番号",
    "address": "住所",
    "note": "備考",
    "password": "パスワード",
}
MAX_LENGTHS = {"name": 50, "kana": 50, "address": 200, "email": 254, "note": 500}
MIN_PASSWORD = 8
MAX_PASSWORD = 64
_KANA = re.compile(r"^[ァ-ヶー・　 ]+$")
_DIGIT_SEPARATORS = re.compile(r"[\s\-‐－―ー()（）]")
# C0 controls but tab and line ends, DEL, and the C1 controls (U+0080–U+009F: no page,
# XHTML-MP or HTML5, may carry them, so a refused value is shown again without them).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
INVALID_EMAIL = "メールアドレスの形式が正しくありません。"
# What a one-line field may not hold: control characters (tab and line breaks too),
# the Unicode line and paragraph separators, and bidirectional overrides. A name with
# U+2028 could never be put into a mail header, and one with U+202E shows reversed.
_NOT_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@dataclass
class Cleaned:
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def text(raw: str | None, *, multiline: bool = False) -> str:
    """Normalised, trimmed text without control characters (newlines only if multiline)."""
    value = normalize_input(raw or "").strip()
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        value = value.replace("\n", " ").replace("\t", " ")
    return _CONTROL.sub("", value)


def digits(raw: str | None) -> str:
    return _DIGIT_SEPARATORS.sub("", jaconv.z2h(text(raw), digit=True, ascii=True, kana=False))


def email_text(raw: str | None) -> str:
    """A typed mail address in the shop's one form (``canonical_address``): full-width
    letters and ＠ ． made half-width, spaces dropped, quotes and the domain's case gone.

    A handset left in 全角 input mode types ｔａｒｏ＠ｄｏｃｏｍｏ．ｎｅ．ｊｐ; that is
    the same address, not a malformed one; so is ``"taro"@DoCoMo.ne.jp``.
    """
    typed = jaconv.z2h(text(raw), ascii=True, digit=True, kana=False)
    return canonical_address(typed.replace(" ", "")) if typed.strip() else ""


def typed_address(field: str) -> str:
    """The mail address a posted form names, as a rate-limit key (per target address).

    Without one, the client's own key: empty forms from everyone must not share a count.
    """
    address = address_key(email_text(request.form.get(field)))
    return f"address:{address}" if address else client_key()


def kana(raw: str | None) -> str:
    return jaconv.hira2kata(text(raw)).replace(" ", "　")


def clean_person(form: Mapping[str, str], *, with_email: bool = True) -> Cleaned:
    """注文者 / 配送先 / 会員 fields; ``with_email`` False for a 配送先.

    The HTML5 face sends the 住所 in parts (storefront.address); they are joined first.
    """
    form = posted_form(form)
    result = Cleaned()
    names = PERSON_FIELDS if with_email else tuple(f for f in PERSON_FIELDS if f != "email")
    for name in names:
        raw = form.get(name)
        value = {"kana": kana, "tel": digits, "zip_code": digits}.get(name, text)(raw)
        if name == "email":
            value = email_text(raw)
        result.values[name] = value
        message = one_line_error(name, raw) or _person_error(name, value)
        if message:
            result.errors[name] = message
    return result


def one_line_error(name: str, raw: str | None) -> str | None:
    """Why a one-line field's raw input is refused (改行・制御文字), or None."""
    if raw and _NOT_ONE_LINE.search(normalize_input(raw).strip()):
        return f"{LABELS[name]}に改行や制御文字は使えません。入力し直してください。"
    return None


def _person_error(name: str, value: str) -> str | None:
    label = LABELS[name]
    if not value:
        return f"{label}を入力してください。"
    limit = MAX_LENGTHS.get(name)
    if limit and len(value) > limit:
        return f"{label}は{limit}文字以内で入力してください。"
    if name == "kana" and not _KANA.match(value):
        return "氏名カナはカタカナで入力してください。"
    if name == "tel" and not re.fullmatch(r"0\d{9,10}", value):
        return "電話番号は0から始まる10桁か11桁の数字で入力してください。"
    if name == "zip_code" and not re.fullmatch(r"\d{7}", value):
        return "郵便番号は7桁の数字で入力してください。"
    if name == "email" and not is_valid_address(value):
        return INVALID_EMAIL
    return None


def clean_note(raw: str | None) -> tuple[str, str | None]:
    value = text(raw, multiline=True)
    if len(value) > MAX_LENGTHS["note"]:
        return value, f"備考は{MAX_LENGTHS['note']}文字以内で入力してください。"
    return value, None


def row_id(value: int) -> int | None:
    """``value`` when it can name a row (1 to ``MAX_ROW_ID``), else None.

    A larger number typed into a URL or a form is not just "not found": the database
    driver refuses it (SQLite OverflowError, PostgreSQL out of range), which was a 500.
    """
    return value if 1 <= value <= MAX_ROW_ID else None


def password_error(password: str, again: str | None = None) -> str | None:
    """Why a new password is refused, or None."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        return f"パスワードは{MIN_PASSWORD}～{MAX_PASSWORD}文字で入力してください。"
    if not password.isascii() or not password.isprintable():
        return "パスワードは半角の英数字と記号で入力してください。"
    if again is not None and password != again:
        return "確認用のパスワードが一致しません。"
    return None
