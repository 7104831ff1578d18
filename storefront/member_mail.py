"""Mails the storefront sends itself (会員登録の確認, or instead a note that the address
is already registered or cannot register, パスワード再設定, メールアドレス変更の
確認 and its notice to the old address, and the guest's confirmation link when the shop
has no template for it), queued in the outbox.

The shop's template of that kind (メール設定) is used when there is one; otherwise
the default below. The link goes into the ``confirm_url`` merge field.
"""

from __future__ import annotations

from ktaishop.extensions import db
from models import MailKind, MailTemplate, Member, Order, queue_mail
from models.merge import order_merge_values, render_merge, shop_merge_values

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
    MailKind.EMAIL_CHANGE: (
        "【{{shop_name}}】メールアドレス変更の確認",
        "{{member_name}} 様\n\n{{shop_name}}の会員情報で、メールアドレスの変更を受け付けました。\n"
        "下のURLを開くと、このメールアドレスへの変更が完了します（24時間有効）。\n\n"
        "{{confirm_url}}\n\nお心当たりのない場合は、このメールを破棄してください。\n"
        "メールアドレスは変更されません。\n\n{{shop_name}}\nTEL {{shop_tel}}\n",
    ),
    MailKind.EMAIL_CHANGED: (
        "【{{shop_name}}】メールアドレスが変更されました",
        "{{member_name}} 様\n\n{{shop_name}}の会員情報のメールアドレスが変更されました。\n"
        "今後のお知らせは新しいメールアドレスにお送りします。\n\n"
        "お心当たりのない場合は、お手数ですが下記までご連絡ください。\n\n"
        "{{shop_name}}\nTEL {{shop_tel}}\n",
    ),
    MailKind.ALREADY_REGISTERED: (
        "【{{shop_name}}】会員登録のお申し込みについて",
        "{{member_name}} 様\n\n{{shop_name}}への会員登録のお申し込みがありましたが、"
        "このメールアドレスはすでに会員として登録されています。\n"
        "これまでのパスワードでログインしてください。パスワードをお忘れの場合は、"
        "下のURLから再設定できます。\n\n{{confirm_url}}\n\n"
        "お心当たりのない場合は、このメールを破棄してください。登録内容は変わりません。\n\n"
        "{{shop_name}}\nTEL {{shop_tel}}\n",
    ),
    MailKind.REGISTRATION_REFUSED: (
        "【{{shop_name}}】会員登録のお申し込みについて",
        "{{shop_name}}への会員登録のお申し込みがありましたが、"
        "このメールアドレスではご登録いただけません。\n"
        "お心当たりのある場合は、お手数ですが下記までお問い合わせください。\n"
        "お心当たりのない場合は、このメールを破棄してください。\n\n"
        "{{shop_name}}\nTEL {{shop_tel}}\n",
    ),
    MailKind.GUEST_CONFIRMATION: (
        "【{{shop_name}}】ご注文を確定してください",
        "{{purchaser_name}} 様\n\n{{shop_name}}です。ご注文はまだ完了していません。\n"
        "下のURLを開いて「注文を確定する」を押すと注文が完了します。\n\n{{confirm_url}}\n\n"
        "有効期限：{{confirm_expires}}\n\n■注文番号：{{order_no}}\n{{items}}\n"
        "合計金額：{{total}}\n{{tax_summary}}\n\nお心当たりのない場合は、このメールを破棄してください。\n",
    ),
}


def ensure_guest_link_mail(order: Order, url: str) -> None:
    """Queue the confirmation link with the default text if the shop has no template.

    ``place_order`` queues it from the shop's template; without one the guest would
    never get the link and the 仮注文 could never be confirmed.
    """
    if MailTemplate.for_kind(db.session, MailKind.GUEST_CONFIRMATION) is not None:
        return
    settings = shop()
    extra = {"confirm_url": url, "confirm_expires": f"{order.confirm_expires_at:%Y-%m-%d %H:%M}"}
    values = order_merge_values(order, settings, extra)
    subject, body = DEFAULTS[MailKind.GUEST_CONFIRMATION]
    queue_mail(
        db.session,
        to=order.purchaser_email,
        mail_from=settings.mail_from,
        subject=render_merge(subject, values),
        body=render_merge(body, values),
        bcc=settings.mail_bcc,
        kind=MailKind.GUEST_CONFIRMATION,
        order_id=order.id,
    )


def send_member_mail(member: Member, kind: MailKind, url: str = "",
                     to: str | None = None) -> None:
    """Queue the ``kind`` mail with ``url`` to the member, or to the address ``to``
    (part of the caller's commit)."""
    settings = shop()
    template = MailTemplate.for_kind(db.session, kind)
    subject, body = (template.subject, template.body) if template else DEFAULTS[kind]
    values = shop_merge_values(settings) | {"member_name": member.name, "confirm_url": url}
    queue_mail(
        db.session,
        to=to or member.email,
        mail_from=(template.mail_from if template else "") or settings.mail_from,
        subject=render_merge(subject, values),
        body=render_merge(body, values),
        kind=kind,
    )
