"""Hole 3 (issue #13): the owner sees the 仮注文 holding stock and releases them.

注文一覧 shows each 仮注文's 確保期限 and a 「在庫の確保を解除」 button, which cancels the
仮注文 the one way every cancellation goes (stock back, a card authorisation voided).
"""

from __future__ import annotations

from lxml import html as lxml_html
from sqlalchemy import select

from models import AuditEntry, Order, OrderStatus, Variant
from tests.factories import make_order
from tests.foundation.card_orders import held_card_order

from .support import csrf_token_from


def release(client, order_id: int):
    page = client.get("/admin/orders?status=provisional").get_data(as_text=True)
    return client.post(f"/admin/orders/{order_id}/release-hold",
                       data={"csrf_token": csrf_token_from(page)}, follow_redirects=True)


def test_holds_are_listed_with_their_expiry_and_released_with_the_card_voided(
        admin_client, db):
    order = held_card_order(db, stock=5, quantity=2)
    variant_id, order_id = order.items[0].variant_id, order.id
    assert db.get(Variant, variant_id).stock == 3

    page = admin_client.get("/admin/orders?status=provisional").get_data(as_text=True)
    row = lxml_html.fromstring(page).xpath(f'//tr[@data-order-no="{order.order_no}"]')[0]
    assert "確保期限" in row.text_content()
    assert row.xpath('.//button[text()="在庫の確保を解除"]')

    done = release(admin_client, order_id).get_data(as_text=True)
    assert "仮注文を取り消し、在庫の確保を解除しました" in done
    db.expire_all()
    released = db.get(Order, order_id)
    assert released.status == OrderStatus.CANCELLED
    assert released.payment_status == "与信取消"
    assert db.get(Variant, variant_id).stock == 5
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "hold_release"))
    assert entry.target == released.order_no and entry.actor == "tester"


def test_only_a_provisional_order_can_be_released(admin_client, db):
    order = make_order(db, OrderStatus.COMPLETED)
    db.commit()
    answer = release(admin_client, order.id).get_data(as_text=True)
    assert "仮注文ではないため、在庫の確保を解除できません" in answer
    db.expire_all()
    assert db.get(Order, order.id).status == OrderStatus.COMPLETED
