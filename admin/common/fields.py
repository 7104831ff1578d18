"""Form fields and validators more than one chapter uses."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, SelectField, SelectMultipleField
from wtforms.validators import DataRequired, EqualTo, Length, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

# Every character that ends a line somewhere: a header (件名, FROM) must hold none.
LINE_BREAK = re.compile(r"[\r\n\v\f\x85\u2028\u2029]")


def no_line_breaks(_form: FlaskForm, field) -> None:
    """A one-line field (件名, FROM, CC): a pasted line break is refused, not folded."""
    if LINE_BREAK.search(field.data or ""):
        raise ValidationError(f"{field.label.text}に改行は使えません。")


class NumberField(IntegerField):
    """An integer typed by a Japanese user: full-width digits and "1,000" are fine."""

    def __init__(self, label: str, message: str, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.message = message

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or str(valuelist[0]).strip() == "":
            self.data = None
            return
        text = unicodedata.normalize("NFKC", str(valuelist[0])).replace(",", "").strip()
        # Up to 18 digits parse, so an over-long number gets the range message of the
        # field's NumberRange ("0〜9,999,999円") rather than "半角数字で" - it is digits.
        if not re.fullmatch(r"-?[0-9]{1,18}", text):
            self.data = None
            raise ValueError(self.message)
        self.data = int(text)

    def pre_validate(self, form: Any) -> None:
        """Unreadable input gets its one message, not the range message on top."""
        if self.process_errors:
            raise StopValidation()


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ChoiceField(SelectField):
    """A pick-list refused in Japanese: a value not offered (or none) is
    「<label>を選んでください。」, never WTForms' English.

    With ``keep_when_missing`` a post without the field at all is no error and leaves
    ``data`` None: the caller keeps what it has (a form from before the field existed).
    """

    def __init__(self, label: str, *, keep_when_missing: bool = False, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.keep_when_missing = keep_when_missing

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        if valuelist:
            try:
                self.data = self.coerce(valuelist[0])
            except (TypeError, ValueError):
                self.data = None

    def pre_validate(self, form: Any) -> None:
        if self.keep_when_missing and not self.raw_data:
            return
        if self.data is None or not any(choice.selected for choice in self.iter_choices()):
            raise StopValidation(f"{self.label.text}を選んでください。")


# An admin's password: 10 characters at least, wherever one is set (アカウント, 設定).
ADMIN_PASSWORD_MIN = 10


def new_admin_password(label: str = "新しいパスワード") -> PasswordField:
    """The field an admin's new password is typed into."""
    return PasswordField(label, validators=[
        DataRequired(f"{label}を入力してください。"),
        Length(min=ADMIN_PASSWORD_MIN, max=200,
               message=f"パスワードは{ADMIN_PASSWORD_MIN}文字以上にしてください。")])


def password_confirmation(label: str = "新しいパスワード（確認）") -> PasswordField:
    """Its confirmation, which must match the field named ``password``."""
    return PasswordField(label, validators=[
        EqualTo("password", "確認用のパスワードが一致しません。")])

