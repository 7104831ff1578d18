"""Forms of 設定: shop information, fees, delivery options, checkout and mail, admin users.

Lists (代引き手数料 tiers, 包装オプション) are fixed rows of sub-forms; empty rows are
ignored. :func:`tiers_from` and :func:`wrapping_from` turn the rows into the JSON the
ShopSettings row stores, or add a Japanese error to the form.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from admin.common.fields import (
    NumberField,
    new_admin_password,
    no_line_breaks,
    password_confirmation,
)
from models import ShopSettings
from models.tracking import NUMBER_FIELD, DeliveryCompany

from .terms_forms import TaxAndTermsFields

TIER_ROWS = 6
WRAPPING_ROWS = 6
MAX_TIME_SLOTS = 12
EMAIL = r"^[^@\s]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$"


def _yen(label: str, *validators: Any) -> NumberField:
    return NumberField(label, f"{label}は半角数字で入力してください。", validators=[
        *validators, NumberRange(0, 9_999_999, f"{label}は0〜9,999,999円で入力してください。")])


def _days(label: str, low: int, high: int) -> NumberField:
    return NumberField(label, f"{label}は半角数字で入力してください。", validators=[
        InputRequired(f"{label}を入力してください。"),
        NumberRange(low, high, f"{label}は{low}〜{high}で入力してください。")])


def _tracking_url(_form: FlaskForm, field) -> None:
    """A web address with ``{delivery_no}`` where the slip number goes."""
    value = (field.data or "").strip()
    if not value.startswith(("https://", "http://")) or any(c.isspace() for c in value):
        raise ValidationError(f"{field.label.text}の確認URLは https:// で始まるURLにしてください。")
    if NUMBER_FIELD not in value:
        raise ValidationError(f"{field.label.text}の確認URLに伝票番号の入る {NUMBER_FIELD} を"
                              "入れてください。")


class TierForm(Form):
    up_to = _yen("代引き手数料の上限金額", Optional())
    fee = _yen("代引き手数料", Optional())


class WrappingForm(Form):
    name = StringField("包装名", validators=[Length(max=40, message="包装名は40文字以内です。")])
    fee = _yen("包装料金", Optional())


class ShopSettingsForm(TaxAndTermsFields, FlaskForm):
    shop_name = StringField("ショップ名", validators=[
        DataRequired("ショップ名を入力してください。"),
        Length(max=100, message="ショップ名は100文字以内で入力してください。")])
    seller = StringField("販売業者", validators=[
        DataRequired("販売業者を入力してください（特定商取引法に基づく表記に必要です）。"),
        Length(max=100, message="販売業者は100文字以内で入力してください。")])
    manager = StringField("運営責任者", validators=[
        Length(max=100, message="運営責任者は100文字以内で入力してください。")])
    zip_code = StringField("郵便番号", validators=[Optional(), Regexp(
        r"^[0-9]{3}-?[0-9]{4}$", message="郵便番号は7桁の半角数字で入力してください。")])
    address = StringField("所在地", validators=[
        DataRequired("所在地を入力してください（特定商取引法に基づく表記に必要です）。"),
        Length(max=200, message="所在地は200文字以内で入力してください。")])
    tel = StringField("電話番号", validators=[DataRequired(
        "電話番号を入力してください（特定商取引法に基づく表記に必要です）。"), Regexp(
        r"^[0-9\-]{1,20}$", message="電話番号は半角数字とハイフンで入力してください。")])
    fax = StringField("FAX番号", validators=[Optional(), Regexp(
        r"^[0-9\-]{1,20}$", message="FAX番号は半角数字とハイフンで入力してください。")])
    returns_policy = TextAreaField("返品について", validators=[
        Length(max=5000, message="返品については5000文字以内で入力してください。")])
    privacy_policy = TextAreaField("個人情報の取り扱い", validators=[
        Length(max=5000, message="個人情報の取り扱いは5000文字以内で入力してください。")])

    cod_fee_tiers = FieldList(FormField(TierForm), min_entries=TIER_ROWS, max_entries=TIER_ROWS)
    shipping_fee = _yen("配送料", InputRequired("配送料を入力してください。"))
    free_shipping_over = _yen("送料無料になる金額", Optional())
    wrapping_options = FieldList(FormField(WrappingForm), min_entries=WRAPPING_ROWS,
                                 max_entries=WRAPPING_ROWS)
    delivery_time_slots = TextAreaField("配送希望時間帯")
    delivery_lead_days = _days("配送希望日の最短日数", 0, 60)
    delivery_range_days = _days("配送希望日の選べる日数", 1, 90)

    guest_confirmation = BooleanField("ゲストの注文をメールで確認する")
    confirmation_hours = _days("確認URLの有効時間（仮注文が在庫を確保する時間）", 1, 168)
    easy_login = BooleanField("かんたんログインを使う")
    low_stock_threshold = _days("残りわずか表示のしきい値", 0, 9999)

    # Empty keeps the stored limit (a form from before this field existed sends none).
    provisional_limit = NumberField("仮注文の上限", "仮注文の上限は半角数字で入力してください。",
                                    validators=[Optional(), NumberRange(
                                        0, 99, "仮注文の上限は0〜99で入力してください。")])
    require_two_factor = BooleanField("すべての管理ユーザーに二段階認証を必須にする")

    mail_from = StringField("送信元メールアドレス（FROM）", validators=[
        DataRequired("送信元メールアドレスを入力してください。"),
        Regexp(EMAIL, message="送信元メールアドレスの形式が正しくありません。")])
    mail_bcc = StringField("控えの送信先（BCC）", validators=[
        Optional(), Regexp(EMAIL, message="BCCのメールアドレスの形式が正しくありません。")])

    sender_name = StringField("送信者名", validators=[
        Length(max=100, message="送信者名は100文字以内で入力してください。"), no_line_breaks,
        Regexp(r'^[^"<>\\]*$', message="送信者名に \" < > \\ は使えません。")])
    tracking_yamato = StringField("ヤマト運輸", validators=[Optional(), _tracking_url])
    tracking_sagawa = StringField("佐川急便", validators=[Optional(), _tracking_url])
    tracking_japanpost = StringField("日本郵便", validators=[Optional(), _tracking_url])
    tracking_other = StringField("その他", validators=[Optional(), _tracking_url])

    def load(self, settings: ShopSettings) -> None:
        """Fill the list rows and the time-slot text from the stored settings."""
        tiers = list(settings.cod_fee_tiers or [])[:TIER_ROWS]
        for row, tier in zip(self.cod_fee_tiers, tiers, strict=False):
            row.form.up_to.data, row.form.fee.data = tier.get("up_to"), tier.get("fee")
        options = list(settings.wrapping_options or [])[:WRAPPING_ROWS]
        for row, option in zip(self.wrapping_options, options, strict=False):
            row.form.name.data, row.form.fee.data = option.get("name"), option.get("fee")
        self.delivery_time_slots.data = "\n".join(settings.delivery_time_slots or [])
        for company in DeliveryCompany:
            getattr(self, f"tracking_{company.value}").data = \
                (settings.tracking_urls or {}).get(company.value, "")

    def tracking_urls(self) -> dict[str, str]:
        """配送業者 code -> tracking-URL template ("" = no link), for ShopSettings."""
        return {company.value: (getattr(self, f"tracking_{company.value}").data or "").strip()
                for company in DeliveryCompany}


def tiers_from(form: ShopSettingsForm, errors: list[str]) -> list[dict[str, Any]] | None:
    """The tiers in order; the last must be open (上限なし) so every amount has a fee."""
    rows = [(r.form.up_to.data, r.form.fee.data) for r in form.cod_fee_tiers
            if r.form.up_to.data is not None or r.form.fee.data is not None]
    before = len(errors)
    if not rows:
        errors.append("代引き手数料を1段以上入力してください。")
        return None
    if any(fee is None for _, fee in rows):
        errors.append("代引き手数料の各段に手数料を入力してください。")
    if rows[-1][0] is not None or any(up_to is None for up_to, _ in rows[:-1]):
        errors.append("代引き手数料の上限金額は、最後の段だけを空欄（上限なし）にしてください。")
    limits = [up_to for up_to, _ in rows[:-1] if up_to is not None]
    if limits != sorted(set(limits)):
        errors.append("代引き手数料の上限金額は、上の段から小さい順に入力してください。")
    if len(errors) > before:
        return None
    return [{"up_to": up_to, "fee": fee} for up_to, fee in rows]


def wrapping_from(form: ShopSettingsForm, errors: list[str]) -> list[dict[str, Any]] | None:
    options = []
    for row in form.wrapping_options:
        name = (row.form.name.data or "").strip()
        if not name and row.form.fee.data is None:
            continue
        if not name:
            errors.append("料金を入れた包装オプションに名前を入力してください。")
            return None
        options.append({"name": name, "fee": row.form.fee.data or 0})
    if len({o["name"] for o in options}) != len(options):
        errors.append("同じ名前の包装オプションがあります。")
        return None
    return options


def time_slots_from(form: ShopSettingsForm, errors: list[str]) -> list[str] | None:
    slots = [line.strip() for line in (form.delivery_time_slots.data or "").splitlines()]
    slots = list(dict.fromkeys(s for s in slots if s))
    if len(slots) > MAX_TIME_SLOTS or any(len(s) > 40 for s in slots):
        errors.append(f"配送希望時間帯は{MAX_TIME_SLOTS}個まで、1つ40文字以内で入力してください。")
        return None
    return slots


class AdminAddForm(FlaskForm):
    login = StringField("ログインID", validators=[
        DataRequired("ログインIDを入力してください。"),
        Regexp(r"^[A-Za-z0-9_.\-]{3,50}$",
               message="ログインIDは半角英数字と _ . - の3〜50文字にしてください。")])
    password = new_admin_password("パスワード")
    confirm = password_confirmation("パスワード（確認）")


class AdminPasswordForm(FlaskForm):
    password = new_admin_password()
    confirm = password_confirmation()
