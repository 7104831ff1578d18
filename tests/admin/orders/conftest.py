"""A small shop in every order status, cheaper than the demo seed for non-browser tests."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from models import MailKind, MailTemplate, Order, PaymentMethod, ShopSettings, SlipDetails

from .support import add_product, place


@pytest.fixture
def small_shop(db) -> dict[str, list[Order]]:
    """Shop settings as on the manual's 納品書, a 汎用メール template, and orders by status:
    3 注文完了, 2 出荷指示 (one by hand), 1 完了, 2 キャンセル; each moved by the rules."""
    settings = ShopSettings.load(db)
    settings.shop_name, settings.zip_code = "LK EC SHOP", "1046022"
    settings.address = "東京都中央区晴海1-8-10"
    settings.tel, settings.fax = "03-0000-0000", "03-0000-0001"
    settings.mail_from = "shop@ktaishop.example"
    db.add(MailTemplate(kind=MailKind.GENERAL, subject="ご注文についてのご連絡",
                        mail_from="shop@ktaishop.example",
                        body="{{purchaser_name}} 様\n注文番号: {{order_no}}\n合計: {{total}}"))
    shirt = add_product(db, code="goods000001", name="カラフル星Tシャツ", stock=100)
    strap = add_product(db, code="goods000006", name="ストラップ ハート", price=500, stock=100)
    start = datetime(2008, 10, 20, 21, 28, 27)
    made = []
    for i in range(8):
        order = place(db, [shirt, strap] if i % 2 else shirt, quantity=1 + i % 2,
                      payment=PaymentMethod.CARD if i % 3 == 2 else PaymentMethod.COD,
                      name=f"購入者{i}", ordered_at=start + timedelta(hours=i),
                      wrapping="包装紙" if i == 0 else "")
        made.append(order)
    made[3].instruct_shipping("seed")
    made[4].instruct_shipping_by_hand("seed")
    made[5].instruct_shipping("seed")
    made[5].register_shipment(SlipDetails("1234-5678-0005"), "seed", by_hand=False)
    made[5].mark_shipping_notified("seed")
    made[6].cancel(db, "seed")
    made[7].cancel(db, "seed")
    db.commit()
    by_status: dict[str, list[Order]] = {}
    for order in made:
        by_status.setdefault(order.status, []).append(order)
    return by_status
