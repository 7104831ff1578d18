"""Shortcuts to the interesting moments of a checkout, through the real pages."""

from __future__ import annotations

from .shop import BUYER, Shopper, link_to

COD_OPTIONS = {"date": "", "time": "", "wrapping": "", "note": "", "payment": "cod"}


def to_confirmation(shopper: Shopper, product_id: int, variant_id: int, *,
                    quantity: str = "1", buyer: dict[str, str] | None = None,
                    options: dict[str, str] | None = None, expect: bool = True):
    """Cart -> ゲスト購入 -> 注文者情報 -> 配送・決済 -> the confirmation page."""
    product = shopper.get(f"/product/{product_id}")
    cart = shopper.submit(product, {"variant_id": str(variant_id), "quantity": quantity},
                          action_contains="/cart/add")
    start = shopper.get(link_to(cart, "/checkout"))
    info = shopper.get(link_to(start, "/checkout/guest"))
    after_info = shopper.submit(info, (buyer or BUYER) | {"same": "1"})
    confirm = shopper.submit(after_info, options or COD_OPTIONS)
    if expect:  # (a card payment shows the card form first)
        assert "ご注文内容の確認" in confirm.text, confirm.text
    return confirm
