"""消費税 by rate: the rule (割戻し, once per rate per order), orders keeping their figures
through 訂正 and later changes, the sum over orders, the 登録番号 check digit, and the
migration that gives existing products and lines the standard rate."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text

from ktaishop.migrate import upgrade
from models import (
    CartLine,
    CheckoutDetails,
    DomainError,
    Order,
    PaymentMethod,
    Person,
    Product,
    Rounding,
    ShopSettings,
    TaxRate,
    Variant,
    now,
    place_order,
    summarize,
    tax_totals,
)
from models.tax import (
    registration_number_check_digit,
    registration_number_error,
    tax_included_in,
)
from tests.conftest import DATABASES, create_pg_database, drop_pg_database


def test_ec_cube_published_example():
    """1,080円 (8%), 108円 (8%), 1,100円 (10%): 8%対象 1,188円 (88円), 10%対象 1,100円 (100円)."""
    summary = summarize([(8, 1080), (8, 108), (10, 1100)], 0, Rounding.FLOOR)
    assert (summary.reduced.amount, summary.reduced.tax) == (1188, 88)
    assert (summary.standard.amount, summary.standard.tax) == (1100, 100)
    assert summary.text() == ("8%対象 1,188円（うち消費税 88円）\n"
                              "10%対象 1,100円（うち消費税 100円）\n"
                              "※は軽減税率対象商品です")


def test_rounded_once_per_rate_never_per_line():
    """Three 8% lines of 105円: per line each tax is 7.77 → 7 (21 in all); once per rate
    315 × 8 ÷ 108 = 23.33 → 23."""
    summary = summarize([(8, 105), (8, 105), (8, 105)], 0, Rounding.FLOOR)
    assert summary.reduced.tax == 23
    assert summary.standard.amount == 0 and summary.rates == [summary.reduced]


@pytest.mark.parametrize(("rounding", "taxes"), [
    # 1,017円 at 10%: 92.45…; 1,018円: 92.54…; 1,012円: exactly 92.
    (Rounding.FLOOR, (92, 92, 92)),
    (Rounding.HALF_UP, (92, 93, 92)),
    (Rounding.CEIL, (93, 93, 92)),
])
def test_rounding_rules(rounding, taxes):
    assert tuple(tax_included_in(amount, 10, rounding) for amount in (1017, 1018, 1012)) == taxes


def test_fees_count_at_the_standard_rate_in_a_mixed_cart():
    """Food 540円 × 2 (8%), a mug 1,200円 (10%), 配送料 800円 + 代引き手数料 315円."""
    summary = summarize([(8, 1080), (10, 1200)], 800 + 315, Rounding.FLOOR)
    assert (summary.reduced.amount, summary.reduced.tax) == (1080, 80)
    assert (summary.standard.amount, summary.standard.tax) == (2315, 210)  # 210.45…
    assert summary.tax == 290


def test_only_the_two_legal_rates():
    with pytest.raises(ValueError):
        summarize([(5, 1000)], 0, Rounding.FLOOR)


def test_registration_number_check_digit():
    # 国税庁's own 法人番号 is 7000012050002.
    assert registration_number_check_digit("000012050002") == 7
    assert registration_number_error("T7000012050002") is None
    assert "チェックデジット" in registration_number_error("T8000012050002")
    for bad in ("7000012050002", "T700001205000", "T70000120500021", "t7000012050002", ""):
        assert "「T」と13桁" in registration_number_error(bad), bad


def _shop(db, *, rounding: Rounding = Rounding.FLOOR) -> tuple[Variant, Variant]:
    settings = ShopSettings.load(db)
    settings.tax_rounding = rounding
    settings.shipping_fee, settings.free_shipping_over = 800, None
    food = Product(code="f1", name="緑茶", price=1080, tax_rate=TaxRate.REDUCED,
                   variants=[Variant(stock=10)])
    mug = Product(code="m1", name="マグカップ", price=1100, variants=[Variant(stock=10)])
    db.add_all([food, mug])
    db.flush()
    return food.variants[0], mug.variants[0]


def _order(db, lines, payment=PaymentMethod.CARD) -> Order:
    details = CheckoutDetails(purchaser=Person("山田 太郎", email="taro@docomo.ne.jp"),
                              payment=payment)
    return place_order(db, lines, details, guest=False).order


def test_an_order_keeps_its_rates_and_rounding_when_the_shop_changes_them(db):
    food, mug = _shop(db)
    order = _order(db, [CartLine(food.id, 1), CartLine(mug.id, 1)])
    db.commit()
    # 8%: 1,080 → 80; 10%: 1,100 + 配送料 800 = 1,900 → 172.72… → 172 (切り捨て).
    assert (order.taxable_8pct, order.tax_8pct, order.taxable_10pct, order.tax_10pct) == (
        1080, 80, 1900, 172)
    assert [item.tax_rate for item in order.items] == [8, 10]
    food.product.tax_rate = TaxRate.STANDARD  # the shop reclassifies the product …
    ShopSettings.load(db).tax_rounding = Rounding.CEIL  # … and rounds up from now on
    db.commit()
    db.expire_all()
    order = db.get(Order, order.id)
    assert [item.tax_rate for item in order.items] == [8, 10]
    assert order.tax_summary.reduced.tax == 80 and order.tax_summary.standard.tax == 172
    # 訂正 recomputes by the order's own rates and rule, not the shop's new ones.
    order.recompute_totals(ShopSettings.load(db))
    assert (order.tax_8pct, order.tax_10pct, order.tax_rounding) == (80, 172, "floor")
    # A new order follows the new settings.
    later = _order(db, [CartLine(food.id, 1)])
    assert (later.taxable_8pct, later.taxable_10pct, later.tax_10pct) == (0, 1880, 171)


def test_item_cancel_in_correction_recomputes_the_tax(db):
    food, mug = _shop(db, rounding=Rounding.HALF_UP)
    order = _order(db, [CartLine(food.id, 2), CartLine(mug.id, 1)], PaymentMethod.COD)
    db.commit()
    # 8%: 2,160 → 160; 10%: 1,100 + 配送料 800 + 代引き手数料 315 = 2,215 → 201.36… → 201.
    assert (order.taxable_8pct, order.tax_8pct, order.taxable_10pct, order.tax_10pct) == (
        2160, 160, 2215, 201)
    order.cancel_item(db, order.items[1], "tester")  # the mug goes
    db.commit()
    # 8%: 2,160 + nothing; 10%: the fees alone, 1,115 → 101.36… → 101.
    assert (order.taxable_8pct, order.tax_8pct, order.taxable_10pct, order.tax_10pct) == (
        2160, 160, 1115, 101)
    assert order.total == 2160 + 1115
    order.restore_item(db, order.items[1], "tester")
    assert (order.taxable_10pct, order.tax_10pct) == (2215, 201)


def test_tax_totals_sum_what_each_order_states(db):
    food, mug = _shop(db)
    first = _order(db, [CartLine(food.id, 1)])
    second = _order(db, [CartLine(food.id, 1), CartLine(mug.id, 2)])
    db.commit()
    totals = tax_totals(db)
    assert totals.reduced.amount == first.taxable_8pct + second.taxable_8pct == 2160
    assert totals.reduced.tax == first.tax_8pct + second.tax_8pct == 160
    assert totals.standard.tax == first.tax_10pct + second.tax_10pct
    only_first = tax_totals(db, Order.id == first.id)
    assert only_first.standard.amount == first.taxable_10pct
    assert tax_totals(db, Order.id == -1).tax == 0


def test_a_product_past_its_sale_end_cannot_be_ordered(db):
    food, _ = _shop(db)
    food.product.sale_ends_at = now() - timedelta(minutes=1)
    db.flush()
    with pytest.raises(DomainError, match="「緑茶」は販売期限を過ぎたため"):
        _order(db, [CartLine(food.id, 1)])


@pytest.fixture(params=DATABASES)
def old_database(request, tmp_path):
    """An empty database of either kind, migrated by each test itself."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    base = os.environ["KTAISHOP_TEST_DATABASE_URL"]
    url, name = create_pg_database(base, "ktaishop_migration")
    try:
        yield url
    finally:
        drop_pg_database(base, name)


