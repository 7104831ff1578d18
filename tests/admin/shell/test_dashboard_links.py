"""Every count on the dashboard opens a list showing exactly that many orders; the low
stock lists link to each product."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlalchemy import select

from models import Order, Variant, now


def count_links(page: str) -> list[tuple[str, int]]:
    """(href, the count it shows) for every "N 件" link of the dashboard."""
    found = []
    for href, inner in re.findall(r'<a[^>]*href="([^"]+)"[^>]*>(.*?)</a>', page, re.S):
        text = re.sub(r"<[^>]+>", "", inner)
        match = re.fullmatch(r"\s*([0-9,]+)\s*件\s*", text)
        if match:
            found.append((html.unescape(href), int(match.group(1).replace(",", ""))))
    return found


def listed(client, href: str) -> int:
    page = client.get(href).get_data(as_text=True)
    match = re.search(r"検索結果 ([0-9,]+)件", page)
    assert match, href
    return int(match.group(1).replace(",", ""))


def test_every_count_opens_a_list_of_that_many(admin_client, small_shop, db):
    orders = db.scalars(select(Order).order_by(Order.id)).all()
    orders[0].ordered_at = now() - timedelta(days=3)  # this month or last, not today
    orders[1].package.status = "shipped"
    db.commit()
    page = admin_client.get("/admin/").get_data(as_text=True)
    links = count_links(page)
    # 本日, 今月, five 注文状態, three 荷物状態 and one per carrier of the last 30 days
    assert len(links) >= 2 + 5 + 3 + 3
    assert any("/admin/delivery?package=waiting" in href for href, _ in links)
    for href, count in links:
        assert listed(admin_client, href) == count, href


def test_low_stock_and_sold_out_link_to_each_product(admin_client, small_shop, db):
    variant = db.scalars(select(Variant).where(Variant.option_text == "サイズ:M")).one()
    variant.stock = 0
    db.commit()
    page = admin_client.get("/admin/").get_data(as_text=True)
    low = page.split('id="low-stock"')[1].split("</table>")[0]
    sold_out = page.split('id="sold-out"')[1].split("</table>")[0]
    assert "限定ストラップ" in low and "残り 2 個" in low  # 2 left, threshold 3
    assert "カラフル星Tシャツ" in sold_out and "サイズ:M" in sold_out
    assert "カラフル星Tシャツ" not in low
    product_id = variant.product_id
    assert f'href="/admin/products/{product_id}/edit"' in sold_out
    assert admin_client.get(f"/admin/products/{product_id}/edit").status_code == 200
