"""配送 as an owner found it: the upload preview's 配送日, a list that does not wrap, the
配送業者 of each parcel and the tracking link in the 出荷通知 mail."""

from __future__ import annotations

import html
import re
from email.headerregistry import Address

from models import OrderStatus, PackageStatus, ShopSettings, now
from tests.admin.conftest import form_token
from tests.admin.settings.test_settings import settings_data
from tests.conftest import csrf_token_from

from .conftest import confirm, orders_in, upload, waiting_instructed

HEADER = "order_no,delivery_no,delivery_date,delivery_company\r\n"


def preview_rows(page: str) -> dict[str, list[str]]:
    """The preview table: order number → its cells."""
    rows = {}
    for tr in re.findall(r"<tr><td class=\"num\">.*?</tr>", page, re.S):
        cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                 for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        rows[cells[1]] = cells
    return rows


def test_preview_shows_the_date_each_row_will_get_and_its_company(shop, db):
    first, second = waiting_instructed(db)[:2]
    data = (HEADER + f"{first.order_no},1111-2222-3333,2026/11/20 14:28,佐川急便\r\n"
            f"{second.order_no},4444-5555-6666,,ゆうパック\r\n").encode("cp932")
    page = upload(shop, data).get_data(as_text=True)
    assert "登録日時" not in page
    rows = preview_rows(page)
    assert rows[first.order_no][4:6] == ["佐川急便", "2026-11-20 14:28:00"]
    assert rows[second.order_no][4] == "日本郵便"
    # No date in the file: the moment it is registered, shown as a date and said so.
    assert re.match(rf"{now():%Y-%m-%d} \d\d:\d\d:\d\d（ファイルに配送日がないため登録する日時）",
                    rows[second.order_no][5])
    assert confirm(shop, page).status_code == 302
    db.expire_all()
    assert (first.package.delivery_company, second.package.delivery_company) == (
        "sagawa", "japanpost")
    assert f"{first.package.delivery_date:%Y-%m-%d %H:%M}" == "2026-11-20 14:28"


def test_an_unknown_company_is_a_line_error_and_changes_nothing(shop, db):
    order = waiting_instructed(db)[0]
    data = (HEADER + f"{order.order_no},1111-2222-3333,,黒猫便\r\n").encode("utf-8")
    page = html.unescape(upload(shop, data).get_data(as_text=True))
    assert "2行目: 配送業者「黒猫便」はわかりません（ヤマト運輸、佐川急便、日本郵便、その他" in page
    db.expire_all()
    assert order.package.status == PackageStatus.WAITING and order.package.delivery_company == ""


def test_shipping_notice_links_to_the_parcel_from_the_shop_by_name(shop, db, app, smtp_server):
    app.config["MAIL_URL"] = smtp_server.url
    settings = ShopSettings.load(db)
    settings.sender_name = "LK EC SHOP"
    db.commit()
    order = waiting_instructed(db)[0]
    form = shop.get(f"/admin/delivery/{order.id}/shipment").get_data(as_text=True)
    assert "配送業者" in form and ">ヤマト運輸</option>" in form
    shop.post(f"/admin/delivery/{order.id}/shipment", data={
        "csrf_token": csrf_token_from(form), "delivery_no": "1234-5678-9999",
        "delivery_company": "yamato", "delivery_date": ""})
    db.expire_all()
    assert order.package.delivery_company == "yamato"
    listing = shop.get("/admin/delivery").get_data(as_text=True)
    row = listing.split(f'data-order-no="{order.order_no}"')[1].split("</tr>")[0]
    assert '<td class="company">ヤマト運輸</td>' in row
    notified = [o for o in orders_in(db, OrderStatus.INSTRUCTED)
                if o.package.status == PackageStatus.SHIPPED]
    unknown = next(o for o in notified if o.id != order.id)
    unknown.package.delivery_company = ""  # registered before there was a choice
    db.commit()
    page = shop.get("/admin/delivery/notice").get_data(as_text=True)
    shop.post("/admin/delivery/notice", data={"csrf_token": csrf_token_from(page)})
    mails = smtp_server.wait_for(len(notified))
    mail = next(m for m in mails if order.order_no in m.message.get_body().get_content())
    body = mail.message.get_body().get_content()
    assert "■配送業者：ヤマト運輸" in body
    assert ("https://jizen.kuronekoyamato.co.jp/jizen/servlet/crjz.b.NQ0010?id=123456789999"
            in body)
    sender = mail.message["From"].addresses[0]
    assert sender == Address("LK EC SHOP", addr_spec="shop@ktaishop.example")
    assert mail.mail_from == "shop@ktaishop.example"  # the envelope stays the bare address
    # Each parcel links to its own company's page; one without a company gets no link.
    texts = {o.order_no: next(m.message.get_body().get_content() for m in mails
                              if o.order_no in m.message.get_body().get_content())
             for o in notified}
    assert "https://" not in texts[unknown.order_no]
    assert "■配送業者：\n" in texts[unknown.order_no].replace("\r\n", "\n")
    assert any("okurijoNo=" in t or "reqCodeNo1=" in t for t in texts.values())


def test_sender_name_and_tracking_urls_are_set_in_settings(admin_client, db):
    page = admin_client.get("/admin/settings").get_data(as_text=True)
    assert "配送業者の追跡URL" in page and "送信者名" in page
    assert "okurijoNo={delivery_no}" in html.unescape(page)  # today's public pages by default
    token = form_token(admin_client, "/admin/settings")
    own = "https://track.example.jp/?no={delivery_no}"
    bad = settings_data(token, sender_name="LK <SHOP>", tracking_sagawa="track.example.jp/")
    page = html.unescape(admin_client.post("/admin/settings", data=bad).get_data(as_text=True))
    assert "送信者名に \" < > \\ は使えません。" in page
    assert "佐川急便の確認URLは https:// で始まるURLにしてください。" in page
    good = settings_data(token, sender_name="LK EC SHOP", tracking_yamato=own,
                         tracking_sagawa="", tracking_japanpost="https://jp.example/{delivery_no}")
    assert admin_client.post("/admin/settings", data=good).status_code == 302
    db.expire_all()
    settings = ShopSettings.load(db)
    assert settings.sender_name == "LK EC SHOP"
    assert settings.tracking_urls == {"yamato": own, "sagawa": "",
                                      "japanpost": "https://jp.example/{delivery_no}",
                                      "other": ""}
    assert settings.sender("a@shop.example") == '"LK EC SHOP" <a@shop.example>'
