"""注文一覧's 一括操作: the 訂正 table for each order, refused ones listed with the reason,
キャンセル settling the money, and a template mail to every ticked order, logged on each."""

from __future__ import annotations

import html

from sqlalchemy import select

from ktaishop.payment import gateway
from models import MailTemplate, Order, OrderStatus, OutboxMessage
from models.order_payment import PAYMENT_DONE, PAYMENT_REFUNDED, PAYMENT_VOIDED
from tests.conftest import csrf_token_from
from tests.factories import add_templates, make_order
from tests.foundation.card_orders import charged_card_order, held_card_order


def bulk(client, ids: list[int], **fields: str) -> str:
    """Tick ``ids`` on 注文一覧 and press 実行; the list page that comes back."""
    page = client.get("/admin/orders").get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(page), "id": [str(i) for i in ids],
            "next": "/admin/orders?status=cancelled&status=completed", **fields}
    response = client.post("/admin/orders/bulk", data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/orders?status=cancelled&status=completed"
    return html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))


def test_status_change_applies_what_the_table_allows_and_lists_the_rest(admin_client, db):
    completed = [make_order(db, OrderStatus.COMPLETED) for _ in range(2)]
    done = make_order(db, OrderStatus.DONE)
    shipped = make_order(db, OrderStatus.INSTRUCTED, shipped=True)
    db.commit()
    ids = [o.id for o in [*completed, done, shipped]]
    page = bulk(admin_client, ids, action="status", status="instructed")
    assert "2件の注文の注文状態を「出荷指示」にしました。" in page
    assert "1件はすでにその状態のため変更していません。" in page
    assert "1件は変更できませんでした（ほかの注文には反映済みです）。" in page
    refused = f"注文番号{done.order_no}: 注文状態を「完了」から「出荷指示」には変更できません。"
    assert refused in page
    db.expire_all()
    assert [o.status for o in completed] == [OrderStatus.INSTRUCTED] * 2
    assert not any(o.instructed_by_download for o in completed)  # the irregular path, as 訂正
    assert done.status == OrderStatus.DONE
    assert "訂正で出荷指示に変更（イレギュラー）" in completed[0].events[-1].action

    page = bulk(admin_client, [shipped.id, completed[0].id], action="status", status="completed")
    assert "1件の注文の注文状態を「注文完了」にしました。" in page
    assert f"注文番号{shipped.order_no}: 出荷済の注文は注文完了に戻せません。" in page


def test_cancel_voids_holds_records_refunds_and_refuses_done_orders(admin_client, app, db):
    held = held_card_order(db)
    charged = charged_card_order(db)
    reference = held.payment_reference
    done = make_order(db, OrderStatus.DONE)
    db.commit()
    page = bulk(admin_client, [held.id, charged.id, done.id], action="cancel")
    assert "2件の注文を取り消しました。" in page
    assert f"注文番号{done.order_no}: 完了した注文は取り消せません。" in page
    db.expire_all()
    assert held.status == charged.status == OrderStatus.CANCELLED
    assert held.payment_status == PAYMENT_VOIDED
    assert reference in gateway().voided  # the authorisation really went back
    # #19: a charged order's cancellation refunds the charge at once.
    assert charged.payment_status == PAYMENT_REFUNDED
    assert gateway().refunded[charged.payment_reference] == charged.paid_amount
    assert "注文状態: 仮注文 → キャンセル（一括取消）" in [e.action for e in held.events]

    # The same through 注文状態を変更 → キャンセル: cancel_orders, so the money follows too.
    again = charged_card_order(db)
    page = bulk(admin_client, [again.id], action="status", status="cancelled")
    assert "1件の注文の注文状態を「キャンセル」にしました。" in page
    db.expire_all()
    assert again.payment_status == PAYMENT_REFUNDED
    assert gateway().refunded[again.payment_reference] == again.paid_amount


def test_mail_queues_the_template_for_each_order_and_logs_it(admin_client, db):
    add_templates(db)
    general = MailTemplate(kind="general", subject="{{order_no}} のお知らせ",
                           mail_from="shop@example.jp", body="{{purchaser_name}} 様")
    db.add(general)
    orders = [make_order(db, OrderStatus.COMPLETED) for _ in range(2)]
    db.commit()
    page = bulk(admin_client, [o.id for o in orders], action="mail", template=str(general.id))
    assert "2件の注文の購入者へ「{{order_no}} のお知らせ」のメールを送ります（送信待ち）。" in page
    queued = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "general")
                        .order_by(OutboxMessage.id)).all()
    assert [m.subject for m in queued] == [f"{o.order_no} のお知らせ" for o in orders]
    assert {m.mail_to for m in queued} == {orders[0].purchaser_email}
    db.expire_all()
    assert orders[0].events[-1].action == f"一括メール送信: {orders[0].order_no} のお知らせ"

    page = bulk(admin_client, [orders[0].id], action="mail", template="999")
    assert "送信するメールのテンプレートを選んでください。" in page


def test_nothing_ticked_or_a_bad_form_changes_nothing(admin_client, db):
    order = make_order(db, OrderStatus.COMPLETED)
    db.commit()
    page = bulk(admin_client, [], action="cancel")
    assert "一括操作する注文にチェックを付けてください。" in page
    page = bulk(admin_client, [order.id], action="status", status="shipped")
    assert "変更後の注文状態を選んでください。" in page
    page = bulk(admin_client, [order.id], action="delete")
    assert "一括操作を選んでください。" in page
    db.expire_all()
    assert db.get(Order, order.id).status == OrderStatus.COMPLETED



def test_completing_a_held_card_order_captures_its_total_first(admin_client, db):
    """注文状態を変更 → 注文完了 follows 訂正: a guest's authorised card is charged."""
    held = held_card_order(db)
    page = bulk(admin_client, [held.id], action="status", status="completed")
    assert "1件の注文の注文状態を「注文完了」にしました。" in page
    db.expire_all()
    assert held.status == OrderStatus.COMPLETED and held.payment_status == PAYMENT_DONE
    assert gateway().captured[held.payment_reference] == held.total
