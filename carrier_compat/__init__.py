"""carrier_compat: serve Japanese feature phones (keitai) from a WSGI app.

Knows nothing of the shop. `detect(environ)` gives a Carrier describing the handset;
`Carrier.encode`/`decode` convert pages and form posts (charset and emoji) at the edge so
the application only ever handles `str` with standard Unicode emoji. Mail to handsets:
`build_text_mail` and `build_deco_mail` pick charset, emoji codes and MIME layout from the
recipient's address and the mail profile the caller passes (`mail_profile="standard"`:
UTF-8 and Unicode emoji; `"legacy"`, the default: the carrier's 3G-era forms). The Flask
integration is `carrier_compat.flask.KeitaiLayer`.
"""

from __future__ import annotations

from carrier_compat.address import carrier_for_address, is_valid_address
from carrier_compat.au import Au
from carrier_compat.base import Carrier
from carrier_compat.decomail import (
    DecoMailTooLarge,
    InlineImage,
    build_deco_mail,
    deco_size_report,
)
from carrier_compat.detection import CARRIER_CLASSES, detect
from carrier_compat.docomo import Docomo
from carrier_compat.errors import CarrierCompatError, DecodeError, HeaderInjection
from carrier_compat.gateway import GatewayRanges
from carrier_compat.mail import build_text_mail
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
    "DecoMailTooLarge",
    "DecodeError",
    "Docomo",
    "GatewayRanges",
    "HeaderInjection",
    "InlineImage",
    "Jphone",
    "Pc",
    "Smartphone",
    "Softbank",
    "Vodafone",
    "Willcom",
    "build_deco_mail",
    "build_text_mail",
    "carrier_for_address",
    "deco_size_report",
    "detect",
    "is_valid_address",
    "normalize_input",
]
