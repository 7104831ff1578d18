"""Per-carrier previews of a newsletter: what each handset shows, and how big it is,
in the mail profile (配信形式) each carrier's mail goes in, with the size in the other.

For a デコメール the sizes come from ``carrier_compat.decomail.deco_size_report``
(body, images and whole message against each carrier's limit, and whether
downscaling makes it fit); the HTML is shown with emoji as that carrier shows them
in that profile and images from their admin URLs. A テキストメール shows its text
and encoded size.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from carrier_compat.decomail import (
    DecoMailError,
    DecoSizeReport,
    deco_size_report,
    sanitize_deco_html,
)
from carrier_compat.mail import build_text_mail, smtp_bytes
from carrier_compat.mail_codec import profile_for
from ktaishop.extensions import db
from ktaishop.mail import newsletter_mail
from ktaishop.security import csp_nonce
from models.mail import PROFILE_CARRIERS, MailProfileName
from models.newsletter import Newsletter

from .profiles import as_phone_shows

LABELS = {"docomo": "docomo", "au": "au", "softbank": "SoftBank", "smartphone": "スマートフォン",
          "pc": "PC"}
# Where the preview frame is as wide as the handset's screen.
SCREEN_WIDTH = {"docomo": 240, "au": 240, "softbank": 240, "smartphone": 360, "pc": 600}
PREVIEW_TO = "preview@example.com"


@dataclass
class CarrierPreview:
    carrier: str
    label: str
    width: int
    subject: str
    text: str
    html: str  # a whole document for an <iframe srcdoc>, "" for text mail
    message_bytes: int | None
    report: DecoSizeReport | None
    problem: str | None
    mail_profile: str = MailProfileName.STANDARD.value  # the profile shown
    charset: str = "UTF-8"
    other_profile: str | None = None  # the carrier's other profile (None: it has one)
    other_bytes: int | None = None  # the whole mail in the other profile

    @property
    def profile_label(self) -> str:
        return MailProfileName(self.mail_profile).label

    @property
    def other_label(self) -> str:
        return MailProfileName(self.other_profile).label if self.other_profile else ""


def carrier_previews(newsletter: Newsletter, carriers: Iterable[str],
                     profiles: Mapping[str, str]) -> list[CarrierPreview]:
    """Each carrier's mail in ``profiles[carrier]`` (standard when missing)."""
    sample_url = newsletter_mail.unsubscribe_url(0, newsletter.mail_from or "sample@example.jp",
                                                 newsletter_mail.sent_at(newsletter))
    values = newsletter_mail.merge_values(db.session, newsletter_mail.SAMPLE_NAME, sample_url)
    personal = newsletter_mail.personal_text(newsletter, values)
    carriers = list(carriers)
    chosen = {c: profiles.get(c, MailProfileName.STANDARD.value) for c in carriers}
    other = {c: _other(p) for c, p in chosen.items() if c in PROFILE_CARRIERS}
    reports, problem = size_reports(newsletter, personal.body, chosen)
    other_reports, _ = size_reports(newsletter, personal.body, other)
    return [_preview(newsletter, values, personal, carrier, chosen[carrier], other.get(carrier),
                     reports.get(carrier), other_reports.get(carrier), problem)
            for carrier in carriers]


def _other(mail_profile: str) -> str:
    legacy = mail_profile == MailProfileName.LEGACY
    return (MailProfileName.STANDARD if legacy else MailProfileName.LEGACY).value


def _preview(newsletter: Newsletter, values: dict[str, str], personal, carrier: str,
             mail_profile: str, other: str | None, report: DecoSizeReport | None,
             other_report: DecoSizeReport | None, problem: str | None) -> CarrierPreview:
    encoding = profile_for(carrier, None, mail_profile)
    if newsletter.is_deco:
        size = report.message_bytes if report else None
        other_size = other_report.message_bytes if other_report else None
    else:
        size = _text_size(newsletter, personal, carrier, mail_profile)
        other_size = _text_size(newsletter, personal, carrier, other) if other else None
    return CarrierPreview(
        carrier=carrier, label=LABELS[carrier], width=SCREEN_WIDTH[carrier],
        subject=as_phone_shows(personal.subject, carrier, encoding.name),
        text=as_phone_shows(personal.body, carrier, encoding.name),
        html=_document(newsletter, values, carrier, encoding.name) if newsletter.is_deco else "",
        message_bytes=size, report=report,
        problem=problem or (report.problem if report else None),
        mail_profile=encoding.name, charset=encoding.charset, other_profile=other,
        other_bytes=other_size)


def size_reports(newsletter: Newsletter, text: str, profiles: Mapping[str, str],
                 ) -> tuple[dict[str, DecoSizeReport], str | None]:
    """The デコメール's size report per carrier in its profile (``profiles``), or the
    refusal that applies to every carrier (an image the HTML names is missing)."""
    if not newsletter.is_deco or not profiles:
        return {}, None
    images = newsletter_mail.inline_images(newsletter, {})
    reports: dict[str, DecoSizeReport] = {}
    try:
        for name in dict.fromkeys(profiles.values()):
            carriers = [c for c, p in profiles.items() if p == name]
            for report in deco_size_report(html=newsletter.body_html, text=text, images=images,
                                           subject=newsletter.subject, carriers=carriers,
                                           mail_profile=name):
                reports[report.carrier] = report
    except DecoMailError as error:
        return {}, error.message
    return reports, None


def _text_size(newsletter: Newsletter, personal, carrier: str,
               mail_profile: str) -> int | None:
    if not newsletter.subject or newsletter.is_deco:
        return None
    try:
        mail = build_text_mail(to=PREVIEW_TO, mail_from=newsletter.mail_from or PREVIEW_TO,
                               subject=personal.subject, body=personal.body, carrier=carrier,
                               mail_profile=mail_profile)
    except ValueError:
        return None
    return len(smtp_bytes(mail))


def _document(newsletter: Newsletter, values: dict[str, str], carrier: str,
              mail_profile: str) -> str:
    body = sanitize_deco_html(newsletter_mail.personal_html(newsletter, values))
    for image in newsletter.images:
        body = body.replace(f'src="cid:{image.cid}"',
                            f'src="/admin/newsletters/{newsletter.id}/images/{image.id}"')
    body = as_phone_shows(body, carrier, mail_profile)
    # The srcdoc frame inherits the admin page's CSP: its style carries the nonce.
    return ('<!DOCTYPE html><html><head><meta charset="utf-8">'
            f'<style nonce="{csp_nonce()}">'
            'body{margin:4px;font-size:14px;word-wrap:break-word}img{max-width:100%}'
            f'</style></head><body>{body}</body></html>')

