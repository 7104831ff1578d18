"""What shoppers type (name, address, 備考) stays text on every admin 注文 screen."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import MailKind, MailLog, MailTemplate, now

from .support import add_product, place

NAME = "<script>window.__xss=1</script>"
ADDRESS = '"><img src=x onerror="window.__xss=2">'
NOTE = "</textarea><svg onload=window.__xss=3>{{config}}"


@pytest.fixture
def hostile(app, db):
    """An order whose purchaser typed markup everywhere, a template that merges it all,
    and a logged mail that carries it."""
    order = place(db, add_product(db), name=NAME, kana=NAME, address=ADDRESS, note=NOTE,
                  email="xss@docomo.ne.jp")
    template = MailTemplate(kind=MailKind.GENERAL, subject="{{purchaser_name}}様",
                            mail_from="shop@example.jp",
                            body="{{purchaser_name}}\n{{purchaser_address}}\n{{note}}")
    db.add(template)
    db.flush()
    db.add(MailLog(order_id=order.id, sent_at=now(), mail_from="shop@example.jp",
                   mail_to="xss@docomo.ne.jp", subject=NAME, body=f"{ADDRESS}\n{NOTE}"))
    db.commit()
    log_id = db.scalar(select(MailLog.id))
    urls = [
        "/admin/orders", "/admin/orders?keyword=%3Cscript%3E",
        f"/admin/orders/{order.id}", f"/admin/orders/{order.id}/correct",
        f"/admin/orders/{order.id}/mail?template={template.id}",
        f"/admin/orders/{order.id}/mails/{log_id}",
        f"/admin/orders/{order.id}/invoice", f"/admin/orders/invoices?id={order.id}",
    ]
    db.rollback()  # end the read: on SQLite an open transaction holds the write lock
    return urls


def test_markup_is_escaped_in_every_page(admin_client, hostile):
    for url in hostile:
        page = admin_client.get(url).get_data(as_text=True)
        assert "<script>window" not in page and "<img src=x" not in page, url
        assert "<svg onload" not in page, url
        assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page, url


def test_markup_never_runs_in_the_browser(admin_page, live_server, hostile):
    dialogs: list[str] = []
    admin_page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for url in hostile:
        admin_page.goto(live_server.url + url)
        assert admin_page.evaluate("typeof window.__xss") == "undefined", url
        if "/mail?" not in url:  # (the mail form holds it in its fields: below)
            assert NAME in admin_page.inner_text("body"), url  # shown as the text it is
    admin_page.goto(live_server.url + hostile[4])
    assert admin_page.input_value("#subject") == f"{NAME}様"
    body = admin_page.input_value("#body")
    assert body == f"{NAME}\n〒1650027 {ADDRESS}\n{NOTE}"  # merged literally, {{config}} too
    assert dialogs == []
