"""Keitai thumbs press twice: one order per checkout, one confirmation per link."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from ktaishop.extensions import db
from models import MailKind, Order, OrderStatus, OutboxMessage, Variant, now

from .flows import to_confirmation
from .shop import DOCOMO_UA, IPHONE_UA, Shopper, deliver_mail, mail_text, seed_shop, url_in


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_double_submit_and_reload_make_one_order(app):
    catalog = seed_shop(app)
    phone = Shopper(app, DOCOMO_UA)
    confirm = to_confirmation(phone, catalog.plain_id, catalog.plain_variant_id)
    first = phone.submit(confirm, {}, action_contains="/checkout/place", follow=False)
    second = phone.submit(confirm, {}, action_contains="/checkout/place", follow=False)
    assert first.status == second.status == 302
    done = phone.get(second.location)
    assert "仮注文を受け付けました" in done.text
    assert "仮注文を受け付けました" in phone.get(first.location).text  # reload
    with app.app_context():
        assert count(Order) == 1
        assert db.session.get(Variant, catalog.plain_variant_id).stock == 9
        order = db.session.scalar(select(Order))
        assert order.order_no in done.text


def test_parallel_double_submit_makes_one_order(app):
    catalog = seed_shop(app)
    phone = Shopper(app, IPHONE_UA, cookies=True)
    confirm = to_confirmation(phone, catalog.plain_id, catalog.plain_variant_id)
    results: list[int] = []

    def press() -> None:
        results.append(phone.submit(confirm, {}, action_contains="/checkout/place",
                                    follow=False).status)

    threads = [threading.Thread(target=press) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert results == [302] * 4
    with app.app_context():
        assert count(Order) == 1
        assert db.session.get(Variant, catalog.plain_variant_id).stock == 9


def _guest_order_link(app, smtp_server) -> tuple[str, Shopper]:
    catalog = seed_shop(app)
    app.config["MAIL_URL"] = smtp_server.url
    phone = Shopper(app, DOCOMO_UA)
    confirm = to_confirmation(phone, catalog.plain_id, catalog.plain_variant_id)
    phone.submit(confirm, {}, action_contains="/checkout/place")
    mails = deliver_mail(app, smtp_server, 1)
    return url_in(mail_text(mails[0]), "/order/confirm/"), phone


def test_parallel_confirmation_makes_one_order_and_one_mail(app, smtp_server):
    link, _ = _guest_order_link(app, smtp_server)
    phones = [Shopper(app, DOCOMO_UA) for _ in range(5)]
    pages = [phone.get(link) for phone in phones]  # all opened before anyone confirms
    assert all("注文を確定する" in page.text for page in pages)
    answers: list[str] = []

    def confirm(phone: Shopper, page) -> None:
        answers.append(phone.submit(page, {}).text)

    pairs = zip(phones, pages, strict=True)
    threads = [threading.Thread(target=confirm, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum("注文完了" in a and "注文番号" in a for a in answers) == 1
    assert sum("使用済み" in a for a in answers) == 4
    with app.app_context():
        assert db.session.scalar(select(Order)).status == OrderStatus.COMPLETED
        assert count(OutboxMessage, OutboxMessage.kind == MailKind.ORDER_CONFIRMATION) == 1
    mails = deliver_mail(app, smtp_server, 2)
    assert len(mails) == 2


def test_expired_link_explains_and_the_job_releases_stock(app, smtp_server, runner):
    link, phone = _guest_order_link(app, smtp_server)
    with app.app_context():
        order = db.session.scalar(select(Order))
        order.confirm_expires_at = now() - timedelta(minutes=1)
        db.session.commit()
    page = phone.get(link)
    assert "有効期限切れ" in page.text and "もう一度ご注文ください" in page.text
    assert "注文を確定する" not in page.text
    with app.app_context():  # the periodic job, as cron or the worker runs it
        result = runner.invoke(args=["expire-orders"])
    assert "1 件" in result.output
    with app.app_context():
        order = db.session.scalar(select(Order))
        assert order.status == OrderStatus.CANCELLED
        assert db.session.get(Variant, order.items[0].variant_id).stock == 10
    after_job = phone.get(link)
    assert "有効期限切れ" in after_job.text and "もう一度ご注文ください" in after_job.text


def test_an_older_confirmation_page_cannot_order_a_changed_cart(app):
    catalog = seed_shop(app)
    phone = Shopper(app, IPHONE_UA, cookies=True)
    old_confirm = to_confirmation(phone, catalog.plain_id, catalog.plain_variant_id)
    product = phone.get(f"/product/{catalog.product_id}")
    phone.submit(product, {"variant_id": str(catalog.variant_id), "quantity": "1"},
                 action_contains="/cart/add")
    page = phone.submit(old_confirm, {}, action_contains="/checkout/place")
    assert "画面が古くなっています" in page.text and "白Tシャツ" in page.text
    with app.app_context():
        assert count(Order) == 0
    done = phone.submit(page, {}, action_contains="/checkout/place")
    assert "仮注文を受け付けました" in done.text
