"""注文一覧's search (P8, P25): what the shop owner gets for what they type and tick."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import quote

import pytest
from lxml import html as lxml_html

from models import PaymentMethod

from .support import add_product, list_rows, place


@pytest.fixture
def orders(db):
    """Five orders a day apart, newest last; the third one cancelled."""
    variant = add_product(db, stock=1000)
    start = datetime(2008, 10, 20, 21, 28, 27)
    people = [
        ("小林 亮子", "コバヤシ リョウコ", "東京都中野区野方1-2-3", "r-kobayashi@docomo.ne.jp",
         "09047189729", PaymentMethod.COD),
        ("佐藤 花子", "サトウ ハナコ", "大阪府大阪市北区梅田3-1-1", "Hanako.Sato@EZweb.ne.jp",
         "090-1111-2222", PaymentMethod.CARD),
        ("髙橋 ①郎", "タカハシ イチロウ", "北海道札幌市中央区北1条", "taka@softbank.ne.jp",
         "0312345678", PaymentMethod.COD),
        ("山田 太郎", "ヤマダ タロウ", "東京都渋谷区100%ビル", "yamada@example.com",
         "08000000000", PaymentMethod.CARD),
        ("鈴木 一郎", "スズキ イチロウ", "東京都中野区中央", "suzuki_1@example.com",
         "07011112222", PaymentMethod.COD),
    ]
    made = []
    for i, (name, kana, address, email, tel, payment) in enumerate(people):
        made.append(place(db, variant, name=name, kana=kana, address=address, email=email,
                          tel=tel, payment=payment, ordered_at=start + timedelta(days=i)))
    made[2].cancel(db, "tester")
    db.commit()
    return made


def names(client, query: str = "") -> list[str]:
    page = client.get(f"/admin/orders?{query}")
    assert page.status_code == 200
    return [row["購入者"] for row in list_rows(page.get_data(as_text=True))]


def test_no_box_ticked_lists_all_but_cancelled_newest_first(admin_client, orders):
    page = admin_client.get("/admin/orders").get_data(as_text=True)
    assert "検索結果 4件" in page
    assert names(admin_client) == ["鈴木 一郎", "山田 太郎", "佐藤 花子", "小林 亮子"]


def test_cancelled_orders_show_only_when_that_box_is_ticked(admin_client, orders):
    assert names(admin_client, "status=cancelled") == ["髙橋 ①郎"]
    assert len(names(admin_client, "status=cancelled&status=completed")) == 5
    assert "髙橋 ①郎" not in names(admin_client, "status=completed")


KEYWORDS = [
    ("小林", ["小林 亮子"]),  # name
    ("こばやし", ["小林 亮子"]),  # kana typed in hiragana
    ("ｻﾄｳ", ["佐藤 花子"]),  # half-width katakana
    ("中野区", ["鈴木 一郎", "小林 亮子"]),  # address
    ("中野区　野方", ["小林 亮子"]),  # two terms (full-width space): both must match
    ("hanako.sato@ezweb", ["佐藤 花子"]),  # email, any case
    ("090-4718-9729", ["小林 亮子"]),  # tel typed with hyphens, stored without
    ("09011112222", ["佐藤 花子"]),  # tel typed without hyphens, stored with
    ("100%", ["山田 太郎"]),  # % is a character, not a wildcard
    ("_1@", ["鈴木 一郎"]),  # so is _
    ("存在しない", []),
]


def test_keyword_matches_name_kana_address_email_and_tel(admin_client, orders):
    for keyword, expected in KEYWORDS:
        assert names(admin_client, f"keyword={quote(keyword)}") == expected, keyword


def test_keyword_matches_order_number(admin_client, orders):
    number = orders[1].order_no
    assert names(admin_client, f"keyword={number[-4:]}") == ["佐藤 花子"]


def test_payment_boxes(admin_client, orders):
    assert names(admin_client, "payment=card") == ["山田 太郎", "佐藤 花子"]
    assert len(names(admin_client, "payment=card&payment=cod")) == 4


def test_order_date_range_includes_both_days(admin_client, orders):
    assert names(admin_client, "date_from=2008-10-21&date_to=2008-10-23") == [
        "山田 太郎", "佐藤 花子"]  # 10-22 is the cancelled one
    assert names(admin_client, "date_from=2008/10/24") == ["鈴木 一郎"]


def test_bad_dates_get_a_message_not_an_error(admin_client, orders):
    page = admin_client.get("/admin/orders?date_from=2008-13-45&date_to=x").get_data(as_text=True)
    assert "注文日（開始）は YYYY-MM-DD の形で入力してください。" in page
    page = admin_client.get("/admin/orders?date_from=2008-10-25&date_to=2008-10-20")
    assert "注文日の開始日が終了日より後になっています。" in page.get_data(as_text=True)


def test_fifty_a_page_and_paging_keeps_the_search(admin_client, db):
    variant = add_product(db, stock=1000)
    start = datetime(2009, 1, 1)
    for i in range(120):
        place(db, variant, name=f"顧客{i:03d}", ordered_at=start + timedelta(minutes=i))
    db.commit()
    page = admin_client.get("/admin/orders?keyword=顧客").get_data(as_text=True)
    assert "検索結果 120件" in page
    rows = list_rows(page)
    assert len(rows) == 50 and rows[0]["購入者"] == "顧客119"
    assert "1 / 3 ページ" in page
    assert "keyword=%E9%A1%A7%E5%AE%A2&amp;page=2" in page  # 次へ keeps the keyword
    last = list_rows(admin_client.get("/admin/orders?keyword=顧客&page=3").get_data(as_text=True))
    assert [r["購入者"] for r in last][-1] == "顧客000" and len(last) == 20


def test_list_columns_are_the_manuals(admin_client, orders, db):
    orders[0].update_memo("電話あり", "tester")
    db.commit()
    page = admin_client.get("/admin/orders").get_data(as_text=True)
    row = list_rows(page)[-1]
    assert list(row) == ["", "注文番号", "注文日", "メモ", "注文状態", "合計金額", "決済方法",
                         "購入者", "アクション"]
    assert row["注文番号"] == orders[0].order_no
    assert row["注文日"] == "2008-10-20 21:28:27"
    assert row["メモ"] == "✎" and 'title="電話あり"' in page
    assert row["注文状態"] == "注文完了"
    assert row["合計金額"] == f"{orders[0].total:,}" and "," in row["合計金額"]
    assert row["決済方法"] == "代引き"
    assert row["アクション"].split() == ["詳細", "訂正", "取消", "納品書"]


def test_the_download_button_carries_the_search_shown(admin_client, orders):
    page = admin_client.get("/admin/orders?keyword=東京都&status=completed&status=cancelled")
    form = lxml_html.fromstring(page.get_data(as_text=True)).get_element_by_id("download-form")
    hidden = [(i.get("name"), i.get("value")) for i in form.xpath(".//input[@type='hidden']")]
    assert sorted(hidden) == [("keyword", "東京都"), ("status", "cancelled"),
                              ("status", "completed")]
    query = "&".join(f"{name}={quote(value)}" for name, value in hidden)
    data = admin_client.get(f"/admin/orders/download?{query}").data.decode("cp932")
    shown = names(admin_client, query)
    assert shown == ["鈴木 一郎", "山田 太郎", "小林 亮子"]
    assert [line.split(",")[3] for line in data.splitlines()[1:]] == shown
