"""The ktaishop command: init-db, seed-demo, create-admin; the demo shop's contents."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from models import AdminUser, MailTemplate, Member, Order, Product, Shelf

# Every 注文状態 of the manual appears in the demo, with both payment methods.
STATUSES = {"provisional", "completed", "instructed", "done", "cancelled"}


def test_seed_demo_prints_the_login_and_is_idempotent(runner, db):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "ログインID: admin" in first.output and "パスワード:" in first.output
    counts = [db.scalar(select(func.count()).select_from(m)) for m in (Order, Product, Member)]
    second = runner.invoke(args=["seed-demo"])
    assert "作成済み" in second.output
    assert counts == [db.scalar(select(func.count()).select_from(m))
                      for m in (Order, Product, Member)]


def test_demo_shop_looks_like_the_manual(runner, db):
    runner.invoke(args=["seed-demo"])
    orders = db.scalars(select(Order)).all()
    assert 15 <= len(orders) <= 30
    assert set(Counter(o.status for o in orders)) == STATUSES
    assert {o.payment_method for o in orders} == {"cod", "card"}
    # The manual's 12 products, plus two foods at the reduced 8% rate (消費税 by rate).
    rates = Counter(db.scalars(select(Product.tax_rate)))
    assert rates == {10: 12, 8: 2}
    assert db.scalar(select(func.count()).select_from(Shelf)) >= 3
    sized = db.scalars(select(Product).where(Product.code == "goods000001")).one()
    assert [v.option_text for v in sized.variants] == ["サイズ:S", "サイズ:M", "サイズ:L"]
    assert {t.kind for t in db.scalars(select(MailTemplate))} >= {
        "order_confirmation", "shipping_notice", "general"}


def test_seed_demo_grows_to_benchmark_size(runner, db):
    result = runner.invoke(args=["seed-demo", "--members", "300", "--orders", "2000"])
    assert result.exit_code == 0, result.output
    assert db.scalar(select(func.count()).select_from(Member)) == 300
    assert db.scalar(select(func.count()).select_from(Order)) == 2000
    numbers = db.scalars(select(Order.order_no)).all()
    assert len(set(numbers)) == len(numbers)


def test_create_admin_with_password_and_prompt(runner, db):
    result = runner.invoke(args=["create-admin", "owner", "--password", "s3cret-pass"])
    assert result.exit_code == 0, result.output
    prompted = runner.invoke(args=["create-admin", "clerk"], input="another-pass\nanother-pass\n")
    assert prompted.exit_code == 0, prompted.output
    admins = {a.login: a for a in db.scalars(select(AdminUser))}
    assert admins["owner"].check_password("s3cret-pass")
    assert admins["clerk"].check_password("another-pass")


def test_create_admin_refuses_a_short_password(runner, db):
    result = runner.invoke(args=["create-admin", "owner", "--password", "short"])
    assert result.exit_code != 0 and "8文字以上" in result.output


def test_init_db_migrates(runner):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0 and "最新" in result.output
