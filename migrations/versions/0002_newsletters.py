"""newsletters: メルマガ, their inline images and their recipients

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 02:35:30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "newsletters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("mail_from", sa.String(length=254), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("carriers", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("recipient_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_newsletters")),
    )
    op.create_index(op.f("ix_newsletters_status"), "newsletters", ["status"])
    op.create_table(
        "newsletter_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("newsletter_id", sa.Integer(), nullable=False),
        sa.Column("cid", sa.String(length=100), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("mimetype", sa.String(length=50), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["newsletter_id"], ["newsletters.id"], ondelete="CASCADE",
            name=op.f("fk_newsletter_images_newsletter_id_newsletters"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_newsletter_images")),
    )
    op.create_index(
        op.f("ix_newsletter_images_newsletter_id"), "newsletter_images", ["newsletter_id"]
    )
    op.create_table(
        "newsletter_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("newsletter_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("carrier", sa.String(length=20), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("is_test", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], ondelete="SET NULL",
            name=op.f("fk_newsletter_recipients_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["newsletter_id"], ["newsletters.id"], ondelete="CASCADE",
            name=op.f("fk_newsletter_recipients_newsletter_id_newsletters"),
        ),
        sa.ForeignKeyConstraint(
            ["outbox_id"], ["outbox.id"], ondelete="CASCADE",
            name=op.f("fk_newsletter_recipients_outbox_id_outbox"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_newsletter_recipients")),
        sa.UniqueConstraint("outbox_id", name=op.f("uq_newsletter_recipients_outbox_id")),
    )
    op.create_index(
        op.f("ix_newsletter_recipients_member_id"), "newsletter_recipients", ["member_id"]
    )
    op.create_index(
        op.f("ix_newsletter_recipients_newsletter_id"), "newsletter_recipients", ["newsletter_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_newsletter_recipients_newsletter_id"), "newsletter_recipients")
    op.drop_index(op.f("ix_newsletter_recipients_member_id"), "newsletter_recipients")
    op.drop_table("newsletter_recipients")
    op.drop_index(op.f("ix_newsletter_images_newsletter_id"), "newsletter_images")
    op.drop_table("newsletter_images")
    op.drop_index(op.f("ix_newsletters_status"), "newsletters")
    op.drop_table("newsletters")
