"""The demo shop looks like a shop with a past: its own pictures, and orders, histories,
mails and members spread over the last months, every date where it belongs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PIL import Image, ImageChops
from sqlalchemy import select

from models import MailLog, Member, Order, OrderStatus, Product, now


def test_each_product_has_a_picture_of_what_it_is(demo_shop, db):
    products = {p.name: p for p in db.scalars(select(Product))}
    folder = Path(demo_shop.config["IMAGE_DIR"])

    def picture(name: str) -> Image.Image:
        return Image.open(folder / products[name].image1).convert("RGB")

    tee = picture("カラフル星Tシャツ")
    for name in ("マグカップ", "ストラップ ハート", "ハンドタオル", "トートバッグ", "限定パーカー",
                 "デコシール セット"):
        assert products[name].image1.split("-")[-1] != "tee.png", name
        # Not the T-shirt in another colour: the shapes differ, not only the paint.
        shape = ImageChops.difference(picture(name).convert("L").point(lambda v: v < 250 and 255),
                                      tee.convert("L").point(lambda v: v < 250 and 255))
        assert shape.getbbox() is not None and _share(shape) > 0.05, name
    assert products["ロゴTシャツ 黒"].image1.endswith("-tee.png")


def _share(mask: Image.Image) -> float:
    """The part of the picture where ``mask`` is set."""
    return mask.histogram()[255] / (mask.width * mask.height)


def test_orders_histories_and_mails_are_dated_in_the_past(demo_shop, db):
    moment = now()
    orders = db.scalars(select(Order).order_by(Order.ordered_at)).all()
    assert orders[0].ordered_at < moment - timedelta(days=60)  # months of trading
    assert {o.ordered_at.month for o in orders} >= {(moment - timedelta(days=60)).month,
                                                      moment.month}
    for order in orders:
        assert order.order_no.startswith(f"{order.ordered_at:%Y%m%d}_")
        times = [e.at for e in order.events]
        assert times == sorted(times) and times[0] >= order.ordered_at, order.order_no
        assert times[-1] <= moment
        mails = db.scalars(select(MailLog).where(MailLog.order_id == order.id)).all()
        assert all(order.ordered_at <= m.sent_at <= moment for m in mails), order.order_no
        if order.ordered_at < moment - timedelta(days=20):  # an old order stays old
            assert times[-1] < moment - timedelta(days=10) and mails
            assert all(m.sent_at < moment - timedelta(days=10) for m in mails)
    done = [o for o in orders if o.status == OrderStatus.DONE]
    assert {o.package.delivery_company for o in done} <= {"yamato", "sagawa", "japanpost"}
    assert all(len(db.scalars(select(MailLog).where(MailLog.order_id == o.id)).all()) == 2
               for o in done)  # 受注確認 and 出荷通知
    provisional = [o for o in orders if o.status == OrderStatus.PROVISIONAL]
    assert all(o.confirm_expires_at > moment for o in provisional)  # links still open


def test_members_registered_over_the_months_before_they_ordered(demo_shop, db):
    members = db.scalars(select(Member).order_by(Member.created_at)).all()
    joined = [m.created_at for m in members]
    assert joined[-1] - joined[0] > timedelta(days=30) and joined[-1] < now() - timedelta(days=7)
    for member in members:
        first = db.scalar(select(Order.ordered_at).where(Order.member_id == member.id)
                          .order_by(Order.ordered_at).limit(1))
        assert first is None or member.created_at < first
        assert member.email_verified_at >= member.created_at
