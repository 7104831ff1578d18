"""配送業者 (the parcel's carrier) and the public page that tracks a parcel.

A package records which company carries it (ヤマト運輸, 佐川急便, 日本郵便, その他). The
shop keeps one tracking-URL template per company in 設定, with ``{delivery_no}`` where
the slip number goes; the 出荷通知 mail's ``{{tracking_url}}`` merge field is that URL
for the order's slip. The defaults are each company's public tracking page as of 2026.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Mapping
from urllib.parse import quote


class DeliveryCompany(enum.StrEnum):
    """配送業者; "" on a package means 未指定 (slips registered before there was a choice)."""

    YAMATO = "yamato"
    SAGAWA = "sagawa"
    JAPANPOST = "japanpost"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    DeliveryCompany.YAMATO: "ヤマト運輸",
    DeliveryCompany.SAGAWA: "佐川急便",
    DeliveryCompany.JAPANPOST: "日本郵便",
    DeliveryCompany.OTHER: "その他",
}

NUMBER_FIELD = "{delivery_no}"

# The companies' public tracking pages, the slip number in the query.
DEFAULT_TRACKING_URLS: dict[str, str] = {
    DeliveryCompany.YAMATO: "https://jizen.kuronekoyamato.co.jp/jizen/servlet/crjz.b.NQ0010"
                            "?id={delivery_no}",
    DeliveryCompany.SAGAWA: "https://k2k.sagawa-exp.co.jp/p/web/okurijosearch.do"
                            "?okurijoNo={delivery_no}",
    DeliveryCompany.JAPANPOST: "https://trackings.post.japanpost.jp/services/srv/search/direct"
                               "?reqCodeNo1={delivery_no}&searchKind=S002&locale=ja",
    DeliveryCompany.OTHER: "",
}

# What clerks and carriers' own CSV exports write in a delivery_company column.
_ALIASES = {
    "ヤマト": DeliveryCompany.YAMATO, "クロネコヤマト": DeliveryCompany.YAMATO,
    "ヤマト宅急便": DeliveryCompany.YAMATO, "宅急便": DeliveryCompany.YAMATO,
    "佐川": DeliveryCompany.SAGAWA, "飛脚宅配便": DeliveryCompany.SAGAWA,
    "郵便": DeliveryCompany.JAPANPOST, "ゆうパック": DeliveryCompany.JAPANPOST,
    "ゆうパケット": DeliveryCompany.JAPANPOST, "郵便局": DeliveryCompany.JAPANPOST,
    "jp": DeliveryCompany.JAPANPOST, "japan post": DeliveryCompany.JAPANPOST,
}


def company_label(code: str | None) -> str:
    """The company's name for screens and mail; "" for 未指定."""
    try:
        return DeliveryCompany(code or "").label
    except ValueError:
        return ""


def parse_company(text: str) -> DeliveryCompany | None:
    """A company from a CSV cell: its code, its name or a common alias; None if unknown.

    Full-width letters, spaces and case are ignored (``ＹＡＭＡＴＯ``, ``Sagawa``).
    """
    key = unicodedata.normalize("NFKC", text).strip().lower()
    for company in DeliveryCompany:
        if key in (company.value, company.label.lower()):
            return company
    return _ALIASES.get(key) or _ALIASES.get(key.replace(" ", ""))


def tracking_url(company: str | None, delivery_no: str, templates: Mapping[str, str] | None
                 ) -> str:
    """The tracking page of one parcel, or "" when the company or the number is unknown.

    ``templates`` are the shop's (設定); a company missing there takes the default. The
    number goes in without hyphens or spaces (the companies' pages want digits).
    """
    if not company or not delivery_no:
        return ""
    template = (templates or {}).get(company)
    if template is None:
        template = DEFAULT_TRACKING_URLS.get(company, "")
    if NUMBER_FIELD not in template:
        return ""
    number = re.sub(r"[\s\-‐－ー]", "", unicodedata.normalize("NFKC", delivery_no))
    return template.replace(NUMBER_FIELD, quote(number, safe=""))