def test_migration_gives_existing_rows_the_standard_rate(old_database):
    url = old_database
    upgrade(url, "0005")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO products (id, code, name, price, priority, description, stock_display,"
            " option_axes, published, deleted, created_at) VALUES (1, 'p1', '商品', 1000, 0, '',"
            " 'show', '[]', TRUE, FALSE, '2025-01-01 10:00:00')"))
        conn.execute(text(
            "INSERT INTO orders (id, order_no, ordered_at, status, carrier, purchaser_name,"
            " purchaser_kana, purchaser_tel, purchaser_email, purchaser_zip, purchaser_address,"
            " recipient_name, recipient_kana, recipient_tel, recipient_zip, recipient_address,"
            " delivery_time, wrapping, note, subtotal, cod_fee, shipping_fee, wrapping_fee,"
            " total, memo, instructed_by_download, payment_method, payment_status,"
            " payment_reference) VALUES (1, '20250101_0000000001', '2025-01-01 10:00:00',"
            " 'completed', 'pc', '山田', '', '', 'a@example.com', '', '', '山田', '', '', '', '',"
            " '', '', '', 1000, 315, 800, 0, 2115, '', FALSE, 'cod', '未決済', '')"))
        conn.execute(text(
            "INSERT INTO order_items (id, order_id, product_id, code, name, option_text,"
            " unit_price, quantity, cancelled) VALUES (1, 1, 1, 'p1', '商品', '', 1000, 1, FALSE)"))
    upgrade(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT tax_rate FROM products")).scalar() == 10
        assert conn.execute(text("SELECT tax_rate FROM order_items")).scalar() == 10
        row = conn.execute(text("SELECT tax_rounding, taxable_8pct, tax_8pct, taxable_10pct,"
                                " tax_10pct FROM orders")).one()
        # 2,115 × 10 ÷ 110 = 192.27… → 192
        assert tuple(row) == ("floor", 0, 0, 2115, 192)
    engine.dispose()
