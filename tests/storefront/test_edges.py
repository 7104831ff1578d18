"""Edges: confirmation turned off, stale forms, 404s and the session store's expiry."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select

from ktaishop.extensions import db
from ktaishop.keitai_store import DatabaseSessionStore, key_digest
from models import (
    KeitaiSession,
    MailKind,
    MailTemplate,
    Order,
    OrderStatus,
    OutboxMessage,
    ShopSettings,
)
from tests.xhtml_mp import validate_xhtml_mp

from .flows import to_confirmation
from .shop import DOCOMO_UA, Shopper, seed_shop

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_guests_go_straight_to_done_when_the_shop_turns_confirmation_off(app):
    catalog = seed_shop(app)
    with app.app_context():
        ShopSettings.load(db.session).guest_confirmation = False
        db.session.commit()
    phone = Shopper(app, DOCOMO_UA)
    confirm = to_confirmation(phone, catalog.plain_id, catalog.plain_variant_id)
    assert "確認メールをお送りします" not in confirm.text
    done = phone.submit(confirm, {}, action_contains="/checkout/place")
    assert "注文完了" in done.text
    with app.app_context():
        assert db.session.scalar(select(Order)).status == OrderStatus.COMPLETED


def test_stale_form_and_missing_page_are_handset_pages(app):
    catalog = seed_shop(app)
    phone = Shopper(app, DOCOMO_UA)
    page = phone.get(f"/product/{catalog.plain_id}")
    stale = phone.submit(page, {"quantity": "1", "csrf_token": "expired"},
                         action_contains="/cart/add")
    assert stale.status == 400 and "画面の有効期限が切れました" in stale.text
    assert stale.headers["Content-Type"] == "application/xhtml+xml; charset=Shift_JIS"
    missing = phone.get("/product/999999")
    assert missing.status == 404 and "お探しのページは見つかりませんでした" in missing.text
    validate_xhtml_mp(stale.raw)
    validate_xhtml_mp(missing.raw)


def test_database_session_store_keeps_digests_and_expires_idle_sessions(app):
    store = DatabaseSessionStore()
    soon = datetime.now(UTC) + timedelta(minutes=30)
    with app.test_request_context():
        store.save("k" * 43, {"data": {"cart": [[1, 2]]}}, soon)
        assert store.load("k" * 43) == {"data": {"cart": [[1, 2]]}}
        row = db.session.scalar(select(KeitaiSession))
        assert row.key_digest == key_digest("k" * 43) and "k" * 43 not in row.key_digest
        store.save("k" * 43, {"data": {}}, datetime.now(UTC) - timedelta(seconds=1))
        assert store.load("k" * 43) is None
        store.delete("k" * 43)
        assert db.session.scalar(select(KeitaiSession)) is None


def test_guest_gets_the_link_even_without_a_shop_template(app):
    catalog = seed_shop(app)
    with app.app_context():
        db.session.execute(delete(MailTemplate))
        db.session.commit()
    phone = Shopper(app, DOCOMO_UA)
    confirm = to_confirmation(phone, catalog.plain_id, catalog.plain_variant_id)
    phone.submit(confirm, {}, action_contains="/checkout/place")
    with app.app_context():
        mail = db.session.scalar(select(OutboxMessage))
        assert mail.kind == MailKind.GUEST_CONFIRMATION and "/order/confirm/" in mail.body
        order = db.session.scalar(select(Order))
        assert mail.order_id == order.id and order.order_no in mail.body


def test_forms_work_over_https_without_a_referer_but_need_the_token(app):
    catalog = seed_shop(app)
    phone = Shopper(app, DOCOMO_UA)
    page = phone.get(f"/product/{catalog.plain_id}")
    token = CSRF.search(page.text).group(1)
    action = next(a for a in page.forms() if "/cart/add" in a)
    body = phone.client.encode_form({"csrf_token": token, "quantity": "1",
                                     "product_id": str(catalog.plain_id)})
    post = phone.client.client.post(action, data=body, base_url="https://localhost",
                                    headers={"User-Agent": DOCOMO_UA},
                                    content_type="application/x-www-form-urlencoded")
    assert post.status_code == 302 and "/cart" in post.headers["Location"]  # i-mode: no Referer
    forged = phone.client.client.post(action, data=body.replace(b"csrf_token", b"x"),
                                      base_url="https://localhost",
                                      headers={"User-Agent": DOCOMO_UA},
                                      content_type="application/x-www-form-urlencoded")
    assert forged.status_code == 400
