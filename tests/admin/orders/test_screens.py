"""詳細, 訂正, 取消 and 納品書 through the test client: what the admin sees and what changes."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from models import Order, OrderStatus, PaymentMethod, ShopSettings, Variant

from .support import add_product, csrf_token_from, list_rows, place


@pytest.fixture
def order(db):
    """A 注文完了 order of two lines (stock 10 each), committed."""
    first = add_product(db, code="goods000005", name="バイナリプルTシャツ", price=1000)
    second = add_product(db, code="goods000006", name="ストラップ ハート", price=500)
    made = place(db, [first, second], quantity=2, note="午前中に届けてください")
    db.commit()
    return made


def stock(db, order: Order) -> list[int]:
    db.expire_all()
    return [db.get(Variant, item.variant_id).stock for item in order.items]


def correct(client, order_id: int, status: str, cancel_items=(), memo: str = ""):
    page = client.get(f"/admin/orders/{order_id}/correct").get_data(as_text=True)
    return client.post(f"/admin/orders/{order_id}/correct", data={
        "csrf_token": csrf_token_from(page), "status": status, "memo": memo,
        "cancel_item": [str(i) for i in cancel_items],
    }, follow_redirects=True)


def test_detail_shows_the_manuals_sections_and_the_event_log(admin_client, order):
    page = admin_client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    for heading in ("注文者", "商品・手数料", "決済", "配送先", "配送オプション", "メモ",
                    "メール送信履歴", "履歴"):
        assert f"<h2>{heading}</h2>" in page
    assert "<h2>配送伝票</h2>" not in page  # only once a slip is registered
    assert order.order_no in page and "午前中に届けてください" in page
    assert "会員が注文" in page  # the log: who did what
    for button in ("戻る", "訂正", "メール送信", "納品書"):
        assert f">{button}</a>" in page


def test_correct_moves_the_status_by_the_rule_and_logs_who(admin_client, order, db):
    page = correct(admin_client, order.id, "instructed", memo="電話で確認済み").get_data(
        as_text=True)
    assert "注文を訂正しました。" in page
    assert "訂正で出荷指示にしました（イレギュラー対応）" in page
    db.expire_all()
    fresh = db.get(Order, order.id)
    assert fresh.status == OrderStatus.INSTRUCTED and not fresh.instructed_by_download
    assert fresh.memo == "電話で確認済み"
    actions = [(e.actor, e.action) for e in fresh.events]
    assert ("tester", "メモを更新") in actions
    assert any(a == "tester" and "イレギュラー" in text for a, text in actions)
    detail = admin_client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert "この注文は訂正で出荷指示にしました（イレギュラー対応）" in detail


def test_a_forbidden_change_shows_the_rules_message_and_changes_nothing(
        admin_client, order, db):
    order.instruct_shipping("tester")
    order.complete_by_hand("tester")
    db.commit()
    response = correct(admin_client, order.id, "completed", memo="書き換え")
    page = response.get_data(as_text=True)
    assert "注文状態を「完了」から「注文完了」には変更できません。" in page
    db.expire_all()
    fresh = db.get(Order, order.id)
    assert fresh.status == OrderStatus.DONE and fresh.memo == ""  # nothing half-applied


def test_every_line_cancelled_is_refused_but_the_order_can_be_cancelled(admin_client, order, db):
    ids = [item.id for item in order.items]
    page = correct(admin_client, order.id, "completed", cancel_items=ids).get_data(as_text=True)
    assert "すべての商品を取り消すことはできません" in page
    db.expire_all()
    assert not any(item.cancelled for item in db.get(Order, order.id).items)
    assert stock(db, order) == [8, 8]
    correct(admin_client, order.id, "cancelled", cancel_items=ids)  # 取消 of the whole order
    db.expire_all()
    assert db.get(Order, order.id).status == OrderStatus.CANCELLED
    assert stock(db, order) == [10, 10]


def test_item_cancel_moves_totals_fees_and_stock(admin_client, order, db):
    settings = ShopSettings.load(db)
    keep, drop = order.items
    assert stock(db, order) == [8, 8]
    page = correct(admin_client, order.id, "completed", cancel_items=[drop.id]).get_data(
        as_text=True)
    assert "注文を訂正しました。" in page
    db.expire_all()
    fresh = db.get(Order, order.id)
    assert fresh.subtotal == 2000
    assert fresh.shipping_fee == settings.shipping_fee_for(2000)
    assert fresh.cod_fee == settings.cod_fee(2000 + fresh.shipping_fee)
    assert fresh.total == 2000 + fresh.shipping_fee + fresh.cod_fee
    assert stock(db, order) == [8, 10]
    correct(admin_client, order.id, "completed", cancel_items=[])  # untick: taken again
    assert stock(db, order) == [8, 8]
    assert db.get(Order, order.id).subtotal == 3000


def test_detail_back_returns_to_the_search_it_came_from(admin_client, order):
    listing = admin_client.get("/admin/orders?keyword=小林&status=completed").get_data(
        as_text=True)
    detail_url = re.search(r'href="(/admin/orders/\d+\?back=[^"]+)">詳細', listing).group(1)
    detail = admin_client.get(detail_url.replace("&amp;", "&")).get_data(as_text=True)
    back = re.search(r'href="([^"]+)">戻る</a>', detail).group(1).replace("&amp;", "&")
    assert unquote(back) == "/admin/orders?keyword=小林&status=completed"
    evil = admin_client.get(f"/admin/orders/{order.id}?back=https://evil.example/").get_data(
        as_text=True)
    assert 'href="/admin/orders">戻る</a>' in evil


def test_cancel_returns_to_the_list_it_came_from_and_never_elsewhere(admin_client, order):
    page = admin_client.get("/admin/delivery").get_data(as_text=True)
    token = csrf_token_from(page)
    response = admin_client.post(f"/admin/orders/{order.id}/cancel", data={
        "csrf_token": token, "next": "/admin/delivery?package=waiting"})
    assert unquote(response.headers["Location"]) == "/admin/delivery?package=waiting"
    for evil in ("https://evil.example/admin/orders", "//evil.example/", "/admin/delivery\\x"):
        response = admin_client.post(f"/admin/orders/{order.id}/cancel", data={
            "csrf_token": token, "next": evil})
        assert response.headers["Location"].endswith("/admin/orders")


def test_cancel_from_the_list_releases_stock_and_keeps_it_searchable(admin_client, order, db):
    page = admin_client.get("/admin/orders?keyword=小林").get_data(as_text=True)
    assert f'data-confirm="注文番号{order.order_no}の注文を取り消してもよろしいですか?"' in page
    response = admin_client.post(f"/admin/orders/{order.id}/cancel", data={
        "csrf_token": csrf_token_from(page), "next": "/admin/orders?keyword=小林"})
    assert unquote(response.headers["Location"]) == "/admin/orders?keyword=小林"
    listing = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"注文番号{order.order_no}の注文を取り消しました。" in listing
    assert list_rows(listing) == []
    assert stock(db, order) == [10, 10]
    cancelled = list_rows(admin_client.get("/admin/orders?status=cancelled").get_data(
        as_text=True))
    assert [r["注文状態"] for r in cancelled] == ["キャンセル"]
    correct(admin_client, order.id, "completed")  # set back through 訂正
    assert db.get(Order, order.id).status == OrderStatus.COMPLETED
    assert stock(db, order) == [8, 8]


def test_setting_back_without_stock_says_which_item(admin_client, order, db):
    order.cancel(db, "tester")
    for item in order.items:
        db.get(Variant, item.variant_id).stock = 0
    db.commit()
    page = correct(admin_client, order.id, "completed").get_data(as_text=True)
    assert "「バイナリプルTシャツ」は在庫が不足しています。" in page
    db.expire_all()
    assert db.get(Order, order.id).status == OrderStatus.CANCELLED


def test_cancel_needs_a_token_and_refuses_twice(admin_client, order, db):
    assert admin_client.post(f"/admin/orders/{order.id}/cancel").status_code == 400
    token = csrf_token_from(admin_client.get("/admin/orders").get_data(as_text=True))
    admin_client.post(f"/admin/orders/{order.id}/cancel", data={"csrf_token": token})
    again = admin_client.post(f"/admin/orders/{order.id}/cancel", data={
        "csrf_token": token, "next": "https://evil.example/"}, follow_redirects=True)
    assert again.request.path == "/admin/orders"
    assert "この注文はすでにキャンセルされています。" in again.get_data(as_text=True)


def test_unknown_order_is_a_404(admin_client, db):
    for url in ("/admin/orders/999", "/admin/orders/999/correct", "/admin/orders/999/invoice",
                "/admin/orders/999/mail"):
        assert admin_client.get(url).status_code == 404


def test_invoice_has_shop_order_items_fees_and_print_css(admin_client, small_shop):
    order = small_shop["completed"][0]
    assert order.payment_method == PaymentMethod.COD and order.wrapping_fee > 0
    page = admin_client.get(f"/admin/orders/{order.id}/invoice").get_data(as_text=True)
    for text in ("LK EC SHOP", "所在地 〒104-6022", "東京都中央区晴海1-8-10",
                 "電話 03-0000-0000", "FAX 03-0000-0001", order.order_no,
                 f"{order.ordered_at:%Y-%m-%d %H:%M:%S}", f"{order.purchaser_name} 様",
                 "この度は、弊社の商品をご購入いただき誠に有難うございます。",
                 "購入商品一覧（単位:円 金額:税込）", "代引き手数料", "配送料",
                 "包装オプション 包装紙", f"{order.total:,}", ">戻る</a>", ">印刷</button>",
                 "size: A4"):
        assert text in page, text
    headers = re.findall(r"<th[^>]*>([^<]+)</th>", page.split("購入商品一覧")[1])
    assert headers[:6] == ["コード", "商品名", "商品オプション", "単価", "数量", "小計"]


def test_several_invoices_print_one_per_page(admin_client, small_shop):
    ids = [order.id for order in small_shop["completed"]]
    page = admin_client.get("/admin/orders/invoices?" + "&".join(f"id={i}" for i in ids))
    html = page.get_data(as_text=True)
    assert html.count('<section class="sheet"') == 3
    assert "page-break-after: always" in html
    nothing = admin_client.get("/admin/orders/invoices", follow_redirects=True)
    assert "納品書を印刷する注文を選んでください。" in nothing.get_data(as_text=True)
