"""Helpers for the 商品情報 / 陳列棚 / 顧客 / 設定 tests."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from models import Shelf
from tests.conftest import csrf_token_from


def form_token(client, url: str) -> str:
    return csrf_token_from(client.get(url).get_data(as_text=True))


def product_data(token: str, **overrides):
    """A 新規登録 post: サイズ S/M × カラー 白/黒 with stock per combination."""
    data = {
        "csrf_token": token, "code": "tee001", "name": "星柄Tシャツ", "price": "2,500",
        "priority": "10", "description": "綿100%のTシャツです。", "stock_display": "show",
        "published": "y", "axis-0-name": "サイズ", "axis-0-values": "S,M",
        "axis-1-name": "カラー", "axis-1-values": "白,黒", "save": "1",
    }
    combos = ["サイズ:S カラー:白", "サイズ:S カラー:黒",
              "サイズ:M カラー:白", "サイズ:M カラー:黒"]
    for k, (combo, stock) in enumerate(zip(combos, ("5", "0", "12", "3"), strict=True)):
        data |= {f"combo-{k}": combo, f"stock-{k}": stock, f"stock-{k}-was": ""}
    data.update(overrides)
    return data


def upload(content: bytes, filename: str):
    return (io.BytesIO(content), filename)


@pytest.fixture
def shelves(db):
    """Three shelves, made in the test's own session (the one requests share)."""
    made = [Shelf(name="Tシャツ", position=1), Shelf(name="セール", position=2),
            Shelf(name="新着", position=3)]
    db.add_all(made)
    db.commit()
    return [s.id for s in made]


def image_files(app) -> list[Path]:
    """Every file under IMAGE_DIR (thumbnails and caches included)."""
    root = Path(app.config["IMAGE_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


SMALL_MEMBERS = [
    ("taro@docomo.ne.jp", "山田 太郎", "ヤマダ タロウ", "090-1234-5678", "docomo"),
    ("hanako@ezweb.ne.jp", "鈴木 花子", "スズキ ハナコ", "080-2345-6789", "au"),
    ("jiro@softbank.ne.jp", "佐藤 次郎", "サトウ ジロウ", "070-3456-7890", "softbank"),
    ("saburo@example.com", "田中 三郎", "タナカ サブロウ", "03-4567-8901", "pc"),
]


@pytest.fixture
def small_shop(app, db, shelves):
    """A shop like the demo's, but quick: no password hashing, a handful of rows.

    The shop information the 特定商取引法 page needs (設定 refuses to save without it);
    products goods000001 (サイズ S/M/L, on Tシャツ, with a 480 px picture),
    goods000002-000004 and goods000012 (残りわずか表示); four members on four carriers;
    orders: three 注文完了, one 出荷指示, one キャンセル and one guest 仮注文.
    """
    from PIL import Image

    from models import (
        CartLine,
        CheckoutDetails,
        Member,
        PaymentMethod,
        Person,
        Product,
        ShopSettings,
        Variant,
        place_order,
    )

    settings = ShopSettings.load(db)
    settings.seller, settings.tel = "株式会社ケータイ通販", "03-0000-0000"
    settings.zip_code, settings.address = "1046022", "東京都中央区晴海1-8-10"
    image_dir = Path(app.config["IMAGE_DIR"])
    image_dir.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (480, 480), "#c36").save(image_dir / "small-tee.png")
    tee, sale = db.get(Shelf, shelves[0]), db.get(Shelf, shelves[1])
    products = [Product(code="goods000001", name="カラフル星Tシャツ", price=1000, priority=5,
                        description="星柄のTシャツです。", image1="small-tee.png",
                        shelves=[tee], option_axes=[{"name": "サイズ", "values": ["S", "M", "L"]}],
                        variants=[Variant(option_text=f"サイズ:{s}", stock=20, position=i)
                                  for i, s in enumerate("SML")])]
    for n, (name, price) in enumerate([("ハンカチ", 500), ("トートバッグ", 2400),
                                       ("マグカップ", 1200)], start=2):
        products.append(Product(code=f"goods{n:06d}", name=name, price=price, priority=0,
                                shelves=[sale], variants=[Variant(option_text="", stock=50)]))
    products.append(Product(code="goods000012", name="限定ストラップ", price=800, priority=0,
                            stock_display="low", variants=[Variant(option_text="", stock=2)]))
    members = [Member(email=e, name=n, kana=k, tel=t, carrier=c, zip_code="1000001",
                      address="東京都千代田区千代田1-1") for e, n, k, t, c in SMALL_MEMBERS]
    db.add_all(products + members)
    db.flush()
    for i, member in enumerate(members + members[:2]):
        details = CheckoutDetails(
            purchaser=Person(member.name, member.kana, member.tel, member.email, "1000001",
                             member.address),
            payment=PaymentMethod.COD if i % 2 == 0 else PaymentMethod.CARD,
            carrier=member.carrier, member_id=member.id)
        lines = [CartLine(products[i % 4].variants[0].id, 1)]
        order = place_order(db, lines, details, guest=False).order
        if i == 3:
            order.instruct_shipping("test")
        if i == 4:
            order.cancel(db, "test")
    guest = CheckoutDetails(purchaser=Person("ゲスト", email="guest@docomo.ne.jp"),
                            carrier="docomo")
    place_order(db, [CartLine(products[1].variants[0].id, 1)], guest, guest=True)
    db.commit()
    return products
