"""Carrier mail profiles: 標準 (UTF-8, Unicode emoji) or 旧端末向け per carrier

shop_settings.legacy_mail_carriers lists the carriers whose mail still goes in the
3G-era form; outbox.legacy_mail_carriers keeps that choice on each queued mail.

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-06 04:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0005"
branch_labels = None
depends_on = None

# Every mail before this revision went in the carriers' 3G-era form.
_BEFORE = "docomo,au,softbank"


def upgrade() -> None:
    with op.batch_alter_table("shop_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("legacy_mail_carriers", sa.String(60), nullable=False, server_default="")
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("legacy_mail_carriers", sa.String(60), nullable=False, server_default="")
        )
    # Mail queued before the upgrade was written for the old form: it keeps it. The
    # shop itself moves to the standard profile, which it can change in メール設定.
    op.execute(f"UPDATE outbox SET legacy_mail_carriers = '{_BEFORE}'")


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("legacy_mail_carriers")
    with op.batch_alter_table("shop_settings", schema=None) as batch_op:
        batch_op.drop_column("legacy_mail_carriers")
