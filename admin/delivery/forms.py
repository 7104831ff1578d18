"""The forms of the 配送 screens: upload (P20), its confirm step, 出荷結果 (P21), 出荷通知 (P22)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Regexp, ValidationError

from models.tracking import DeliveryCompany

from .slips import SlipFieldError, clean_slip_values, parse_delivery_date

COMPANY_CHOICES = [SelectChoice("", "（未指定）"),
                   *(SelectChoice(c.value, c.label) for c in DeliveryCompany)]


class UploadForm(FlaskForm):
    """出荷結果登録: the file picked with 参照 (read by the view, which owns the limits)."""

    file = FileField("出荷結果ファイル")


class UploadConfirmForm(FlaskForm):
    """確定 or 戻る for a previewed upload: the stored file's id and what was shown."""

    token = HiddenField(validators=[Regexp(r"^[0-9a-f]{32}$")])
    fingerprint = HiddenField(validators=[Regexp(r"^[0-9a-f]{32}$")])


class NoticeForm(FlaskForm):
    """出荷通知メール送信's OK: only the CSRF token."""


def _slip_field(field_name: str):
    def check(_form: FlaskForm, field) -> None:
        try:
            clean_slip_values({field_name: field.data or ""})
        except SlipFieldError as error:
            raise ValidationError(error.messages[0]) from None

    return check


def _date_field(_form: FlaskForm, field) -> None:
    try:
        parse_delivery_date(field.data or "")
    except ValueError as error:
        raise ValidationError(str(error)) from None


class ShipmentForm(FlaskForm):
    """出荷結果 for one order (P21): 伝票番号 and the optional slip fields of P19."""

    delivery_no = StringField("伝票番号", validators=[_slip_field("delivery_no")])
    delivery_company = SelectField("配送業者", choices=COMPANY_CHOICES, default="")
    delivery_date = StringField("配送日", validators=[
        Length(max=30, message="配送日が長すぎます。"), _date_field])
    shop_code = StringField("配送業者コード", validators=[_slip_field("shop_code")])
    shop_name = StringField("配送着店名", validators=[_slip_field("shop_name")])
    shop_tel = StringField("配送着店電話番号", validators=[_slip_field("shop_tel")])
    shop_memo = StringField("配送業者備考", validators=[_slip_field("shop_memo")])

    def slip_values(self) -> dict[str, object]:
        """The cleaned values (call after ``validate_on_submit``)."""
        names = ("delivery_no", "delivery_date", "shop_code", "shop_name", "shop_tel",
                 "shop_memo", "delivery_company")
        return clean_slip_values({name: getattr(self, name).data or "" for name in names})
