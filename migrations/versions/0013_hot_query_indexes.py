"""Indexes for the storefront's hot queries (issue #17)

* ``product_shelves (shelf_id, product_id)``: a shelf page finds its products by shelf;
  the primary key leads with the product.
* ``products (priority, id)``: the storefront's order
  (``models.catalog.published_products``), read backwards, so the top page stops after
  its rows instead of sorting every product; ``products (created_at, id)`` likewise for
  its 新着.

Product pages use primary keys and ``ix_variants_product_id``; the search uses the
trigram index (0008); 注文一覧 uses ``ix_orders_status_ordered_at`` and
``ix_orders_ordered_at`` (0001). tests/serving/test_query_plans.py checks all of them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 07:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_product_shelves_shelf_id", "product_shelves", ["shelf_id", "product_id"])
    op.create_index("ix_products_priority_id", "products", ["priority", "id"])
    op.create_index("ix_products_created_at_id", "products", ["created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_products_created_at_id", table_name="products")
    op.drop_index("ix_products_priority_id", table_name="products")
    op.drop_index("ix_product_shelves_shelf_id", table_name="product_shelves")
