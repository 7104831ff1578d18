"""The manual's whole day in Chromium (STEP3–STEP7): download, Excel, upload, notify, 完了."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from ktaishop.mail.worker import deliver_due
from models import Order, OrderStatus


def excel_edit(data: bytes) -> tuple[bytes, dict[str, str]]:
    """What a clerk does in Excel (P18): a ``delivery_no`` column inserted at the left,
    a slip number per row, dates shown as 2008/10/21 14:28, saved as CSV (CP932, CRLF)."""
    rows = list(csv.reader(io.StringIO(data.decode("cp932"), newline="")))
    header, body = rows[0], rows[1:]
    at = header.index("order_datetime")
    slips: dict[str, str] = {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["delivery_no", *header])
    for n, row in enumerate(body):
        stamp = datetime.fromisoformat(row[at])
        row[at] = f"{stamp.year}/{stamp.month}/{stamp.day} {stamp.hour}:{stamp.minute:02d}"
        slips[row[0]] = f"3333-{n:04d}"
        writer.writerow([slips[row[0]], *row])
    return out.getvalue().encode("cp932"), slips


def test_the_manuals_whole_day(demo_shop, admin_page, live_server, smtp_server, tmp_path):
    page, base, app = admin_page, live_server.url, live_server.app
    page.on("dialog", lambda dialog: dialog.accept())  # the manual's OK buttons

    # STEP3 (P16): 注文情報ダウンロード; 注文完了 → 出荷指示.
    page.goto(f"{base}/admin/orders")
    with page.expect_download() as download:
        page.click("#instruct-download button[type=submit]")
    downloaded = Path(download.value.path()).read_bytes()
    # The list reloads by itself to show 出荷指示; let it finish before moving on.
    expect(page.locator(".flash", has_text="ダウンロードしました")).to_be_visible()

    # STEP5 (P18): the CSV edited as a clerk would, in Excel.
    edited, slips = excel_edit(downloaded)
    assert len(slips) == 6  # the demo shop's 注文完了 orders
    upload = tmp_path / "20081021_orders.csv"
    upload.write_bytes(edited)

    # STEP6 (P20): 参照 → 出荷結果登録 → 確定; 出荷待ち → 出荷済 with the slip numbers.
    page.goto(f"{base}/admin/delivery")
    page.set_input_files("#file", str(upload))
    page.click("#upload-submit")
    assert page.inner_text("#count-ship") == "6 件"
    page.click("#confirm-button")
    page.wait_for_url(f"{base}/admin/delivery")
    for order_no, slip in slips.items():
        row = page.locator(f'tr[data-order-no="{order_no}"]')
        assert row.locator("td.slip").inner_text() == slip
        assert row.locator("td.package-status").inner_text() == "出荷済"

    # STEP7 (P22): 出荷通知メール送信 → OK; the mails arrive at the real SMTP server.
    app.config["MAIL_URL"] = smtp_server.url
    page.click("#notice-button")
    assert page.inner_text("#notice-count") == "9"  # 6 just shipped + 3 from the demo
    page.click("#notice-ok")
    assert "9 件の出荷通知メールを送信し" in page.inner_text("#notice-sent")
    assert deliver_due(app) == 0  # nothing left waiting in the outbox: sent exactly once
    mails = smtp_server.wait_for(9)
    assert len(mails) == 9
    with app.app_context():
        from ktaishop.extensions import db

        orders = {o.order_no: o for o in db.session.scalars(
            select(Order).where(Order.order_no.in_(list(slips))))}
        recipients = sorted(r for m in mails for r in m.rcpt_tos)
        for order_no in slips:
            assert orders[order_no].purchaser_email in recipients
            assert orders[order_no].status == OrderStatus.DONE
        db.session.rollback()
    bodies = [m.message.get_body().get_content() for m in mails]
    assert all(any(slip in body for body in bodies) for slip in slips.values())

    # The 出荷結果 buttons are disabled now, and 注文 shows the orders 完了.
    page.goto(f"{base}/admin/delivery")
    for order_no in slips:
        row = page.locator(f'tr[data-order-no="{order_no}"]')
        assert row.locator("td.package-status").inner_text() == "出荷通知済"
        assert row.get_by_role("button", name="出荷結果").is_disabled()
    assert page.locator("#notice-button").is_disabled()
    page.goto(f"{base}/admin/orders?status=done")
    text = page.inner_text("main")
    for order_no in slips:
        assert re.search(re.escape(order_no) + r".*完了", text)
