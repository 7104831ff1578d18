"""Products keep a folded search text for the storefront's search (and a trigram index)

``products.search_text`` holds name, code and description folded as
``models.search.searchable_text`` folds them; the ORM rewrites it whenever a product is
saved. Existing products are filled in here.

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-06 04:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.search import searchable_text

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None

products = sa.table(
    "products",
    sa.column("id", sa.Integer), sa.column("code", sa.String), sa.column("name", sa.String),
    sa.column("description", sa.Text), sa.column("search_text", sa.Text),
)


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
    bind = op.get_bind()
    rows = bind.execute(sa.select(products.c.id, products.c.name, products.c.code,
                                  products.c.description)).all()
    for row in rows:
        bind.execute(
            products.update().where(products.c.id == row.id).values(
                search_text=searchable_text(row.name or "", row.code or "", row.description or "")
            )
        )
    if bind.dialect.name == "postgresql":
        # pg_trgm is a trusted extension (0004 creates it too); LIKE '%…%' then uses it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_products_search_text_trgm", "products", ["search_text"],
            postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_products_search_text_trgm", table_name="products")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("search_text")
