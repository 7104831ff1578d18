"""Carrier detection: the first class in CARRIER_CLASSES whose `matches` is true wins.

Order matters: smartphones come first because ガラホ and some smartphones also carry
carrier tokens; PC is the catch-all at the end.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from carrier_compat.au import Au
from carrier_compat.base import Carrier
from carrier_compat.docomo import Docomo
from carrier_compat.gateway import GatewayRanges
from carrier_compat.pc import Pc
from carrier_compat.smartphone import Smartphone
from carrier_compat.softbank import Jphone, Softbank, Vodafone
from carrier_compat.willcom import Willcom

CARRIER_CLASSES: tuple[type[Carrier], ...] = (
    Smartphone, Docomo, Au, Softbank, Vodafone, Jphone, Willcom, Pc,
)


def detect(environ: Mapping[str, Any], *, gateway: GatewayRanges | None = None) -> Carrier:
    """The Carrier for this WSGI request (never None: unknown clients are Pc).

    `gateway` are the trusted gateway ranges for subscriber IDs (default: the published
    list shipped in carrier_compat/data).
    """
    for cls in CARRIER_CLASSES:
        if cls.matches(environ):
            return cls(environ, gateway=gateway)
    return Pc(environ, gateway=gateway)
