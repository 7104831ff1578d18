"""Page cache (issue #17): the catalog's version and the shared store of rendered pages.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 08:00:00
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    version = op.create_table(
        "catalog_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_version")),
    )
    op.bulk_insert(version, [{"id": 1, "version": int(time.time() * 1000)}])
    op.create_table(
        "cached_pages",
        sa.Column("key_digest", sa.String(length=64), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("valid_until", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key_digest", name=op.f("pk_cached_pages")),
    )
    with op.batch_alter_table("cached_pages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cached_pages_version"), ["version"], unique=False)
        batch_op.create_index(batch_op.f("ix_cached_pages_created_at"), ["created_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cached_pages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cached_pages_created_at"))
        batch_op.drop_index(batch_op.f("ix_cached_pages_version"))
    op.drop_table("cached_pages")
    op.drop_table("catalog_version")
