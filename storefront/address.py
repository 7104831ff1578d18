"""住所 on the forms: one field on keitai, four on the HTML5 face, and 郵便番号 → 住所.

The shop stores one 住所 (``address``). The keitai face asks for it in one field; the
HTML5 face asks for 都道府県 (``pref``), 市区町村 (``city``), 町域・番地 (``street``) and
建物名 (``building``), so that browsers can fill them (``autocomplete``) and the
郵便番号 lookup can fill the first three. :func:`posted_form` joins the parts into
``address`` before the form is judged, and :func:`address_parts` splits a stored 住所 back
for the HTML5 form; ``join(split(a)) == a`` for any 住所 the HTML5 form produced.

郵便番号 lookup, both ways: a 「住所検索」 submit button (``zip_lookup``) that needs no
script, answered by :func:`filled_from_postcode` (the form comes back with the 住所
filled in, nothing else judged), and ``GET /postcode/<7 digits>`` (JSON) for the script
of the HTML5 face.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from flask import jsonify
from werkzeug.wrappers import Response

from ktaishop.postcode import PREFECTURES, Place, common_place, places

from . import bp

LOOKUP_BUTTON = "zip_lookup"
PART_FIELDS = ("pref", "city", "street", "building")
NOT_FOUND = "この郵便番号の住所が見つかりません。郵便番号をご確認ください。"
BAD_POSTCODE = "郵便番号は7桁の数字で入力してください。"
# 市区町村 when the 郵便番号 does not tell it: 郡+町村, 市+区 (政令指定都市), or 市/区/町/村.
_CITY = re.compile(r"^(.+?郡.+?[町村]|.+?市.+?区|.+?[市区町村])")


@dataclass(frozen=True)
class AddressParts:
    pref: str = ""
    city: str = ""
    street: str = ""
    building: str = ""

    def joined(self) -> str:
        """The one 住所 the shop stores: the parts run together, 建物名 after a space."""
        head = f"{self.pref}{self.city}{self.street}"
        return f"{head} {self.building}" if self.building else head


def posted_parts(form: Mapping[str, str]) -> AddressParts | None:
    """The parts the HTML5 face sent (spaces inside each tidied), or None (keitai)."""
    if "address" in form or not any(name in form for name in PART_FIELDS):
        return None
    return AddressParts(*(" ".join((form.get(name) or "").split()) for name in PART_FIELDS))


def posted_form(form: Mapping[str, str]) -> Mapping[str, str]:
    """``form`` with ``address`` joined from the HTML5 face's parts, when it sent parts."""
    parts = posted_parts(form)
    return form if parts is None else {**form, "address": parts.joined()}


def address_parts(address: str, postcode: str = "") -> AddressParts:
    """A stored 住所 split for the HTML5 form (the 郵便番号 helps find the 市区町村)."""
    address = address or ""
    pref = next((p for p in PREFECTURES if address.startswith(p)), "")
    rest = address[len(pref):]
    city = ""
    known = common_place(places(postcode))
    if known is not None and known.prefecture == pref and rest.startswith(known.city):
        city = known.city
    elif pref and (match := _CITY.match(rest)):
        city = match.group(1)
    street, _, building = rest[len(city):].partition(" ")
    return AddressParts(pref, city, street, building)


def lookup_requested(form: Mapping[str, str]) -> bool:
    """The shopper pressed 「住所検索」 rather than the form's own button."""
    return LOOKUP_BUTTON in form


def filled_from_postcode(values: dict[str, str], form: Mapping[str, str]
                         ) -> tuple[dict[str, str], dict[str, str]]:
    """(values, errors) for a ``form`` sent with 「住所検索」: the 住所 from the 郵便番号.

    ``values`` are the form's cleaned values. The 住所 becomes 都道府県 + 市区町村 + 町域
    of the code, keeping what was typed after the 町域 when it already began that way,
    and the 建物名. Only the 郵便番号 is judged: the shopper has not finished the form.
    """
    postcode = values.get("zip_code", "")
    if not re.fullmatch(r"\d{7}", postcode):
        return values, {"zip_code": BAD_POSTCODE}
    place = common_place(places(postcode))
    if place is None:
        return values, {"zip_code": NOT_FOUND}
    current = posted_parts(form) or address_parts(values.get("address", ""))
    return {**values, "address": _filled(current, place)}, {}


def _filled(current: AddressParts, place: Place) -> str:
    typed = f"{current.pref}{current.city}{current.street}"
    head = typed if typed.startswith(place.address) else place.address
    return f"{head} {current.building}" if current.building else head


@bp.route("/postcode/<postcode>")
def postcode_json(postcode: str) -> Response | tuple[Response, int]:
    """``{"postcode", "places": [{"prefecture", "city", "town"}…], "place"}`` (``place``:
    the one the form should be given, see ``common_place``); 404 with ``error`` when the
    code names nothing."""
    found = places(postcode)
    if not found:
        message = NOT_FOUND if re.fullmatch(r"\d{7}", postcode) else BAD_POSTCODE
        return jsonify(postcode=postcode, places=[], error=message), 404
    place = common_place(found)
    response = jsonify(postcode=postcode, places=[p.as_json() for p in found],
                       place=place.as_json() if place else found[0].as_json())
    response.cache_control.public = True
    response.cache_control.max_age = 86400  # Japan Post's data changes monthly at most
    return response
