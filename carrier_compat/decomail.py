"""デコメール (HTML mail with inline images) in each carrier's MIME layout and limits.

Layouts in the legacy profile (what each carrier's 3G handsets were specified to
parse; jpmobile's ``require_related_part?`` is true for docomo and SoftBank, false
for au)::

    docomo, softbank  multipart/mixed
                        multipart/related
                          multipart/alternative (text/plain, text/html)
                          image ... (Content-ID)
    au                multipart/mixed
                        multipart/alternative (text/plain, text/html)
                        image ... (Content-ID, beside the alternative)

and in the standard profile for every carrier (UTF-8 HTML, what iPhone Mail and
today's carrier mail apps display), as always for smartphones and PCs::

    every carrier     multipart/alternative
                        text/plain
                        multipart/related (text/html, image ... (Content-ID))

Both profiles keep each carrier's limits (``DECO_LIMITS``), measured on the bytes
actually sent: in UTF-8 a Japanese character takes 3 bytes against 2 in Shift_JIS.

Images too big for a carrier are downscaled with Pillow (all frames of an
animated GIF) until the mail fits; when it cannot fit, ``DecoMailTooLarge``
says in Japanese what is too big.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from email.message import EmailMessage, MIMEPart
from email.policy import default as default_policy

from carrier_compat.decomail_html import cid_references, html_to_text, sanitize_deco_html
from carrier_compat.decomail_images import shrink_image
from carrier_compat.errors import CarrierCompatError
from carrier_compat.mail import (
    check_header_value,
    resolve_profile,
    set_envelope_headers,
    set_text_part,
    smtp_bytes,
)
from carrier_compat.mail_codec import LEGACY, MailProfile, encode_mail_text, profile_for

__all__ = [
    "DECO_LIMITS",
    "DecoLimits",
    "DecoMailError",
    "DecoMailTooLarge",
    "DecoSizeReport",
    "InlineImage",
    "build_deco_mail",
    "deco_size_report",
    "sanitize_deco_html",
]

KB = 1024


@dataclass(frozen=True)
class DecoLimits:
    """Byte limits for one carrier; None means the carrier sets none."""

    body: int | None  # text/plain + text/html, encoded in the carrier's charset
    images: int | None  # sum of the image files
    message: int | None  # the whole message as sent over SMTP (base64 included)


# The carriers' published デコメール limits. Measured conservatively: "KB" is
# 1024 bytes and "total" is the encoded message, so base64 overhead counts.
DECO_LIMITS: dict[str, DecoLimits] = {
    # docomo: text+HTML at most 10,000 bytes; images at most 90 KB in one mail.
    "docomo": DecoLimits(body=10_000, images=90 * KB, message=None),
    # au: the whole decoration mail at most 100 KB.
    "au": DecoLimits(body=None, images=None, message=100 * KB),
    # SoftBank 3G: the whole decore mail at most 300 KB.
    "softbank": DecoLimits(body=None, images=None, message=300 * KB),
    # Smartphones and PCs: no carrier limit.
    "smartphone": DecoLimits(body=None, images=None, message=None),
    "pc": DecoLimits(body=None, images=None, message=None),
}
_CARRIER_LABEL = {"docomo": "docomo", "au": "au", "softbank": "SoftBank",
                  "smartphone": "スマートフォン", "pc": "PC"}


class DecoMailError(CarrierCompatError):
    """The デコメール cannot be built as given (e.g. an image the HTML names is missing)."""

    default_message = "デコメールを作成できません。"


class DecoMailTooLarge(DecoMailError):
    """The デコメール does not fit the carrier's limits even after downscaling images."""

    default_message = "デコメールが大きすぎます。"


@dataclass(frozen=True)
class InlineImage:
    """An image the HTML shows with ``<img src="cid:{cid}">``."""

    cid: str
    filename: str
    data: bytes
    mimetype: str  # e.g. 'image/gif', 'image/jpeg', 'image/png'

    def __post_init__(self) -> None:
        for what, value in (("cid", self.cid), ("filename", self.filename),
                            ("mimetype", self.mimetype)):
            check_header_value(value, f"image {what}")
        if any(ch in self.cid for ch in "<> \t\"") or not self.cid:
            raise ValueError(f"unusable Content-ID: {self.cid!r}")
        if not self.mimetype.startswith("image/"):
            raise ValueError(f"not an image type: {self.mimetype!r}")


@dataclass(frozen=True)
class DecoSizeReport:
    """Sizes of one carrier's デコメール against its limits, for a preview screen."""

    carrier: str
    body_bytes: int
    body_limit: int | None
    images_bytes: int  # as given
    images_limit: int | None
    message_bytes: int  # as given, before any downscaling
    message_limit: int | None
    fits: bool  # sendable as given
    sendable: bool  # sendable after downscaling
    sent_images_bytes: int | None  # after downscaling; None when not sendable
    problem: str | None  # the Japanese refusal message when not sendable
    mail_profile: str = LEGACY  # the profile measured ("legacy" or "standard")
    charset: str = ""  # the charset of its text parts in that profile


