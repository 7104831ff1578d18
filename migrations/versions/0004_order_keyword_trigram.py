"""Trigram indexes for 注文一覧's キーワード search (PostgreSQL only)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 03:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# models.orders.KEYWORD_COLUMNS as of this revision.
COLUMNS = (
    "order_no", "purchaser_name", "purchaser_kana", "purchaser_address", "purchaser_email",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite scans: a substring search there needs no index
    # pg_trgm is a trusted extension: a database owner may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        op.create_index(
            f"ix_orders_{column}_trgm", "orders", [column],
            postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"},
        )
    # A phone number is searched without its hyphens (admin.orders.search).
    op.execute(
        "CREATE INDEX ix_orders_tel_digits_trgm ON orders"
        " USING gin ((replace(purchaser_tel, '-', '')) gin_trgm_ops)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_orders_tel_digits_trgm", table_name="orders")
    for column in COLUMNS:
        op.drop_index(f"ix_orders_{column}_trgm", table_name="orders")
