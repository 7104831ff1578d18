"""What a builder for one kind of mail promises the outbox.

The outbox builds plain text mail itself and looks other kinds up in its table
(``outbox.BUILDERS``, ``outbox.PREFETCH``). The types live here, below both the outbox
and the builders (``newsletter_mail``), so the outbox can import the builders and no
builder needs the outbox.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from sqlalchemy.orm import Session

from models import OutboxMessage

from .wire import WireMail


@dataclass
class Skip:
    """A row not to send now: ``status`` and ``next_attempt_at`` to store instead."""

    status: str
    next_attempt_at: datetime | None = None
    reason: str = ""


# (session, row, cache) -> the mail (as a message or already as bytes), or Skip.
# ``cache`` lives as long as the sending run: a builder keeps what it may reuse there.
Builder = Callable[[Session, OutboxMessage, dict[str, Any]], "EmailMessage | WireMail | Skip"]
# (session, a batch's rows of one kind, cache): load what the builder needs for the
# whole batch at once.
Prefetch = Callable[[Session, list[OutboxMessage], dict[str, Any]], None]