# -- MIME assembly ------------------------------------------------------------

def _html_document(fragment: str, profile: MailProfile) -> str:
    return ('<html><head><meta http-equiv="Content-Type" content="text/html; '
            f'charset={profile.charset}"></head><body>{fragment}</body></html>')


def _text_part(text: str, subtype: str, profile: MailProfile) -> MIMEPart:
    part = MIMEPart(policy=default_policy)
    set_text_part(part, text, subtype, profile)
    return part


def _image_part(image: InlineImage) -> MIMEPart:
    maintype, _, subtype = image.mimetype.partition("/")
    part = MIMEPart(policy=default_policy)
    part.set_content(image.data, maintype=maintype, subtype=subtype, disposition="inline",
                     filename=image.filename, cid=f"<{image.cid}>")
    return part


def _container(subtype: str, parts: Iterable[MIMEPart], root: str | None = None) -> MIMEPart:
    container = MIMEPart(policy=default_policy)
    container["Content-Type"] = f"multipart/{subtype}"
    if root:
        container.set_param("type", root)  # RFC 2387: the root part's type
    for part in parts:
        container.attach(part)
    return container


def _assemble(msg: EmailMessage, profile: MailProfile, text: str, html_doc: str,
              images: Sequence[InlineImage]) -> None:
    text_part = _text_part(text, "plain", profile)
    html_part = _text_part(html_doc, "html", profile)
    image_parts = [_image_part(image) for image in images]
    alternative = _container("alternative", [text_part, html_part])
    if profile.legacy and profile.carrier in ("docomo", "softbank"):
        top, parts = "mixed", [_container("related", [alternative, *image_parts],
                                          root="multipart/alternative")]
    elif profile.legacy and profile.carrier == "au":
        top, parts = "mixed", [alternative, *image_parts]
    else:
        top, parts = "alternative", [text_part, _container("related", [html_part, *image_parts],
                                                           root="text/html")]
    msg["Content-Type"] = f"multipart/{top}"
    for part in parts:
        msg.attach(part)


def _referenced(fragment: str, images: Sequence[InlineImage]) -> list[InlineImage]:
    """The images the HTML shows, in HTML order; unreferenced ones are left out."""
    by_cid = {image.cid: image for image in images}
    missing = [cid for cid in cid_references(fragment) if cid not in by_cid]
    if missing:
        raise DecoMailError(f"missing images {missing}", message=(
            f"HTML が参照している画像（cid:{missing[0]}）が添付されていません。"))
    return [by_cid[cid] for cid in cid_references(fragment)]


# -- limits -------------------------------------------------------------------

def _body_problem(body_bytes: int, profile: MailProfile) -> str | None:
    limit = DECO_LIMITS[profile.carrier].body
    if limit is None or body_bytes <= limit:
        return None
    return (f"{_CARRIER_LABEL[profile.carrier]}向けデコメールの本文（テキストとHTML）が"
            f"{body_bytes:,}バイトあり、上限の{limit:,}バイトを超えています。本文を短くしてください。")


def _image_problem(msg: EmailMessage, images: Sequence[InlineImage],
                   profile: MailProfile) -> str | None:
    limits, label = DECO_LIMITS[profile.carrier], _CARRIER_LABEL[profile.carrier]
    total = sum(len(image.data) for image in images)
    if limits.images is not None and total > limits.images:
        return (f"{label}向けデコメールの画像が合計{total:,}バイトあり、"
                f"上限の{limits.images:,}バイトに収まりません。")
    if limits.message is not None:
        size = len(smtp_bytes(msg))
        if size > limits.message:
            return (f"{label}向けデコメール全体が{size:,}バイトあり、"
                    f"上限の{limits.message:,}バイトに収まりません。")
    return None


def _fit(build: Callable[[Sequence[InlineImage]], EmailMessage], images: list[InlineImage],
         profile: MailProfile) -> EmailMessage:
    """Build, shrinking the largest still-shrinkable image until the limits hold."""
    exhausted: set[int] = set()
    while True:
        msg = build(images)
        problem = _image_problem(msg, images, profile)
        if problem is None:
            return msg
        candidates = [i for i in range(len(images)) if i not in exhausted]
        if not candidates:
            raise DecoMailTooLarge(problem, message=problem + _advice(images))
        index = max(candidates, key=lambda i: len(images[i].data))
        smaller = _shrink(images[index])
        if smaller is None:
            exhausted.add(index)
        else:
            images[index] = smaller


def _advice(images: Sequence[InlineImage]) -> str:
    if not images:
        return "本文を短くしてください。"
    largest = max(images, key=lambda image: len(image.data))
    return (f"いちばん大きい画像「{largest.filename}」（{len(largest.data):,}バイト）は"
            "これ以上縮小できません。画像を減らすか、小さい画像にしてください。")


