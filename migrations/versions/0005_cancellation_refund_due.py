"""Orders keep what the card was charged (paid_amount) and a refund due (refund_due)

A cancelled order that was charged says 返金待ち with the amount owed back; the charged
amount is kept apart from the total, which per-item 取消 may lower later.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 03:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("paid_amount", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("refund_due", sa.Integer(), nullable=False, server_default="0")
        )
    # Orders charged before this revision were charged their total at the time; it is
    # the best record there is of what went through the card.
    op.execute("UPDATE orders SET paid_amount = total WHERE payment_status = '決済完了'")


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("refund_due")
        batch_op.drop_column("paid_amount")
