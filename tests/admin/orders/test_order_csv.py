"""The order CSV byte by byte: encoding, header, formula safety, the P16 flip and its races."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from admin.common.csv_write import CP932, UTF8_BOM, csv_chunks, neutralise
from admin.orders import order_csv
from admin.orders.order_csv import HEADER, shipping_instruction_csv
from admin.orders.search import OrderSearch
from ktaishop.extensions import db as _db
from models import Order, OrderEvent, OrderStatus, Variant, now

from .support import add_product, csrf_token_from, place, read_csv


@pytest.mark.parametrize(("cell", "safe"), [
    ("=HYPERLINK(\"http://evil.example\",\"x\")", "'=HYPERLINK(\"http://evil.example\",\"x\")"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("@SUM(1+1)", "'@SUM(1+1)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("-", "'-"),
    ("090-4718-9729", "090-4718-9729"),  # a phone number as typed
    ("+81-90-4718-9729", "+81-90-4718-9729"),  # an international one
    ("-1500", "-1500"),  # a negative amount
    ("-1,500", "-1,500"),
    ("小林 =亮子", "小林 =亮子"),  # = not at the start
    ("", ""),
])
def test_formula_cells_are_neutralised_and_plain_numbers_left_alone(cell, safe):
    assert neutralise(cell) == safe


def test_cp932_keeps_extension_characters_and_marks_the_rest():
    data = b"".join(csv_chunks(["name"], [["① 髙 ～ 﨑"], ["♥ 𠮷 —"]], CP932))
    assert data.decode("cp932") == "name\r\n① 髙 ～ 﨑\r\n〓 〓 ―\r\n"


def test_utf8_option_has_one_bom_and_keeps_everything():
    rows = [["♥ 𠮷"]] * 1200  # several chunks: the BOM only at the very start
    data = b"".join(csv_chunks(["name"], rows, UTF8_BOM, rows_per_chunk=100))
    assert data.startswith(b"\xef\xbb\xbfname\r\n") and data.count(b"\xef\xbb\xbf") == 1
    assert data.decode("utf-8-sig").splitlines()[1:] == ["♥ 𠮷"] * 1200


def test_search_download_is_cp932_crlf_with_the_stable_header(admin_client, small_shop, db):
    response = admin_client.get("/admin/orders/download")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=Shift_JIS"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{now():%Y%m%d}_orders_search.csv"')
    data = response.data
    assert data.startswith(b"order_no,order_datetime,status,purchaser_name,")
    rows = read_csv(data)
    assert data.endswith(b"\r\n") and data.count(b"\r\n") == len(rows) + 1  # CRLF records
    assert b"\r" not in data.replace(b"\r\n", b"")  # in-cell breaks are LF, as Excel's
    assert list(rows[0]) == list(HEADER) and "delivery_no" not in HEADER
    not_cancelled = db.scalar(select(func.count()).select_from(Order)
                              .where(Order.status != OrderStatus.CANCELLED))
    assert len(rows) == not_cancelled == 6
    newest = db.scalar(select(Order).where(Order.status != OrderStatus.CANCELLED)
                       .order_by(Order.ordered_at.desc()).limit(1))
    assert rows[0]["order_no"] == newest.order_no
    assert rows[0]["order_datetime"] == f"{newest.ordered_at:%Y-%m-%d %H:%M:%S}"
    assert rows[0]["total"] == str(newest.total)


def test_a_shoppers_text_round_trips_and_formulas_are_inert(admin_client, db):
    variant = add_product(db, code="goods-①", name="髙島屋コラボＴシャツ～限定～")
    order = place(db, variant, quantity=2, name="髙橋 ①子", tel="+81-90-4718-9729",
                  address="東京都～渋谷区 1-2\n2階", note="=HYPERLINK(\"http://evil\")")
    order.update_memo("@SUM(1+1)", "tester")
    db.commit()
    rows = read_csv(admin_client.get("/admin/orders/download").data)
    assert len(rows) == 1
    row = rows[0]
    assert row["purchaser_name"] == "髙橋 ①子"
    assert row["purchaser_address"] == "東京都～渋谷区 1-2\n2階"
    assert row["purchaser_tel"] == "+81-90-4718-9729"
    assert row["note"] == "'=HYPERLINK(\"http://evil\")"
    assert row["memo"] == "'@SUM(1+1)"
    assert row["items"] == "goods-① 髙島屋コラボＴシャツ～限定～ (サイズ:M) 1000 x 2"
    assert row["item_quantity"] == "2" and row["subtotal"] == "2000"
    assert row["payment_method"] == "代引き" and row["status"] == "注文完了"
    utf8 = admin_client.get("/admin/orders/download?encoding=utf-8-sig")
    assert utf8.headers["Content-Type"] == "text/csv; charset=UTF-8"
    assert read_csv(utf8.data, "utf-8-sig") == rows


def test_search_download_holds_the_search_and_changes_nothing(admin_client, small_shop, db):
    before = dict(db.execute(select(Order.order_no, Order.status)).all())
    rows = read_csv(admin_client.get("/admin/orders/download?status=instructed").data)
    assert {r["status"] for r in rows} == {"出荷指示"}
    assert len(rows) == sum(1 for s in before.values() if s == OrderStatus.INSTRUCTED)
    db.expire_all()
    assert dict(db.execute(select(Order.order_no, Order.status)).all()) == before


def post_instruct_download(client, encoding="cp932"):
    token = csrf_token_from(client.get("/admin/orders").get_data(as_text=True))
    return client.post("/admin/orders/instruct-download",
                       data={"csrf_token": token, "encoding": encoding})


def test_instruct_download_exports_exactly_the_completed_orders_and_flips_them(
        admin_client, small_shop, db):
    completed = set(db.scalars(select(Order.order_no)
                               .where(Order.status == OrderStatus.COMPLETED)))
    assert len(completed) == 3
    response = post_instruct_download(admin_client)
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{now():%Y%m%d}_orders.csv"')
    rows = read_csv(response.data)
    assert {r["order_no"] for r in rows} == completed and len(rows) == 3
    assert {r["status"] for r in rows} == {"出荷指示"}  # the file says what they are now
    db.expire_all()
    for order_no in completed:
        order = db.scalar(select(Order).where(Order.order_no == order_no))
        assert order.status == OrderStatus.INSTRUCTED and order.instructed_by_download
        assert order.events[-1].actor == "tester"
        assert "注文情報ダウンロード" in order.events[-1].action
    again = post_instruct_download(admin_client)  # the same day, nothing new since
    assert again.status_code == 302 and again.headers["Location"].endswith("/admin/orders")
    page = admin_client.get("/admin/orders").get_data(as_text=True)
    assert "「注文完了」の注文はありません" in page and "何も変更していません" in page


def test_instruct_download_needs_the_csrf_token(admin_client, small_shop, db):
    response = admin_client.post("/admin/orders/instruct-download", data={"encoding": "cp932"})
    assert response.status_code == 400
    assert db.scalar(select(func.count()).select_from(Order)
                     .where(Order.status == OrderStatus.COMPLETED)) == 3


def test_a_download_broken_off_changes_nothing(app, db, monkeypatch):
    monkeypatch.setattr(order_csv, "CHUNK", 2)
    variant = add_product(db, stock=100)
    for _ in range(7):
        place(db, variant)
    db.commit()
    chunks = shipping_instruction_csv(_db.engine, "tester", CP932)
    first = next(chunks)
    assert first.startswith(b"order_no,")
    chunks.close()  # the browser went away mid-download
    db.expire_all()
    statuses = set(db.scalars(select(Order.status)))
    assert statuses == {OrderStatus.COMPLETED}


def _exported_numbers(app, results, barrier):
    with app.app_context():
        barrier.wait()
        data = b"".join(shipping_instruction_csv(_db.engine, "admin-race", CP932))
        results.append([row["order_no"] for row in read_csv(data)])


def test_two_admins_at_once_never_export_an_order_twice_or_lose_one(app, db, monkeypatch):
    monkeypatch.setattr(order_csv, "CHUNK", 5)  # many chunks: the race window is wide
    variant = add_product(db, stock=10_000)
    exported: list[str] = []
    for round_no in range(3):
        for _ in range(40):
            place(db, variant, quantity=1)
        db.commit()
        waiting = set(db.scalars(select(Order.order_no)
                                 .where(Order.status == OrderStatus.COMPLETED)))
        db.rollback()  # end the test's read: on SQLite it holds the write lock
        results: list[list[str]] = []
        barrier = threading.Barrier(3)
        threads = [threading.Thread(target=_exported_numbers, args=(app, results, barrier))
                   for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert len(results) == 3, f"round {round_no}: a download failed"
        numbers = [n for result in results for n in result]
        assert len(numbers) == len(set(numbers)), "an order was exported twice"
        assert set(numbers) == waiting, "an order was lost"
        exported.extend(numbers)
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Order)
                     .where(Order.status == OrderStatus.INSTRUCTED)) == len(exported) == 120
    flips = db.scalar(select(func.count()).select_from(OrderEvent)
                      .where(OrderEvent.action.contains("注文情報ダウンロード")))
    assert flips == 120
    assert db.get(Variant, variant.id).stock == 10_000 - 120


def test_delivery_date_is_written_as_iso_date(admin_client, db):
    order = place(db, add_product(db))
    order.delivery_date = date(2008, 10, 23)
    db.commit()
    assert read_csv(admin_client.get("/admin/orders/download").data)[0]["delivery_date"] == (
        "2008-10-23")


def test_a_long_search_download_keeps_no_checkout_waiting(app, db, monkeypatch):
    monkeypatch.setattr(order_csv, "CHUNK", 2)
    variant = add_product(db, stock=100)
    for _ in range(6):
        place(db, variant)
    db.commit()
    chunks = order_csv.search_csv(_db.engine, OrderSearch.from_args(MultiDict()), CP932)
    first = next(chunks)  # the download is under way, its read still open
    done = threading.Event()

    def checkout() -> None:
        with app.app_context():
            place(_db.session, _db.session.get(Variant, variant.id))
            _db.session.commit()
            done.set()

    thread = threading.Thread(target=checkout)
    thread.start()
    thread.join(10)
    assert done.is_set(), "a checkout waited for the download"
    rows = read_csv(first + b"".join(chunks))
    assert len(rows) == 6  # the file is the snapshot the download started from


def test_search_download_takes_quotes_in_a_keyword_as_text(admin_client, db):
    variant = add_product(db)
    place(db, variant, name="O'Brien 'x'; DROP TABLE orders; --")
    place(db, variant, name="別の人")
    db.commit()
    rows = read_csv(admin_client.get(
        "/admin/orders/download?keyword=%27x%27%3B+DROP").data)
    assert [r["purchaser_name"] for r in rows] == ["O'Brien 'x'; DROP TABLE orders; --"]
    assert len(read_csv(admin_client.get("/admin/orders/download").data)) == 2


def test_a_search_download_broken_off_leaves_the_database_usable(app, db, monkeypatch):
    monkeypatch.setattr(order_csv, "CHUNK", 2)
    variant = add_product(db, stock=100)
    for _ in range(5):
        place(db, variant)
    db.commit()
    for _ in range(3):  # more times than the pool has idle connections to spare
        chunks = order_csv.search_csv(_db.engine, OrderSearch.from_args(MultiDict()), CP932)
        next(chunks)
        chunks.close()
    place(db, variant)
    db.commit()
    everything = order_csv.search_csv(_db.engine, OrderSearch.from_args(MultiDict()), CP932)
    assert len(read_csv(b"".join(everything))) == 6
