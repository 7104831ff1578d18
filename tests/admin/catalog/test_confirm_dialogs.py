"""Confirm dialogs read their question as text: a name full of quotes stays a name."""

from __future__ import annotations

from sqlalchemy import select

from models import Product, Variant

NAME = "');alert('xss');('"


def test_delete_dialog_shows_a_hostile_name_and_runs_nothing(admin_page, live_server, db):
    db.add(Product(code="evil", name=NAME, price=100, variants=[Variant(stock=1)]))
    db.commit()
    seen: list[str] = []

    def answer(dialog):
        seen.append(dialog.message)
        dialog.dismiss()  # キャンセル: nothing is deleted

    admin_page.on("dialog", answer)
    admin_page.goto(f"{live_server.url}/admin/products")
    admin_page.click("form[data-confirm] button[type=submit]")
    admin_page.wait_for_timeout(300)
    assert seen == [f"商品「{NAME}」を削除します。よろしいですか？"]
    db.expire_all()
    assert db.get(Product, db.scalar(select(Product.id))).name == NAME
