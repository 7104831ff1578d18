"""The owner's admin: 配送業者 per package, 送信者名 and tracking-URL templates in 設定

Packages say which company carries them (delivery_company, "" = 未指定 for the slips
registered before); the shop's mail gets a sender display name (sender_name) and each
配送業者 a tracking-page template (tracking_urls) for the 出荷通知's {{tracking_url}}.

Revision ID: 0010
Revises: 0005
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None

# models.tracking.DEFAULT_TRACKING_URLS as of this revision (migrations import no models).
DEFAULT_TRACKING_URLS = {
    "yamato": "https://jizen.kuronekoyamato.co.jp/jizen/servlet/crjz.b.NQ0010?id={delivery_no}",
    "sagawa": "https://k2k.sagawa-exp.co.jp/p/web/okurijosearch.do?okurijoNo={delivery_no}",
    "japanpost": "https://trackings.post.japanpost.jp/services/srv/search/direct"
                 "?reqCodeNo1={delivery_no}&searchKind=S002&locale=ja",
    "other": "",
}


# 注文一覧's キーワード finds orders by an item's name or code: trigram indexes answer it on
# PostgreSQL (pg_trgm exists since 0004); SQLite scans.
ITEM_KEYWORD_COLUMNS = ("name", "code")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column in ITEM_KEYWORD_COLUMNS:
            op.create_index(
                f"ix_order_items_{column}_trgm", "order_items", [column],
                postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"},
            )
    with op.batch_alter_table("packages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("delivery_company", sa.String(length=20), nullable=False, server_default="")
        )
    with op.batch_alter_table("shop_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sender_name", sa.String(length=100), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("tracking_urls", sa.JSON(), nullable=True))
    settings = sa.table("shop_settings", sa.column("tracking_urls", sa.JSON()))
    op.execute(settings.update().values(tracking_urls=DEFAULT_TRACKING_URLS))
    with op.batch_alter_table("shop_settings", schema=None) as batch_op:
        batch_op.alter_column("tracking_urls", existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column in ITEM_KEYWORD_COLUMNS:
            op.drop_index(f"ix_order_items_{column}_trgm", table_name="order_items")
    with op.batch_alter_table("shop_settings", schema=None) as batch_op:
        batch_op.drop_column("tracking_urls")
        batch_op.drop_column("sender_name")
    with op.batch_alter_table("packages", schema=None) as batch_op:
        batch_op.drop_column("delivery_company")