def _shrink(image: InlineImage) -> InlineImage | None:
    data = shrink_image(image.data)
    return replace(image, data=data) if data is not None else None


# -- public API -----------------------------------------------------------------

def build_deco_mail(*, to: str | Iterable[str], mail_from: str, subject: str, html: str,
                    text: str, images: Sequence[InlineImage],
                    headers: Mapping[str, str] | None = None, carrier: str | None = None,
                    cc: str | Iterable[str] = (),
                    bcc: str | Iterable[str] | None = None,
                    mail_profile: str = LEGACY) -> EmailMessage:
    """A デコメール in the recipient carrier's MIME layout, within its limits.

    ``html`` is passed through :func:`sanitize_deco_html` first. ``text`` is the
    plain-text part (derived from the HTML when empty) - there is always one.
    Every ``cid:`` in the HTML must name one of ``images``; images the HTML
    does not show are left out. Images are downscaled when the carrier's
    limits require it (see ``DECO_LIMITS``). Addresses, headers, carrier
    choice and ``mail_profile`` work as in :func:`carrier_compat.mail.build_text_mail`;
    the standard profile uses the smartphone layout (see the module docstring).

    :raise DecoMailTooLarge: when the mail cannot fit (Japanese ``message``).
    :raise DecoMailError: when the HTML names an image that is not given.
    :raise HeaderInjection: on a line break in a header value.
    """
    profile = resolve_profile(to, carrier, mail_profile=mail_profile)
    fragment = sanitize_deco_html(html)
    text = text or html_to_text(fragment)
    html_doc = _html_document(fragment, profile)
    used = _referenced(fragment, images)
    body_bytes = len(encode_mail_text(text, profile)) + len(encode_mail_text(html_doc, profile))
    if problem := _body_problem(body_bytes, profile):
        raise DecoMailTooLarge(f"body {body_bytes} bytes", message=problem)

    def build(current: Sequence[InlineImage]) -> EmailMessage:
        msg = EmailMessage(policy=default_policy)
        set_envelope_headers(msg, to=to, mail_from=mail_from, subject=subject, cc=cc, bcc=bcc,
                             headers=headers, profile=profile)
        _assemble(msg, profile, text, html_doc, current)
        return msg

    return _fit(build, list(used), profile)


def deco_size_report(*, html: str, text: str, images: Sequence[InlineImage],
                     subject: str = "",
                     carriers: Iterable[str] = ("docomo", "au", "softbank", "pc"),
                     mail_profile: str = LEGACY) -> list[DecoSizeReport]:
    """Per carrier: body, image and message sizes against the limits, as given and
    whether downscaling makes the mail sendable - for a preview before sending -
    in ``mail_profile`` (``"legacy"`` or ``"standard"``).

    :raise DecoMailError: when the HTML names an image that is not given.
    """
    reports = []
    for carrier in carriers:
        profile, limits = profile_for(carrier, None, mail_profile), DECO_LIMITS[carrier]
        fragment = sanitize_deco_html(html)
        body_text = text or html_to_text(fragment)
        html_doc = _html_document(fragment, profile)
        used = _referenced(fragment, images)
        body = (len(encode_mail_text(body_text, profile))
                + len(encode_mail_text(html_doc, profile)))
        preview = EmailMessage(policy=default_policy)
        set_envelope_headers(preview, to=_PREVIEW_TO, mail_from=_PREVIEW_FROM, subject=subject,
                             headers=None, profile=profile)
        _assemble(preview, profile, body_text, html_doc, used)
        as_given = _body_problem(body, profile) or _image_problem(preview, used, profile)
        sent, problem = _try_send(html, body_text, images, subject, profile)
        reports.append(DecoSizeReport(
            carrier=carrier, body_bytes=body, body_limit=limits.body,
            images_bytes=sum(len(i.data) for i in used), images_limit=limits.images,
            message_bytes=len(smtp_bytes(preview)), message_limit=limits.message,
            fits=as_given is None, sendable=sent is not None, sent_images_bytes=sent,
            problem=problem, mail_profile=profile.name, charset=profile.charset))
    return reports


_PREVIEW_TO = "preview@example.invalid"
_PREVIEW_FROM = "shop@example.invalid"


def _try_send(html: str, text: str, images: Sequence[InlineImage], subject: str,
              profile: MailProfile) -> tuple[int | None, str | None]:
    try:
        msg = build_deco_mail(to=_PREVIEW_TO, mail_from=_PREVIEW_FROM, subject=subject,
                              html=html, text=text, images=images, carrier=profile.carrier,
                              mail_profile=profile.name)
    except DecoMailTooLarge as exc:
        return None, exc.message
    sent = sum(len(part.get_payload(decode=True) or b"") for part in msg.walk()
               if part.get_content_maintype() == "image")
    return sent, None

