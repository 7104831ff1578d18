"""訂正 back from キャンセル without stock: the owner is told to add stock, not the shopper's
「数量を減らすか、他の商品をお選びください」 (found by QA), and nothing changes."""

from __future__ import annotations

from models import Order, OrderStatus, Variant

from .test_screens import correct, order, stock  # noqa: F401  (the fixture)


def test_restoring_without_stock_tells_the_owner_to_add_stock(admin_client, order, db):  # noqa: F811
    order.cancel(db, "tester")
    db.get(Variant, order.items[0].variant_id).stock = 1
    db.commit()
    page = correct(admin_client, order.id, "completed").get_data(as_text=True)
    assert ("「バイナリプルTシャツ」は在庫が不足しています。商品情報で在庫数を増やしてから、"
            "もう一度訂正してください。") in page
    assert "数量を減らすか" not in page
    db.expire_all()
    assert db.get(Order, order.id).status == OrderStatus.CANCELLED
    assert stock(db, order) == [1, 10]  # the second line was not taken either
