"""Forms and content helpers of メール配信: validation, editor HTML <-> mail HTML, emoji.

The デコメール editor shows inline images by their admin URL; the mail names them
``cid:``. ``editor_to_mail_html`` turns the editor's HTML into the stored form
(images as ``cid:``, then the handset subset only), ``mail_to_editor_html`` back.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateTimeLocalField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, StopValidation, ValidationError

from admin.common.fields import MultiCheckboxField, no_line_breaks
from admin.common.images import PreparedImage, check_upload
from carrier_compat.address import is_valid_address
from carrier_compat.decomail import sanitize_deco_html
from carrier_compat.emoji import EMOJI
from models import now
from models.merge import FIELD
from models.newsletter import CARRIERS, Newsletter

from .templates import mail_address

# 差込情報 a newsletter can use (there is no order behind it).
NEWSLETTER_FIELDS: tuple[tuple[str, str], ...] = (
    ("member_name", "会員氏名"), ("unsubscribe_url", "メルマガ配信停止URL"),
    ("shop_name", "ショップ名"), ("shop_tel", "ショップ電話番号"),
    ("shop_address", "ショップ住所"), ("shop_mail", "ショップメールアドレス"),
)
_FIELD_NAMES = frozenset(name for name, _ in NEWSLETTER_FIELDS)
MAX_IMAGE_BYTES = 2 * 1024 * 1024
# A handset shows a デコメール image a few hundred pixels wide; 2000 x 2000 is plenty.
MAX_IMAGE_PIXELS = 4_000_000


def newsletter_fields_only(_form: FlaskForm, field) -> None:
    unknown = [n for n in dict.fromkeys(FIELD.findall(field.data or "")) if n not in _FIELD_NAMES]
    if unknown:
        names = "、".join("{{" + name + "}}" for name in unknown)
        raise ValidationError(f"{field.label.text}に使えない差込情報があります: {names}"
                              "（メルマガでは会員氏名・配信停止URL・ショップ情報が使えます）")


class NewsletterForm(FlaskForm):
    subject = StringField("件名", validators=[
        DataRequired("件名を入力してください。"),
        Length(max=200, message="件名は200文字以内です。"), no_line_breaks,
        newsletter_fields_only])
    mail_from = StringField("FROM", validators=[
        DataRequired("FROMを入力してください。"),
        Length(max=254, message="FROMのメールアドレスが長すぎます。"), no_line_breaks,
        mail_address])
    carriers = MultiCheckboxField("配信対象",
                                  choices=[SelectChoice(v, label) for v, label in CARRIERS])
    body_text = TextAreaField("本文（テキスト）", validators=[
        Length(max=20000, message="本文（テキスト）は20000文字以内で入力してください。"),
        newsletter_fields_only])
    body_html = TextAreaField("本文（デコメール）", validators=[
        Length(max=100000, message="本文（デコメール）は100000文字以内で入力してください。"),
        newsletter_fields_only])

    def validate_body_text(self, field) -> None:
        if self.meta.kind == "text" and not (field.data or "").strip():
            raise ValidationError("本文を入力してください。")

    def validate_body_html(self, field) -> None:
        if self.meta.kind == "deco" and not re.sub(r"<[^>]*>|&nbsp;|\s", "", field.data or ""):
            raise ValidationError("デコメールの本文を入力してください。")


def newsletter_form(newsletter: Newsletter, **kwargs) -> NewsletterForm:
    form = NewsletterForm(obj=newsletter, **kwargs)
    form.meta.kind = newsletter.kind
    if not form.is_submitted():
        form.carriers.data = newsletter.carrier_list
    return form


def editor_html(newsletter: Newsletter, form: NewsletterForm) -> str:
    """What the editor shows: the stored HTML, or the submitted one made safe again."""
    if not form.is_submitted():
        return mail_to_editor_html(newsletter)
    return mail_to_editor_html(newsletter, editor_to_mail_html(newsletter,
                                                               form.body_html.data or ""))


def bare_address(_form: FlaskForm, field) -> None:
    if not is_valid_address((field.data or "").strip()):
        raise ValidationError("メールアドレスが正しくありません。")


class TestSendForm(FlaskForm):
    address = StringField("テスト送信先", validators=[
        DataRequired("テスト送信先のメールアドレスを入力してください。"),
        no_line_breaks, bare_address])


def _only_when_scheduled(form: FlaskForm, field: DateTimeLocalField) -> None:
    """Ignore 配信日時 (and its parse errors) unless 日時を指定して送信 is chosen.

    Not ``Optional()``: that would also stop the chain when "at" is chosen with an
    empty date, and the newsletter would then go out at once.
    """
    if form.when.data != "at":
        field.errors[:] = []
        raise StopValidation()


class SendForm(FlaskForm):
    when = RadioField("送信日時", choices=[SelectChoice("now", "今すぐ送信"),
                                            SelectChoice("at", "日時を指定して送信")],
                      default="now")
    scheduled_at = DateTimeLocalField("配信日時", format="%Y-%m-%dT%H:%M",
                                      validators=[_only_when_scheduled])

    def validate_scheduled_at(self, field) -> None:
        # Runs only for 日時を指定して送信 (see _only_when_scheduled). An empty or
        # unreadable date must refuse the send, never fall through to 今すぐ送信.
        if field.data is None:
            field.errors[:] = []  # WTForms' English parse error
            raise ValidationError("配信日時を入力してください。")
        if field.data <= now():
            raise ValidationError("配信日時には今より後の日時を入力してください。")

    def send_at(self) -> datetime | None:
        return self.scheduled_at.data if self.when.data == "at" else None


class ImageUploadForm(FlaskForm):
    image = FileField("画像")


class ActionForm(FlaskForm):
    """CSRF only: 一時停止, 再開, 中止, 再送, 作成 buttons."""


def check_image(data: bytes) -> PreparedImage:
    """An uploaded デコメール image through the product images' safe path (size limits,
    decoded and written again without metadata; animation kept).

    :raise admin.common.images.ImageRejected: with the Japanese message to show.
    """
    return check_upload(data, max_bytes=MAX_IMAGE_BYTES, max_pixels=MAX_IMAGE_PIXELS,
                        animation=True, kinds="GIF・JPEG・PNG")


def image_url_pattern(newsletter_id: int) -> re.Pattern[str]:
    return re.compile(rf'src="[^"]*/admin/newsletters/{newsletter_id}/images/(\d+)"')


def editor_to_mail_html(newsletter: Newsletter, html: str) -> str:
    """Editor HTML -> stored HTML: image URLs become ``cid:``, the rest is sanitized."""
    cids = {str(image.id): image.cid for image in newsletter.images}
    html = html.replace('style="text-align: center;"', 'align="center"')
    html = image_url_pattern(newsletter.id).sub(
        lambda m: f'src="cid:{cids[m.group(1)]}"' if m.group(1) in cids else 'src=""', html)
    return sanitize_deco_html(html)


def mail_to_editor_html(newsletter: Newsletter, html: str | None = None) -> str:
    """Stored (sanitized) HTML -> editor HTML: ``cid:`` images shown from their admin URL."""
    html = newsletter.body_html if html is None else html
    for image in newsletter.images:
        html = html.replace(f'src="cid:{image.cid}"',
                            f'src="/admin/newsletters/{newsletter.id}/images/{image.id}"')
    return html


@lru_cache(maxsize=1)
def picker_emoji() -> tuple[tuple[str, str], ...]:
    """Emoji every carrier has its own symbol for: (character, name), for the picker."""
    found = [(s.unicode, s.name) for s in EMOJI
             if s.unicode and s.roundtrip and s.docomo_pua and s.au_pua and s.softbank_pua]
    return tuple(found[:120])
