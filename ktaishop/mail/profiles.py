"""The mail profile of one queued mail: the shop's choice kept on its outbox row.

An outbox row keeps ``ShopSettings.legacy_mail_carriers`` as it was when the mail was
queued; the carrier of its first To address picks the profile from it. ``carrier_compat``
takes the result as data (``mail_profile=``), so a change in メール設定 only reaches
mail queued after it.
"""

from __future__ import annotations

from carrier_compat.mail import resolve_profile
from carrier_compat.mail_codec import MailProfile, profile_for
from models import OutboxMessage


def message_encoding(message: OutboxMessage) -> MailProfile:
    """How ``message`` is written: its recipient's carrier in the profile on its row."""
    carrier = resolve_profile(message.mail_to, None).carrier
    return profile_for(carrier, None, message.mail_profile(carrier).value)


def message_profile(message: OutboxMessage) -> str:
    """``"standard"`` or ``"legacy"``: the profile name to pass to ``carrier_compat``."""
    return message_encoding(message).name
