"""消費税 by rate, インボイス and the 最終確認画面

Products and order lines get a 税率 (every existing one the standard 10%), products an
optional 販売期限; orders keep their tax per rate and the rounding rule they were placed
under; the shop's settings get the default rate, the rounding rule, the 登録番号 and the
words of the 最終確認画面 (引渡時期, 支払時期, 返品特約 in short and its link).

Orders placed before this revision were all at the standard rate, fees included, so
their whole total is 10%対象 and its tax is 割戻し rounded down (the default rule).

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0009"
branch_labels = None
depends_on = None

SETTINGS_TEXT = (
    # (column, length, what the shop says until it words it itself)
    ("delivery_timing", 200, "ご注文確定から3営業日以内に発送"),
    ("payment_timing_cod", 200, "商品お受け取り時に配達員へお支払い"),
    ("payment_timing_card", 200, "ご注文確定時に決済"),
    ("returns_summary", 200, "商品到着後8日以内に限り返品できます（返送料はお客様のご負担）。"),
    ("returns_url", 300, ""),
)
ORDER_FIGURES = ("taxable_8pct", "tax_8pct", "taxable_10pct", "tax_10pct")


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("tax_rate", sa.Integer(), nullable=False, server_default="10"))
        batch_op.add_column(sa.Column("sale_ends_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("order_items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("tax_rate", sa.Integer(), nullable=False, server_default="10"))
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tax_rounding", sa.String(length=10), nullable=False,
                                      server_default="floor"))
        for name in ORDER_FIGURES:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("shop_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("default_tax_rate", sa.Integer(), nullable=False, server_default="10"))
        batch_op.add_column(sa.Column("tax_rounding", sa.String(length=10), nullable=False,
                                      server_default="floor"))
        batch_op.add_column(sa.Column("invoice_number", sa.String(length=14), nullable=False,
                                      server_default=""))
        for name, length, default in SETTINGS_TEXT:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=False,
                                          server_default=default))
    # Totals are never negative, so integer division rounds down on both databases.
    op.execute("UPDATE orders SET taxable_10pct = total, tax_10pct = (total * 10) / 110")


def downgrade() -> None:
    with op.batch_alter_table("shop_settings", schema=None) as batch_op:
        for name, _length, _default in reversed(SETTINGS_TEXT):
            batch_op.drop_column(name)
        batch_op.drop_column("invoice_number")
        batch_op.drop_column("tax_rounding")
        batch_op.drop_column("default_tax_rate")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        for name in reversed(ORDER_FIGURES):
            batch_op.drop_column(name)
        batch_op.drop_column("tax_rounding")
    with op.batch_alter_table("order_items", schema=None) as batch_op:
        batch_op.drop_column("tax_rate")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("sale_ends_at")
        batch_op.drop_column("tax_rate")
