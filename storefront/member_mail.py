"""Mails to members (会員登録の確認, パスワード再設定), queued in the outbox.

The shop's template of that kind (メール設定) is used when there is one; otherwise
the default below. The link goes into the ``confirm_url`` merge field.
"""

from __future__ import annotations

from ktaishop.extensions import db
from models import MailKind, MailTemplate, Member, queue_mail
from models.merge import render_merge, shop_merge_values

from .common import shop

DEFAULTS = {
    MailKind.MEMBER_REGISTRATION: (
        "【{{shop_name}}】会員登録の確認",
        "{{member_name}} 様\n\n{{shop_name}}への会員登録のお申し込みありがとうございます。\n"
        "下のURLを開くと登録が完了します（24時間有効）。\n\n{{confirm_url}}\n\n"
        "お心当たりのない場合は、このメールを破棄してください。\n\n"
        "{{shop_name}}\nTEL {{shop_tel}}\n",
    ),
    MailKind.PASSWORD_RESET: (
        "【{{shop_name}}】パスワード再設定",
        "{{member_name}} 様\n\nパスワード再設定のお申し込みを受け付けました。\n"
        "下のURLを開いて新しいパスワードを設定してください（2時間有効・1回限り）。\n\n"
        "{{confirm_url}}\n\nお心当たりのない場合は、このメールを破棄してください。\n"
        "パスワードは変更されません。\n\n{{shop_name}}\nTEL {{shop_tel}}\n",
    ),
}


def send_member_mail(member: Member, kind: MailKind, url: str) -> None:
    """Queue the ``kind`` mail with ``url`` to the member (part of the caller's commit)."""
    settings = shop()
    template = MailTemplate.for_kind(db.session, kind)
    subject, body = (template.subject, template.body) if template else DEFAULTS[kind]
    values = shop_merge_values(settings) | {"member_name": member.name, "confirm_url": url}
    queue_mail(
        db.session,
        to=member.email,
        mail_from=(template.mail_from if template else "") or settings.mail_from,
        subject=render_merge(subject, values),
        body=render_merge(body, values),
        kind=kind,
    )
