"""出荷結果登録 by CSV (P20): the preview, 確定, 戻る, every bad file, and re-uploading."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select

from models import OrderEvent, OrderStatus, PackageStatus

from .conftest import confirm, orders_in, snapshot, upload, waiting_instructed

HEADER = "order_no,delivery_no,delivery_date,shop_code,shop_name,shop_tel,shop_memo\r\n"


def sample_file(rows: list[str], encoding: str = "cp932") -> bytes:
    return (HEADER + "".join(row + "\r\n" for row in rows)).encode(encoding)


def test_preview_changes_nothing_then_confirm_ships(shop, db):
    first, second, third, fourth = waiting_instructed(db)
    shipped = orders_in(db, OrderStatus.INSTRUCTED)[-1]  # a demo 出荷済 package
    assert shipped.package.status == PackageStatus.SHIPPED
    data = sample_file([
        f"{first.order_no},1111-2222-0001,2008/10/21 14:28,10,勝どき配送センター,03-1111-2222,午前",
        f"{second.order_no},1111-2222-0002,,,,,",
        f"{third.order_no},,,,,,",  # not shipped yet: skipped
        f"{shipped.order_no},9999-0000-0001,2008-10-22 09:00:00,,,,",  # slip corrected
    ])
    before = snapshot(db)
    preview = upload(shop, data)
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "2 件" in text.split('id="count-ship"')[1].split("</td>")[0]
    assert "1 件" in text.split('id="count-update"')[1].split("</td>")[0]
    assert "1 件" in text.split('id="count-skip"')[1].split("</td>")[0]
    assert snapshot(db) == before, "the preview must not change anything"

    done = confirm(shop, text)
    assert done.status_code == 302
    listing = shop.get("/admin/delivery").get_data(as_text=True)
    assert "出荷済 2 件" in listing and "1111-2222-0001" in listing
    db.expire_all()
    assert first.package.status == PackageStatus.SHIPPED
    assert first.package.shop_name == "勝どき配送センター"
    assert f"{first.package.delivery_date:%Y-%m-%d %H:%M}" == "2008-10-21 14:28"
    assert second.package.delivery_date is not None  # empty date: registered now
    assert third.package.status == PackageStatus.WAITING
    assert shipped.package.delivery_no == "9999-0000-0001"
    assert fourth.package.status == PackageStatus.WAITING


def test_back_applies_nothing(shop, db, upload_dir):
    order = waiting_instructed(db)[0]
    before = snapshot(db)
    preview = upload(shop, sample_file([f"{order.order_no},5555,,,,,"]))
    back = confirm(shop, preview.get_data(as_text=True), button="back")
    assert back.status_code == 302
    assert snapshot(db) == before
    assert not list(upload_dir.glob("*.csv")), "the stored file is forgotten"


def test_same_file_twice_changes_nothing_the_second_time(shop, db):
    orders = waiting_instructed(db)
    data = sample_file([f"{o.order_no},7000-{i},2008/10/21,,,," for i, o in enumerate(orders)])
    confirm(shop, upload(shop, data).get_data(as_text=True))
    events = db.scalar(select(func.count()).select_from(OrderEvent))
    after_first = snapshot(db)

    again = upload(shop, data).get_data(as_text=True)
    assert "0 件" in again.split('id="count-ship"')[1].split("</td>")[0]
    assert f"{len(orders)} 件" in again.split('id="count-unchanged"')[1].split("</td>")[0]
    assert "このファイルで変更される注文はありません" in again
    assert snapshot(db) == after_first
    assert db.scalar(select(func.count()).select_from(OrderEvent)) == events

    # Only a slip field that differs is updated, and counted as an update.
    changed = data.replace(b"7000-0,", b"7000-0X,")
    preview = upload(shop, changed).get_data(as_text=True)
    assert "1 件" in preview.split('id="count-update"')[1].split("</td>")[0]
    confirm(shop, preview)
    db.expire_all()
    assert orders[0].package.delivery_no == "7000-0X"


def test_confirm_twice_registers_once(shop, db):
    order = waiting_instructed(db)[0]
    preview = upload(shop, sample_file([f"{order.order_no},8888,,,,,"])).get_data(as_text=True)
    assert confirm(shop, preview).status_code == 302
    second = confirm(shop, preview)
    assert second.status_code == 302
    page = shop.get("/admin/delivery").get_data(as_text=True)
    assert "すでに確定済み" in html.unescape(page)
    events = [e.action for e in order.events if "出荷済" in e.action]
    db.expire_all()
    assert len([e for e in order.events if "出荷待ち → 出荷済" in e.action]) == 1, events


def _bad_files(db) -> list[tuple[str, bytes, str]]:
    """(what, file, message expected on screen) for every bad-file case of the issue."""
    waiting = waiting_instructed(db)[0]
    good = f"{waiting.order_no},1234,,,,,"
    cancelled = orders_in(db, OrderStatus.CANCELLED)[0]
    provisional = orders_in(db, OrderStatus.PROVISIONAL)[0]
    completed = orders_in(db, OrderStatus.COMPLETED)[0]
    notified = orders_in(db, OrderStatus.DONE)[0]
    return [
        ("unknown order", sample_file([good, "20990101_0000099999,1,,,,,"]),
         "3行目: 注文番号 20990101_0000099999 の注文はありません"),
        ("sample's example row left in", sample_file([
            "20081021_0000000001,1234-5678-9012,2008-10-21 14:28:00,10,勝どき配送センター,"
            "03-0000-0000,備考", good]), "2行目: 出荷結果サンプルの入力例の行です"),
        ("cancelled", sample_file([good, f"{cancelled.order_no},1,,,,,"]),
         "3行目: 注文番号 " + cancelled.order_no + ": キャンセルされた注文です"),
        ("provisional", sample_file([good, f"{provisional.order_no},1,,,,,"]), "仮注文のため"),
        ("completed", sample_file([good, f"{completed.order_no},1,,,,,"]), "注文完了のままです"),
        ("notified", sample_file([good, f"{notified.order_no},1,,,,,"]), "出荷通知済のため"),
        ("same order twice", sample_file([good, "", f"{waiting.order_no},99,,,,,"]),
         "4行目: 注文番号 " + waiting.order_no + " が2行目にもあります"),
        ("bad date", sample_file([good.replace(",,,,,", ",2008/13/45,,,,")]),
         "2行目: 配送日「2008/13/45」は存在しない日付です"),
        ("not a date", sample_file([good.replace(",,,,,", ",来週,,,,")]), "日付として読めません"),
        ("over-long", sample_file([f"{waiting.order_no},{'1' * 41},,,,,"]), "伝票番号が長すぎます"),
        ("malformed slip", sample_file([f"{waiting.order_no},12 34,,,,,"]),
         "使えない文字があります"),
        ("excel exponent", sample_file([f"{waiting.order_no},1.23457E+11,,,,,"]), "指数表記"),
        ("bad tel", sample_file([f"{waiting.order_no},1,,,,abc,"]),
         "電話番号として正しくありません"),
        ("xlsx", b"PK\x03\x04" + b"\x00" * 200, "CSVではないファイル"),
        ("binary", b"\x89PNG\r\n\x1a\n\x00\x00", "CSVではないファイル"),
        ("empty", b"", "ファイルが空です"),
        ("blank lines only", b"\r\n\r\n", "ファイルが空です"),
        ("no headers", f"{waiting.order_no},1234\r\n".encode(), "必須の見出し"),
        ("delivery_no missing", b"order_no,slip\r\n1,2\r\n",
         "必須の見出し delivery_no がありません"),
        ("unreadable encoding", HEADER.encode() + b"\x82\xff,1,,,,,\r\n",
         "2行目: 文字コードを読み取れません"),
        ("utf-16", "order_no,delivery_no\r\n".encode("utf-16"), "UTF-16"),
        ("broken quotes", (HEADER + f'{waiting.order_no},"12\r\n').encode(), "CSVとして読めません"),
        ("too many cells", sample_file([good + ",x,y"]), "列の数"),
    ]


def test_every_bad_file_is_refused_with_its_line_and_nothing_applied(shop, db):
    cases = _bad_files(db)
    before = snapshot(db)
    for what, data, message in cases:
        response = upload(shop, data)
        text = html.unescape(response.get_data(as_text=True))
        if response.status_code == 302:  # whole-file problems come back as a flash
            text = html.unescape(shop.get("/admin/delivery").get_data(as_text=True))
        assert response.status_code in (200, 302), what
        assert message in text, f"{what}: {message!r} not shown"
        assert 'id="confirm-button"' not in text, what
    assert snapshot(db) == before


def test_file_over_10_mb_is_refused_clearly(shop, db):
    order = waiting_instructed(db)[0]
    big = sample_file([f"{order.order_no},1,,,,,"]) + b"," * (10 * 1024 * 1024)
    response = upload(shop, big)
    assert response.status_code == 302
    page = shop.get("/admin/delivery").get_data(as_text=True)
    assert "ファイルが大きすぎます（上限 10 MB）" in page
    db.expire_all()
    assert order.package.status == PackageStatus.WAITING


def test_no_file_picked(shop):
    page = shop.get("/admin/delivery").get_data(as_text=True)
    from tests.conftest import csrf_token_from

    response = shop.post("/admin/delivery/upload", data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    assert "ファイルを選んでください" in shop.get("/admin/delivery").get_data(as_text=True)


@pytest.mark.parametrize("encoding", ["cp932", "utf-8", "utf-8-sig"])
def test_excel_saved_order_csv_with_delivery_no_anywhere(shop, db, encoding):
    """The order CSV shape: delivery_no in the middle, LF, quoted multi-line cells."""
    first, second = waiting_instructed(db)[:2]
    text = (
        "order_no,Order_DateTime , Delivery No ,items,delivery_date,shop memo\n"
        f'{first.order_no},2008/10/21 14:28,  A-100  ,"シャツ\n靴下",2008/10/30,メモ\n'
        "\n"
        f"{second.order_no},2008/10/21 14:42,,商品,,\n"
    )
    data = text.encode(encoding)  # utf-8-sig: with the BOM Excel's "CSV UTF-8" writes
    preview = upload(shop, data).get_data(as_text=True)
    assert "注文情報ダウンロードのCSV" in preview
    assert "1 件" in preview.split('id="count-ship"')[1].split("</td>")[0]
    assert "1 件" in preview.split('id="count-skip"')[1].split("</td>")[0]
    confirm(shop, preview)
    db.expire_all()
    assert first.package.delivery_no == "A-100"
    # The order CSV's delivery_date is the 配送希望日, not the shipping date: ignored.
    assert f"{first.package.delivery_date:%Y-%m-%d}" != "2008-10-30"
    assert first.package.shop_memo == ""
    assert second.package.status == PackageStatus.WAITING


def test_sample_download(shop):
    response = shop.get("/admin/delivery/sample.csv")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    lines = response.data.decode("cp932").split("\r\n")
    assert lines[0] == "order_no,delivery_no,delivery_date,shop_code,shop_name,shop_tel,shop_memo"
    assert lines[1].startswith("20081021_0000000001,") and lines[2] == ""


def test_an_order_cancelled_between_preview_and_confirm_applies_nothing(shop, db):
    first, second = waiting_instructed(db)[:2]
    preview = upload(shop, sample_file([f"{first.order_no},1,,,,,",
                                        f"{second.order_no},2,,,,,"])).get_data(as_text=True)
    second.cancel(db, "another admin")
    db.commit()
    before = snapshot(db)
    response = confirm(shop, preview)
    text = html.unescape(response.get_data(as_text=True))
    assert "3行目: 注文番号 " + second.order_no + ": キャンセルされた注文です" in text
    assert snapshot(db) == before  # the first row was not applied either


def test_a_slip_changed_between_preview_and_confirm_asks_again(shop, db):
    order = waiting_instructed(db)[0]
    preview = upload(shop, sample_file([f"{order.order_no},1,,,,,"])).get_data(as_text=True)
    confirm(shop, upload(shop, sample_file([f"{order.order_no},9,,,,,"])).get_data(as_text=True))
    text = html.unescape(confirm(shop, preview).get_data(as_text=True))
    assert "確認画面を表示した後に注文が変更されたため、登録していません" in text
    db.expire_all()
    assert order.package.delivery_no == "9"
