"""メール設定: the mail profile per carrier (配信形式), and the previews of both profiles.

Each of docomo, au and SoftBank gets 標準（UTF-8・Unicode絵文字）, the default, or
旧端末向け（キャリアの文字コードと絵文字）, the 3G-era form. The choice is stored in
``ShopSettings.legacy_mail_carriers`` and copied onto every mail when it is queued, so a
change reaches only mail queued after it. The previews of メール設定 and メール配信 show,
per carrier, what the phone shows and how big the mail is in each profile.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, url_for
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from admin import bp
from carrier_compat.emoji import from_carrier, to_carrier
from carrier_compat.mail import build_text_mail, smtp_bytes
from carrier_compat.mail_codec import profile_for
from ktaishop.extensions import db
from models import ShopSettings
from models.mail import PROFILE_CARRIERS, MailProfileName

LABELS = {"docomo": "docomo", "au": "au", "softbank": "SoftBank", "smartphone": "スマートフォン",
          "pc": "PC"}
# A made-up recipient per carrier: the size of a mail hardly depends on the address.
PREVIEW_TO = {"docomo": "preview@docomo.ne.jp", "au": "preview@ezweb.ne.jp",
              "softbank": "preview@softbank.ne.jp", "smartphone": "preview@i.softbank.jp",
              "pc": "preview@example.com"}
_CHOICES = [SelectChoice(p.value, p.label) for p in MailProfileName]


class MailProfileForm(FlaskForm):
    """配信形式 per carrier; the field names are the carriers'."""

    docomo = RadioField("docomo", choices=_CHOICES, default=MailProfileName.STANDARD.value)
    au = RadioField("au", choices=_CHOICES, default=MailProfileName.STANDARD.value)
    softbank = RadioField("SoftBank", choices=_CHOICES, default=MailProfileName.STANDARD.value)


def mail_profile_form(settings: ShopSettings) -> MailProfileForm:
    """The form as the shop has it now (on a GET), or as submitted."""
    form = MailProfileForm()
    if not form.is_submitted():
        for carrier in PROFILE_CARRIERS:
            form[carrier].data = settings.mail_profile(carrier).value
    return form


@bp.route("/mail-templates/profiles", methods=["POST"])
def mail_profiles_update():
    """Store the 配信形式 per carrier; mail already queued keeps its own."""
    form = MailProfileForm()
    if not form.validate_on_submit():
        flash("配信形式を選んでください。", "error")
        return redirect(url_for("admin.mail_templates"))
    settings = ShopSettings.load(db.session)
    settings.legacy_mail_carriers = ",".join(
        c for c in PROFILE_CARRIERS if form[c].data == MailProfileName.LEGACY)
    db.session.commit()
    chosen = "、".join(f"{LABELS[c]}: {settings.mail_profile(c).label}" for c in PROFILE_CARRIERS)
    flash(f"配信形式を更新しました（{chosen}）。送信待ちのメールは作成したときの形式で送ります。",
          "info")
    return redirect(url_for("admin.mail_templates"))


def shop_profiles(carriers: tuple[str, ...] | list[str]) -> dict[str, MailProfileName]:
    """The profile the shop uses now for each of ``carriers``."""
    settings = ShopSettings.load(db.session)
    return {carrier: settings.mail_profile(carrier) for carrier in carriers}


def as_phone_shows(text: str, carrier: str, mail_profile: str) -> str:
    """``text`` as the phone shows it: in the legacy profile a carrier's emoji set
    decides (a missing one shows as its stand-in); in the standard one all go as they are."""
    if mail_profile != MailProfileName.LEGACY or carrier not in PROFILE_CARRIERS:
        return text
    return from_carrier(to_carrier(text, carrier), carrier)


@dataclass(frozen=True)
class TextPreview:
    """One carrier's text mail in one profile: what the phone shows, and its size."""

    carrier: str
    label: str
    mail_profile: str
    profile_label: str
    charset: str
    subject: str
    body: str
    message_bytes: int | None  # None when the mail cannot be built (e.g. a bad FROM)


def text_preview(carrier: str, mail_profile: str, *, subject: str, body: str,
                 mail_from: str) -> TextPreview:
    """``carrier``'s text mail in ``mail_profile``, built as the worker would build it."""
    encoding = profile_for(carrier, None, mail_profile)
    try:
        mail = build_text_mail(to=PREVIEW_TO[carrier], mail_from=mail_from, subject=subject,
                               body=body, carrier=carrier, mail_profile=mail_profile)
        size: int | None = len(smtp_bytes(mail))
    except ValueError:
        size = None
    return TextPreview(
        carrier=carrier, label=LABELS[carrier], mail_profile=encoding.name,
        profile_label=MailProfileName(encoding.name).label, charset=encoding.charset,
        subject=as_phone_shows(subject, carrier, encoding.name),
        body=as_phone_shows(body, carrier, encoding.name), message_bytes=size)


PREVIEW_CARRIERS = ("docomo", "au", "softbank", "pc")


def template_previews(*, subject: str, body: str, mail_from: str) -> list[dict]:
    """Per carrier: the shop's profile now, and the text mail in each profile, for the
    メール設定 preview (JSON). PCs have one form: one entry."""
    in_use = shop_profiles(PREVIEW_CARRIERS)
    rows = []
    for carrier in PREVIEW_CARRIERS:
        names = [p.value for p in MailProfileName] if carrier in PROFILE_CARRIERS else [
            MailProfileName.STANDARD.value]
        previews = [text_preview(carrier, name, subject=subject, body=body,
                                 mail_from=mail_from) for name in names]
        rows.append(dict(carrier=carrier, label=LABELS[carrier],
                         in_use=in_use[carrier].value,
                         profiles=[vars(preview) for preview in previews]))
    return rows
