"""差込情報: the merge fields of mail templates, filled by plain substitution.

A field is written ``{{order_no}}``. Substitution is one pass over the template only:
a value that itself looks like ``{{config}}`` or ``<b>`` comes out literally, so a
shopper's input can never reach a template engine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .tax import REDUCED_MARK
from .tracking import company_label, tracking_url

FIELD = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")

# (field, what the shop owner sees in the 差込情報 list)
MERGE_FIELDS: tuple[tuple[str, str], ...] = (
    ("order_no", "注文番号"),
    ("order_date", "注文日"),
    ("order_status", "注文状態"),
    ("purchaser_name", "購入者氏名"),
    ("purchaser_kana", "購入者氏名カナ"),
    ("purchaser_email", "購入者メールアドレス"),
    ("purchaser_tel", "購入者電話番号"),
    ("purchaser_address", "購入者住所"),
    ("recipient_name", "配送先氏名"),
    ("recipient_address", "配送先住所"),
    ("recipient_tel", "配送先電話番号"),
    ("items", "購入商品一覧"),
    ("subtotal", "商品合計"),
    ("cod_fee", "代引き手数料"),
    ("shipping_fee", "配送料"),
    ("wrapping_fee", "包装料"),
    ("total", "合計金額"),
    ("tax_summary", "税率別の対象額と消費税"),
    ("refund_summary", "返金額とご請求額（カードへの返金があるとき）"),
    ("payment_method", "決済方法"),
    ("delivery_date", "配送希望日"),
    ("delivery_time", "配送希望時間帯"),
    ("wrapping", "包装オプション"),
    ("note", "備考"),
    ("delivery_no", "配送伝票番号"),
    ("shipped_date", "配送日"),
    ("delivery_company", "配送業者"),
    ("tracking_url", "配送状況の確認URL"),
    ("shop_name", "ショップ名"),
    ("shop_tel", "ショップ電話番号"),
    ("shop_address", "ショップ住所"),
    ("shop_mail", "ショップメールアドレス"),
    ("confirm_url", "注文確認URL（ゲスト購入）"),
    ("confirm_expires", "注文確認URLの有効期限"),
    ("unsubscribe_url", "メルマガ配信停止URL"),
    ("member_name", "会員氏名"),
)
FIELD_NAMES = frozenset(name for name, _ in MERGE_FIELDS)


def unknown_fields(text: str) -> list[str]:
    """Fields used in ``text`` that the shop does not know, in order of appearance."""
    return [name for name in dict.fromkeys(FIELD.findall(text)) if name not in FIELD_NAMES]


def render_merge(text: str, values: Mapping[str, str]) -> str:
    """Replace each known field with its value; a missing value becomes ""."""
    return FIELD.sub(lambda m: str(values.get(m.group(1), "")), text)


def zip_code(value: str | None) -> str:
    """A 郵便番号 as Japanese people write it: 1500001 -> 150-0001 (7 digits stored with
    or without the hyphen); anything else is shown as it was stored. The templates'
    ``zip`` filter."""
    digits = (value or "").replace("-", "").strip()
    if len(digits) == 7 and digits.isascii() and digits.isdigit():
        return f"{digits[:3]}-{digits[3:]}"
    return value or ""


def yen(amount: int) -> str:
    return f"{amount:,}円"


def order_merge_values(order: Any, settings: Any, extra: Mapping[str, str] | None = None) -> dict:
    """The merge values of one order (and the shop), plus ``extra`` such as confirm_url."""
    package = order.package
    values = {
        "order_no": order.order_no,
        "order_date": f"{order.ordered_at:%Y-%m-%d %H:%M:%S}",
        "order_status": order.status_enum.label,
        "purchaser_name": order.purchaser_name,
        "purchaser_kana": order.purchaser_kana,
        "purchaser_email": order.purchaser_email,
        "purchaser_tel": order.purchaser_tel,
        "purchaser_address": f"〒{order.purchaser_zip} {order.purchaser_address}",
        "recipient_name": order.recipient_name,
        "recipient_address": f"〒{order.recipient_zip} {order.recipient_address}",
        "recipient_tel": order.recipient_tel,
        "items": items_text(order),
        "subtotal": yen(order.subtotal),
        "cod_fee": yen(order.cod_fee),
        "shipping_fee": yen(order.shipping_fee),
        "wrapping_fee": yen(order.wrapping_fee),
        "total": yen(order.total),
        "tax_summary": order.tax_summary.text(),
        "refund_summary": refund_text(order),
        "payment_method": order.payment.label,
        "delivery_date": f"{order.delivery_date:%Y-%m-%d}" if order.delivery_date else "指定なし",
        "delivery_time": order.delivery_time or "指定なし",
        "wrapping": order.wrapping or "なし",
        "note": order.note,
        "delivery_no": package.delivery_no if package else "",
        "shipped_date": (
            f"{package.delivery_date:%Y-%m-%d}" if package and package.delivery_date else ""
        ),
        "member_name": order.purchaser_name,
        **_tracking_values(package, settings),
    }
    values.update(shop_merge_values(settings))
    values.update(extra or {})
    return values


def _tracking_values(package: Any, settings: Any) -> dict[str, str]:
    """配送業者 and the parcel's tracking page (empty until a slip is registered)."""
    if package is None:
        return {"delivery_company": "", "tracking_url": ""}
    company = getattr(package, "delivery_company", "")
    urls = getattr(settings, "tracking_urls", None)
    return {"delivery_company": company_label(company),
            "tracking_url": tracking_url(company, package.delivery_no, urls)}


def refund_text(order: Any) -> str:
    """「ご返金額」 and what the card is still charged, or "" when nothing went back."""
    refunded = getattr(order, "refunded_amount", 0) or 0
    if not refunded:
        return ""
    return (f"ご返金額：{yen(refunded)}（クレジットカードへ返金）\n"
            f"ご請求額：{yen(order.paid_amount - refunded)}")


def shop_merge_values(settings: Any) -> dict[str, str]:
    return {
        "shop_name": settings.shop_name,
        "shop_tel": settings.tel,
        "shop_address": f"〒{settings.zip_code} {settings.address}",
        "shop_mail": settings.mail_from,
    }


def items_text(order: Any) -> str:
    """One line per active item; a reduced-rate line is marked 「※」 (``{{tax_summary}}``
    carries the legend)."""
    lines = []
    for item in order.active_items:
        option = f"（{item.option_text}）" if item.option_text else ""
        mark = REDUCED_MARK if item.reduced_rate else ""
        lines.append(f"{item.name}{option}{mark} {yen(item.unit_price)} × {item.quantity}")
    return "\n".join(lines)
