"""Per-carrier previews of a newsletter: what each handset shows, and how big it is.

For a デコメール the sizes come from ``carrier_compat.decomail.deco_size_report``
(body, images and whole message against each carrier's limit, and whether
downscaling makes it fit); the HTML is shown with emoji as that carrier shows them
and images from their admin URLs. A テキストメール shows its text and encoded size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from carrier_compat.decomail import (
    DecoMailError,
    DecoSizeReport,
    deco_size_report,
    sanitize_deco_html,
)
from carrier_compat.mail import build_text_mail, smtp_bytes
from ktaishop.extensions import db
from ktaishop.mail import newsletter_mail
from ktaishop.security import csp_nonce
from models.newsletter import Newsletter

from .newsletter_forms import as_handset_shows

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


def carrier_previews(newsletter: Newsletter, carriers: Iterable[str]) -> list[CarrierPreview]:
    values = newsletter_mail.merge_values(db.session, newsletter_mail.SAMPLE_NAME,
                                          newsletter_mail.unsubscribe_url(0))
    personal = newsletter_mail.personal_text(newsletter, values)
    reports, problem = _reports(newsletter, personal.body, carriers)
    previews = []
    for carrier in carriers:
        report = reports.get(carrier)
        previews.append(CarrierPreview(
            carrier=carrier, label=LABELS[carrier], width=SCREEN_WIDTH[carrier],
            subject=as_handset_shows(personal.subject, carrier),
            text=as_handset_shows(personal.body, carrier),
            html=_document(newsletter, values, carrier) if newsletter.is_deco else "",
            message_bytes=report.message_bytes if report else _text_size(newsletter, personal,
                                                                          carrier),
            report=report, problem=problem or (report.problem if report else None)))
    return previews


def _reports(newsletter: Newsletter, text: str,
             carriers: Iterable[str]) -> tuple[dict[str, DecoSizeReport], str | None]:
    if not newsletter.is_deco:
        return {}, None
    try:
        reports = deco_size_report(html=newsletter.body_html, text=text,
                                   images=newsletter_mail.inline_images(newsletter, {}),
                                   subject=newsletter.subject, carriers=list(carriers))
    except DecoMailError as error:
        return {}, error.message
    return {r.carrier: r for r in reports}, None


def _text_size(newsletter: Newsletter, personal, carrier: str) -> int | None:
    if not newsletter.subject or newsletter.is_deco:
        return None
    try:
        mail = build_text_mail(to=PREVIEW_TO, mail_from=newsletter.mail_from or PREVIEW_TO,
                               subject=personal.subject, body=personal.body, carrier=carrier)
    except ValueError:
        return None
    return len(smtp_bytes(mail))


def _document(newsletter: Newsletter, values: dict[str, str], carrier: str) -> str:
    body = sanitize_deco_html(newsletter_mail.personal_html(newsletter, values))
    for image in newsletter.images:
        body = body.replace(f'src="cid:{image.cid}"',
                            f'src="/admin/newsletters/{newsletter.id}/images/{image.id}"')
    body = as_handset_shows(body, carrier)
    # The srcdoc frame inherits the admin page's CSP: its style carries the nonce.
    return ('<!DOCTYPE html><html><head><meta charset="utf-8">'
            f'<style nonce="{csp_nonce()}">'
            'body{margin:4px;font-size:14px;word-wrap:break-word}img{max-width:100%}'
            f'</style></head><body>{body}</body></html>')

