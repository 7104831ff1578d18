"""Small builders for mail tests: an order placed through the shop's own rules, and the
shop's mail profile (配信形式) for every carrier."""

from __future__ import annotations

from models import (
    CartLine,
    CheckoutDetails,
    Order,
    Person,
    Product,
    ShopSettings,
    Variant,
    place_order,
)


def make_order(db, *, name: str = "山田 太郎", email: str = "taro@docomo.ne.jp",
               note: str = "") -> Order:
    """One committed 注文完了 order of one product, bought by ``name``."""
    product = Product(code="mail-test", name="テストTシャツ", price=2500,
                      variants=[Variant(option_text="", stock=10)])
    db.add(product)
    db.flush()
    details = CheckoutDetails(
        purchaser=Person(name, "ヤマダ タロウ", "0312345678", email, "1000001",
                         "東京都千代田区1-1"),
        note=note, member_id=None,
    )
    placed = place_order(db, [CartLine(product.variants[0].id, 1)], details, guest=False)
    db.commit()
    return placed.order


LEGACY_EVERYWHERE = "docomo,au,softbank"


def use_mail_profile(session, profile: str) -> None:
    """メール設定: mail to every carrier in ``profile`` ("standard" or "legacy"); commits.

    Mail queued afterwards is written in it (the choice is kept on each queued mail).
    """
    settings = ShopSettings.load(session)
    settings.legacy_mail_carriers = LEGACY_EVERYWHERE if profile == "legacy" else ""
    session.commit()
