"""The dashboard, 商品陳列棚 and the handset preview (test client)."""

from __future__ import annotations

import base64
import io
import re
from datetime import timedelta

from PIL import Image
from sqlalchemy import func, select

from models import Order, OrderStatus, Product, Shelf, now
from tests.admin.conftest import form_token


def test_dashboard_counts_today_month_statuses_and_carriers(admin_client, small_shop, db):
    today = now()
    orders = db.scalars(select(Order).order_by(Order.id)).all()
    for order in orders:  # last month or earlier...
        order.ordered_at = today - timedelta(days=40)
    sold = [o for o in orders if o.status not in ("provisional", "cancelled")]
    orders[-1].ordered_at = today  # ...but a guest's 仮注文 today, not yet a sale
    sold[0].ordered_at = today.replace(hour=0, minute=0, second=1)
    sold[1].ordered_at = today.replace(hour=0, minute=0, second=2)
    expected_today = sold[0].total + sold[1].total
    completed = sum(1 for o in orders if o.status == OrderStatus.COMPLETED)
    db.commit()
    page = admin_client.get("/admin/").get_data(as_text=True)
    today_card = page.split('id="today"')[1].split("</section>")[0]
    assert re.search(r'class="big">2</span> 件', today_card)
    assert f"{expected_today:,}</span> 円" in today_card
    month_card = page.split('id="month"')[1].split("</section>")[0]
    assert re.search(r'class="big">2</span> 件', month_card)
    assert f'href="/admin/orders?status=completed">{completed} 件</a>' in page
    # 荷物状態 opens 配送 filtered the way it counts (the list reads ``package``, and
    # counts only the packages of sales: neither 仮注文 nor キャンセル).
    assert ('href="/admin/delivery?package=waiting&amp;status=completed&amp;status=instructed'
            '&amp;status=done">') in page
    assert "docomo" in page.split('id="carriers"')[1]


def test_sales_chart_has_thirty_days_of_bars(admin_client, small_shop, db):
    order = db.scalars(select(Order).where(Order.status == OrderStatus.COMPLETED)).first()
    order.ordered_at = now() - timedelta(days=2)
    day, total = order.ordered_at.date().isoformat(), order.total
    db.commit()
    page = admin_client.get("/admin/").get_data(as_text=True)
    bars = re.findall(r'<rect class="bar"[^>]*data-day="([0-9-]+)" data-sales="([0-9]+)"', page)
    assert len(bars) == 30
    assert bars[-1][0] == now().date().isoformat()
    assert int(dict(bars)[day]) >= total > 0
    assert "<svg" in page and "<script" not in page


def test_shelves_add_rename_reorder_delete_keeps_products(admin_client, small_shop, db):
    token = form_token(admin_client, "/admin/shelves")
    page = admin_client.post("/admin/shelves", data={"csrf_token": token, "name": "夏物"},
                             follow_redirects=True).get_data(as_text=True)
    assert "陳列棚「夏物」を追加しました。" in page
    page = admin_client.post("/admin/shelves", data={"csrf_token": token, "name": "夏物"}
                             ).get_data(as_text=True)
    assert "陳列棚「夏物」はすでにあります。" in page
    summer = db.scalar(select(Shelf).where(Shelf.name == "夏物"))
    first = db.scalars(select(Shelf).order_by(Shelf.position, Shelf.id)).first()
    summer_id, first_id = summer.id, first.id
    products_on_first = len(first.products)
    product_count = db.scalar(select(func.count()).select_from(Product))
    db.commit()
    admin_client.post(f"/admin/shelves/{summer_id}/rename",
                      data={"csrf_token": token, "name": "夏のセール"})
    for _ in range(10):
        admin_client.post(f"/admin/shelves/{summer_id}/move/up", data={"csrf_token": token})
    db.expire_all()
    ordered = db.scalars(select(Shelf).order_by(Shelf.position, Shelf.id)).all()
    assert ordered[0].name == "夏のセール"
    db.commit()
    page = admin_client.post(f"/admin/shelves/{first_id}/delete", data={"csrf_token": token},
                             follow_redirects=True).get_data(as_text=True)
    assert f"並んでいた商品 {products_on_first} 件は残っています" in page
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Product)) == product_count
    assert db.get(Shelf, first_id) is None


def test_preview_shows_the_page_as_a_docomo_handset_with_its_weight(admin_client, small_shop,
                                                                    db):
    product_id = db.scalar(select(Product.id).where(Product.code == "goods000001"))
    db.commit()
    page = admin_client.get(f"/admin/preview?path=/product/{product_id}&carrier=docomo"
                            ).get_data(as_text=True)
    assert "Shift_JIS" in page
    weight = re.search(r'id="page-weight"[^>]*>([0-9,]+) バイト / 上限 ([0-9,]+) バイト', page)
    assert weight and int(weight.group(2).replace(",", "")) == 100 * 1024
    assert 0 < int(weight.group(1).replace(",", "")) < 100 * 1024
    assert "カラフル星Tシャツ" in page and "sandbox" in page
    # The image is in the page as the handset receives it (the frame has no origin).
    src = re.search(r"data:image/(?:jpeg|png|gif);base64,([A-Za-z0-9+/=]+)", page)
    assert src, "the page's image is inlined as the handset gets it"
    with Image.open(io.BytesIO(base64.b64decode(src.group(1)))) as scaled:
        assert scaled.width <= 240  # the demo picture is 480 wide; the SH902i screen 240
    refused = admin_client.get("/admin/preview?path=/admin/settings").get_data(as_text=True)
    assert "プレビューできるのはショップ（携帯サイト）のページだけです。" in refused
    refused = admin_client.get("/admin/preview?path=//evil.example/").get_data(as_text=True)
    assert "プレビューできるのはショップ" in refused


def test_preview_measures_each_carrier_against_its_own_limit(admin_client, small_shop, db):
    from admin.preview import HANDSETS
    from carrier_compat import detect

    db.commit()
    for key in ("au", "softbank", "smartphone"):
        page = admin_client.get(f"/admin/preview?path=/&carrier={key}").get_data(as_text=True)
        limit = detect({"HTTP_USER_AGENT": HANDSETS[key][1]}).page_limit_bytes
        assert f"/ 上限 {limit:,} バイト" in page, key
        assert "カラフル星Tシャツ" in page, key  # the top page as that handset got it
