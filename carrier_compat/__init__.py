"""carrier_compat: serve Japanese feature phones (keitai) from a WSGI app.

Knows nothing of the shop. `detect(environ)` gives a Carrier describing the handset;
`Carrier.encode`/`decode` convert pages and form posts (charset and emoji) at the edge so
the application only ever handles `str` with standard Unicode emoji.
"""

from __future__ import annotations

from carrier_compat.au import Au
from carrier_compat.base import Carrier
from carrier_compat.detection import CARRIER_CLASSES, detect
from carrier_compat.docomo import Docomo
from carrier_compat.errors import CarrierCompatError, DecodeError, HeaderInjection
from carrier_compat.gateway import GatewayRanges
from carrier_compat.normalize import normalize_input
from carrier_compat.pc import Pc
from carrier_compat.smartphone import Smartphone
from carrier_compat.softbank import Jphone, Softbank, Vodafone
from carrier_compat.willcom import Willcom

__all__ = [
    "CARRIER_CLASSES",
    "Au",
    "Carrier",
    "CarrierCompatError",
    "DecodeError",
    "Docomo",
    "GatewayRanges",
    "HeaderInjection",
    "Jphone",
    "Pc",
    "Smartphone",
    "Softbank",
    "Vodafone",
    "Willcom",
    "detect",
    "normalize_input",
]
