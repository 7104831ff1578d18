"""出荷結果 per order (P21), and its restriction for 出荷指示 set by hand in 訂正."""

from __future__ import annotations

import html
import re

from models import OrderStatus, PackageStatus
from tests.conftest import csrf_token_from

from .conftest import orders_in, waiting_instructed


def _post(client, order_id: int, **fields):
    page = client.get(f"/admin/delivery/{order_id}/shipment").get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(page), "delivery_no": "", "delivery_date": "",
            "shop_code": "", "shop_name": "", "shop_tel": "", "shop_memo": ""}
    data.update(fields)
    return client.post(f"/admin/delivery/{order_id}/shipment", data=data)


def test_slip_number_makes_the_package_shipped(shop, db):
    order = waiting_instructed(db)[0]
    response = _post(shop, order.id, delivery_no="１２３４５６", delivery_date="2008/10/22 12:30",
                     shop_name="晴海センター")
    assert response.status_code == 302
    listing = shop.get("/admin/delivery").get_data(as_text=True)
    row = listing.split(f'data-order-no="{order.order_no}"')[1].split("</tr>")[0]
    assert "123456" in row and "出荷済" in row
    db.expire_all()
    assert order.package.status == PackageStatus.SHIPPED
    assert f"{order.package.delivery_date:%Y-%m-%d %H:%M}" == "2008-10-22 12:30"


def test_form_errors_are_shown_and_nothing_changes(shop, db):
    order = waiting_instructed(db)[0]
    response = _post(shop, order.id, delivery_no="", delivery_date="2008/02/30")
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "伝票番号を入力してください。" in text
    assert "存在しない日付です" in text
    db.expire_all()
    assert order.package.status == PackageStatus.WAITING


def test_order_instructed_by_hand_cannot_use_the_button(shop, db):
    """P21 note: 出荷指示 set in 訂正 cannot be shipped one by one; the screen says why."""
    order = orders_in(db, OrderStatus.COMPLETED)[0]
    order.instruct_shipping_by_hand("tester")
    db.commit()
    page = html.unescape(shop.get(f"/admin/delivery/{order.id}/shipment").get_data(as_text=True))
    assert "訂正で出荷指示に変更された" in page
    assert 'name="delivery_no"' not in page
    response = _post_without_form(shop, order.id)
    assert "訂正で出荷指示に変更された" in html.unescape(response.get_data(as_text=True))
    db.expire_all()
    assert order.package.status == PackageStatus.WAITING
    assert order.package.delivery_no == ""


def _post_without_form(client, order_id: int):
    token = csrf_token_from(client.get("/admin/delivery").get_data(as_text=True))
    return client.post(f"/admin/delivery/{order_id}/shipment",
                       data={"csrf_token": token, "delivery_no": "999"})


def test_the_csv_may_still_ship_an_order_instructed_by_hand(shop, db):
    from .conftest import confirm, upload

    order = orders_in(db, OrderStatus.COMPLETED)[0]
    order.instruct_shipping_by_hand("tester")
    db.commit()
    data = f"order_no,delivery_no\r\n{order.order_no},4242\r\n".encode()
    confirm(shop, upload(shop, data).get_data(as_text=True))
    db.expire_all()
    assert order.package.status == PackageStatus.SHIPPED


def test_notified_and_completed_orders_are_refused(shop, db):
    done = orders_in(db, OrderStatus.DONE)[0]
    listing = shop.get("/admin/delivery").get_data(as_text=True)
    row = listing.split(f'data-order-no="{done.order_no}"')[1].split("</tr>")[0]
    assert "出荷通知済" in row
    assert '<button type="button" disabled' in row  # the manual: 出荷結果 can't be pressed
    page = html.unescape(shop.get(f"/admin/delivery/{done.id}/shipment").get_data(as_text=True))
    assert "出荷通知メールを送信済みのため" in page
    completed = orders_in(db, OrderStatus.COMPLETED)[0]
    page = html.unescape(
        shop.get(f"/admin/delivery/{completed.id}/shipment").get_data(as_text=True))
    assert "注文情報ダウンロードで出荷指示にしてください" in page


def test_list_search_and_package_filter(shop, db):
    everything = shop.get("/admin/delivery").get_data(as_text=True)
    cancelled = orders_in(db, OrderStatus.CANCELLED)[0]
    assert cancelled.order_no not in everything  # キャンセル only when asked for (P25)
    with_cancelled = shop.get("/admin/delivery?status=cancelled").get_data(as_text=True)
    assert cancelled.order_no in with_cancelled
    shipped = shop.get("/admin/delivery?package=shipped").get_data(as_text=True)
    assert "検索結果 3件" in shipped
    assert "出荷待ち</td>" not in shipped
    first = waiting_instructed(db)[0]
    found = shop.get(f"/admin/delivery?keyword={first.order_no}").get_data(as_text=True)
    assert "検索結果 1件" in found


def test_paging_keeps_the_search(shop, db):
    from ktaishop.demo.shop import grow

    grow(db, members=0, orders=200, echo=lambda _text: None)
    db.commit()
    first = shop.get("/admin/delivery?package=waiting").get_data(as_text=True)
    total = int(first.split("検索結果 ")[1].split("件")[0])
    assert total > 50
    assert 'href="?page=2&amp;package=waiting"' in first
    second = shop.get("/admin/delivery?package=waiting&page=2").get_data(as_text=True)
    numbers = lambda page: set(re.findall(r'data-order-no="([^"]+)"', page))  # noqa: E731
    assert len(numbers(first)) == 50
    assert numbers(first).isdisjoint(numbers(second))
    assert "出荷通知済</td>" not in second
