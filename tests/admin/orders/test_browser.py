"""An admin's walk through P7–P17 and P28 in Chromium, on the demo shop, dialogs included."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from ktaishop.extensions import db as _db
from models import Order, OrderStatus, now

CONFIRM_DOWNLOAD = (
    "「注文完了」の注文データのみをダウンロードします。状態が「出荷指示」になります。")


@pytest.fixture
def shop(demo_shop, live_server):
    """Order numbers of the demo shop by status, read before the browser starts."""
    with demo_shop.app_context():
        rows = _db.session.execute(select(Order.order_no, Order.status)
                                   .order_by(Order.ordered_at.desc())).all()
    by_status: dict[str, list[str]] = {}
    for order_no, status in rows:
        by_status.setdefault(status, []).append(order_no)
    return by_status


def row(page, order_no):
    return page.locator(f'tr[data-order-no="{order_no}"]')


def csv_rows(download) -> list[dict[str, str]]:
    with open(download.path(), "rb") as file:
        return list(csv.DictReader(io.StringIO(file.read().decode("cp932"), newline="")))


def answer_dialogs(page, accept: bool) -> list[str]:
    seen: list[str] = []

    def handle(dialog):
        seen.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", handle)
    return seen


def test_an_admin_walks_p7_to_p17_and_p28(admin_page, live_server, shop):
    """One walk (the demo seed and the login are the slow part): list, search, 詳細,
    訂正, 取消, then メール送信, both downloads and 納品書."""
    completed_target, cancelled = walk_list_detail_correct_cancel(admin_page, live_server, shop)
    walk_mail_downloads_invoices(admin_page, live_server, shop, completed_target, cancelled)


def walk_list_detail_correct_cancel(page, live_server, shop) -> tuple[str, str]:
    """P7, P8, P25, P9, P10, P11; returns (the order 訂正 completed, the one cancelled)."""
    page.click("nav.menu >> text=注文")  # P7
    assert page.locator(".result-count").inner_text() == "検索結果 18件"
    headers = page.locator("table.order-list thead th").all_inner_texts()
    assert headers[1:] == ["注文番号", "注文日", "メモ", "注文状態", "合計金額", "決済方法",
                           "購入者", "アクション"]
    assert page.locator("input[type=date]#date_from").count() == 1

    page.fill("#keyword", "小林")  # P8: keyword and a status box
    page.check("input[name=status][value=completed]")
    page.click("button:has-text('検索')")
    states = page.locator("table.order-list tbody tr td:nth-child(5)").all_inner_texts()
    names = page.locator("table.order-list tbody tr td:nth-child(8)").all_inner_texts()
    assert states and set(states) == {"注文完了"} and set(names) == {"小林 亮子"}

    page.goto(f"{live_server.url}/admin/orders")  # P25: キャンセル only when ticked
    page.check("input[name=status][value=cancelled]")
    page.click("button:has-text('検索')")
    assert page.locator(".result-count").inner_text() == "検索結果 2件"

    target = shop[OrderStatus.INSTRUCTED][0]  # P9 detail, then its mail history
    page.goto(f"{live_server.url}/admin/orders?status=instructed")
    row(page, target).locator("a:has-text('詳細')").click()
    assert page.locator("h1").inner_text() == "注文詳細"
    assert "メール送信履歴" in page.locator("h2").all_inner_texts()
    page.locator("table.mail-history a:has-text('詳細')").first.click()
    assert target in page.inner_text("body") and page.locator(".mail-body").inner_text()
    page.click("text=戻る")

    page.click(".buttons >> text=訂正")  # P10: 出荷指示 → 完了 through the rule
    assert "イレギュラー対応の場合のみ" in page.inner_text("#irregular-note")
    page.select_option("#status", label="完了")
    page.fill("#memo", "お客様より電話あり")
    page.click("button:has-text('訂正')")
    assert "注文を訂正しました。" in page.inner_text("main")
    page.click(".buttons >> text=訂正")
    page.select_option("#status", label="注文完了")  # forbidden: the rule says why
    page.click("button:has-text('訂正')")
    assert "注文状態を「完了」から「注文完了」には変更できません。" in page.inner_text("main")

    victim = shop[OrderStatus.COMPLETED][0]  # P11: the confirm dialog
    page.goto(f"{live_server.url}/admin/orders")
    seen = answer_dialogs(page, accept=False)
    row(page, victim).locator("button:has-text('取消')").click()
    assert seen == [f"注文番号{victim}の注文を取り消してもよろしいですか?"]
    assert row(page, victim).locator("td:nth-child(5)").inner_text() == "注文完了"
    seen = answer_dialogs(page, accept=True)
    row(page, victim).locator("button:has-text('取消')").click()
    page.wait_for_selector(f"text=注文番号{victim}の注文を取り消しました。")
    assert seen and row(page, victim).count() == 0
    assert page.locator(".result-count").inner_text() == "検索結果 17件"
    return target, victim


def walk_mail_downloads_invoices(page, live_server, shop, done_by_hand, cancelled) -> None:
    """P12–P14, P16, P17, P28."""
    target = shop[OrderStatus.COMPLETED][-1]
    page.goto(f"{live_server.url}/admin/orders")
    row(page, target).locator("a:has-text('詳細')").click()
    page.click(".buttons >> text=メール送信")  # P12–P14
    page.select_option("#template", label="汎用メール: ご注文についてのご連絡")
    page.click("button:has-text('読み込み')")
    assert page.input_value("#subject") == "ご注文についてのご連絡"
    assert target in page.input_value("#body")
    page.fill("#subject", "ご注文についてのご連絡（再送）")
    page.fill("#bcc", "boss@example.com")
    page.click("button:has-text('送信')")
    assert "メールを送信しました。" in page.inner_text("main")
    assert "ご注文についてのご連絡（再送）" in page.inner_text("table.mail-history")

    page.goto(f"{live_server.url}/admin/orders")  # P16, first cancelled then accepted
    seen = answer_dialogs(page, accept=False)
    page.click("button:has-text('注文情報ダウンロード')")
    assert seen == [CONFIRM_DOWNLOAD]
    seen = answer_dialogs(page, accept=True)
    with page.expect_download() as info:
        page.click("button:has-text('注文情報ダウンロード')")
    assert seen == [CONFIRM_DOWNLOAD]
    download = info.value
    assert download.suggested_filename == f"{now():%Y%m%d}_orders.csv"
    exported = [r["order_no"] for r in csv_rows(download)]
    assert sorted(exported) == sorted(set(shop[OrderStatus.COMPLETED]) - {cancelled})
    # The list reloads by itself after the download; let it finish before moving on.
    expect(page.locator(".flash", has_text="ダウンロードしました")).to_be_visible()
    page.click("nav.menu >> text=注文")
    assert row(page, target).locator("td:nth-child(5)").inner_text() == "出荷指示"

    page.check("input[name=status][value=instructed]")  # P17: the search, unchanged
    page.click("button:has-text('検索')")
    with page.expect_download() as info:
        page.click("#search-download")
    rows = csv_rows(info.value)
    assert {r["status"] for r in rows} == {"出荷指示"}
    assert {r["order_no"] for r in rows} == (
        set(shop[OrderStatus.INSTRUCTED]) - {done_by_hand}) | set(exported)

    row(page, target).locator("a:has-text('納品書')").click()  # P28
    assert page.locator("h1").inner_text() == "納品書"
    assert target in page.inner_text(".meta")
    page.evaluate("window.print = () => { window.__printed = true; }")
    page.click("#print")
    assert page.evaluate("window.__printed") is True
    page.click("#back")
    page.wait_for_url("**/admin/orders?*")

    page.goto(f"{live_server.url}/admin/orders?status=done")
    for order_no in shop[OrderStatus.DONE]:  # several at once, one per A4 page
        row(page, order_no).locator("input[name=id]").check()
    page.click("#print-invoices")
    assert page.locator("section.sheet").count() == 3
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('.toolbar')).display") == "none"
    breaks = page.evaluate("[...document.querySelectorAll('.sheet')]"
                           ".map(s => getComputedStyle(s).breakAfter)")
    assert breaks == ["page", "page", "auto"]
