"""Who is asking: the client a throttle, a rate limit or a stock hold is counted for.

A keitai request through its carrier's gateway shares the gateway's address with
thousands of handsets, so an address says little about who it is: the subscriber ID
(trusted only from the gateway, ``carrier_compat``) says it. Everything else is known
by its address, as corrected by ``KTAISHOP_TRUSTED_PROXY_HOPS``.
"""

from __future__ import annotations

import hashlib

from flask import request

from carrier_compat.flask import current_carrier


def client_key() -> str:
    """``docomo:uid:…`` for a handset with a subscriber ID, else ``addr:<address>``."""
    carrier = current_carrier()
    if carrier.subscriber_id:
        return f"{carrier.name}:uid:{carrier.subscriber_id}"
    return f"addr:{request.remote_addr or ''}"


def hold_client() -> str | None:
    """The client a guest's 仮注文 counts for (models.holds), or None.

    None for a handset from a carrier gateway without a subscriber ID: its address is
    the gateway's, shared by every shopper of that carrier.
    """
    carrier = current_carrier()
    if carrier.subscriber_id:
        return "uid:" + _digest(f"{carrier.name}:{carrier.subscriber_id}")[:60]
    if carrier.is_keitai and carrier.from_gateway:
        return None
    return "ip:" + _digest(request.remote_addr or "")[:61]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()
