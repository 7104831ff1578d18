"""設定's 消費税・インボイス and 最終確認画面 sections: fields mixed into ShopSettingsForm.

The rate new products get, the rounding of each rate's tax, the 適格請求書発行事業者
登録番号 (checked with the 法人番号 check digit, ``models.tax``), and the words the
最終確認画面 and the 特定商取引法 page show: 引渡時期, 支払時期 per 決済方法, and the
返品特約 in short with a link to its full text.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from admin.common.fields import ChoiceField
from models import Rounding, ShopSettings, TaxRate
from models.tax import registration_number_error

# What the section saves, each as the form holds it once validated.
TERMS_FIELDS = ("default_tax_rate", "tax_rounding", "invoice_number", "delivery_timing",
                "payment_timing_cod", "payment_timing_card", "returns_summary", "returns_url")


def _registration_number(text: str | None) -> str:
    """As typed on a Japanese keyboard: full-width, lower-case t, hyphens and spaces."""
    text = unicodedata.normalize("NFKC", text or "").upper()
    return "".join(ch for ch in text if ch not in " -‐－ー")


def _valid_registration_number(_form: Any, field: Any) -> None:
    if field.data and (error := registration_number_error(field.data)):
        raise ValidationError(error)


def _wording(label: str) -> StringField:
    too_long = f"{label}は200文字以内で入力してください。"
    return StringField(label, filters=[lambda v: v.strip() if isinstance(v, str) else v],
                       validators=[DataRequired(f"{label}を入力してください。"),
                                   Length(max=200, message=too_long)])


class TaxAndTermsFields:
    """The fields of the two sections; ``ShopSettingsForm`` inherits them."""

    default_tax_rate = ChoiceField("商品の税率（新規登録時）", coerce=int,
                                   choices=[SelectChoice(str(rate.value), rate.label)
                                            for rate in TaxRate])
    tax_rounding = ChoiceField("消費税の端数処理",
                               choices=[SelectChoice(r.value, r.label) for r in Rounding])
    invoice_number = StringField("適格請求書発行事業者登録番号", filters=[_registration_number],
                                 validators=[Optional(), _valid_registration_number])
    delivery_timing = _wording("引渡時期")
    payment_timing_cod = _wording("支払時期（代引き）")
    payment_timing_card = _wording("支払時期（クレジットカード）")
    returns_summary = _wording("返品特約（要約）")
    returns_url = StringField("返品特約の全文のURL", filters=[lambda v: (v or "").strip()],
                              validators=[Optional(), Length(max=300, message=(
                                  "返品特約の全文のURLは300文字以内で入力してください。")),
                                  Regexp(r"^https?://[^\s<>\"]+$", message=(
                                      "返品特約の全文のURLは http:// か https:// で始まる"
                                      "URLを入力してください。"))])

    def apply_terms(self, shop: ShopSettings) -> None:
        """Copy the validated section onto the settings row (the view commits)."""
        for name in TERMS_FIELDS:
            setattr(shop, name, getattr(self, name).data)
