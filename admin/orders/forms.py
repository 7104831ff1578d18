"""The forms of the 注文 screens: 訂正 (P10), メール送信 (P12–P14) and the downloads."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from admin.common.csv_write import ENCODINGS
from admin.common.fields import no_line_breaks
from carrier_compat.address import is_valid_address
from models import OrderStatus

# CR, LF and the other characters that end a line in a mail header.


class ActionForm(FlaskForm):
    """A button that changes something (取消): only the CSRF token, and where to go back."""

    next = HiddenField()


class DownloadForm(FlaskForm):
    """注文情報ダウンロード: the file's character set."""

    encoding = RadioField("文字コード", default="cp932",
                          choices=[SelectChoice(v, label) for v, label in ENCODINGS.items()])


class BulkForm(FlaskForm):
    """一括操作 on 注文一覧: what to do with the ticked orders (``id`` values)."""

    # Choices are checked by the view (``bulk.run``), with Japanese messages.
    action = SelectField("一括操作", validate_choice=False, choices=[
        SelectChoice("status", "注文状態を変更"), SelectChoice("cancel", "取消"),
        SelectChoice("mail", "メール送信")])
    status = SelectField("変更後の注文状態", validate_choice=False,
                         choices=[SelectChoice(s.value, s.label) for s in OrderStatus])
    template = StringField("メールのテンプレート")
    next = HiddenField()

    def ids(self) -> list[int]:
        """The ticked orders' ids, each once, in the order ticked."""
        from flask import request

        return list(dict.fromkeys(int(v) for v in request.form.getlist("id") if v.isdigit()))

    def template_id(self) -> int:
        value = self.template.data or ""
        return int(value) if value.isdigit() else 0


class CorrectForm(FlaskForm):
    """訂正: 注文状態 and メモ; the per-item 取消 boxes are read as ``cancel_item`` ids."""

    status = SelectField("注文状態", choices=[SelectChoice(s.value, s.label) for s in OrderStatus])
    memo = TextAreaField("メモ内容", validators=[
        Length(max=2000, message="メモは2000文字以内で入力してください。")])


def _address(_form: FlaskForm, field) -> None:
    if field.data and not is_valid_address(field.data):
        raise ValidationError(f"{field.label.text}のメールアドレスが正しくありません。")


def _address_list(_form: FlaskForm, field) -> None:
    for address in split_addresses(field.data or ""):
        if not is_valid_address(address):
            raise ValidationError(
                f"{field.label.text}のメールアドレス「{address}」が正しくありません。")


def _one_address(_form: FlaskForm, field) -> None:
    if len(split_addresses(field.data or "")) > 1:
        raise ValidationError("BCCに指定できるメールアドレスは1つです。")


def split_addresses(text: str) -> list[str]:
    """CC may hold several addresses separated by commas (or 、)."""
    return [a.strip() for a in re.split(r"[,、，]", text) if a.strip()]


def _strip(value: str | None) -> str | None:
    """Surrounding spaces go (a pasted address); line breaks stay, to be refused."""
    return value.strip(" \t\u3000") if isinstance(value, str) else value


class MailForm(FlaskForm):
    """メール送信: 件名*, FROM*, CC, BCC (one address), 本文*; TO is the purchaser."""

    subject = StringField("件名", filters=[_strip], validators=[
        DataRequired("件名を入力してください。"),
        Length(max=200, message="件名は200文字以内で入力してください。"), no_line_breaks])
    mail_from = StringField("FROM", filters=[_strip], validators=[
        DataRequired("FROMを入力してください。"), no_line_breaks, _address])
    cc = StringField("CC", filters=[_strip], validators=[
        Length(max=1000, message="CCが長すぎます。"), no_line_breaks, _address_list])
    bcc = StringField("BCC", filters=[_strip], validators=[no_line_breaks, _one_address, _address])
    body = TextAreaField("本文", validators=[
        DataRequired("本文を入力してください。"),
        Length(max=20000, message="本文は20000文字以内で入力してください。")])
