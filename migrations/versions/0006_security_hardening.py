"""Security hardening: revocable logins, per-client throttle, 2FA, 操作ログ, rate limits, holds

* ``login_sessions``: server-side logins of admins and members (logout ends them);
  ``session_generation`` on admins and members ends every login at a new password.
* ``login_throttle``: failures per (account, client) and per client (no more locks).
* ``admin_users``: the TOTP secret, its switch, the last step used, recovery codes.
* ``audit_log``: 操作ログ.
* ``rate_limits``: the counters of the mail rate limits, shared by every process.
* ``orders.hold_client`` and ``shop_settings.provisional_limit``: 仮注文 per shopper;
  ``shop_settings.require_two_factor``: 二段階認証 for every admin.
* Sent mail no longer keeps its confirmation and reset links readable: the tokens in
  ``outbox.body`` (sent or failed mail of those kinds) and ``mail_log.body`` are masked.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.mail import SECRET_LINK_KINDS, mask_link_tokens

revision = "0006"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _tables()
    for table in ("admin_users", "members"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("session_generation", sa.Integer(), nullable=False,
                                          server_default="0"))
    with op.batch_alter_table("admin_users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_enabled", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("recovery_codes", sa.JSON(), nullable=True))
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hold_client", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_orders_hold_client", ["hold_client"], unique=False)
    with op.batch_alter_table("shop_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provisional_limit", sa.Integer(), nullable=False,
                                      server_default="2"))
        batch_op.add_column(sa.Column("require_two_factor", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    _mask_stored_links()


def _tables() -> None:
    op.create_table(
        "login_sessions",
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token_digest", name=op.f("pk_login_sessions")),
    )
    op.create_index("ix_login_sessions_kind_user_id", "login_sessions", ["kind", "user_id"])
    op.create_index("ix_login_sessions_expires_at", "login_sessions", ["expires_at"])
    op.create_table(
        "login_throttle",
        sa.Column("key_digest", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("blocked_until", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key_digest", name=op.f("pk_login_throttle")),
    )
    op.create_index("ix_login_throttle_updated_at", "login_throttle", ["updated_at"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("client", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    for column in ("at", "actor", "action"):
        op.create_index(f"ix_audit_log_{column}", "audit_log", [column])
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limits")),
    )
    op.create_index("ix_rate_limits_expires_at", "rate_limits", ["expires_at"])


def _mask_stored_links() -> None:
    """Mask the tokens of links in mail already sent (left from before this revision)."""
    bind = op.get_bind()
    outbox = sa.table("outbox", sa.column("id", sa.Integer), sa.column("body", sa.Text),
                      sa.column("status", sa.String), sa.column("kind", sa.String))
    mail_log = sa.table("mail_log", sa.column("id", sa.Integer), sa.column("body", sa.Text))
    done = outbox.c.status.in_(["sent", "failed", "cancelled"]) & outbox.c.kind.in_(
        [str(kind) for kind in SECRET_LINK_KINDS])
    for table, where in ((outbox, done), (mail_log, sa.true())):
        rows = bind.execute(sa.select(table.c.id, table.c.body).where(where)).all()
        for row_id, body in rows:
            masked = mask_link_tokens(body or "")
            if masked != body:
                bind.execute(table.update().where(table.c.id == row_id).values(body=masked))


def downgrade() -> None:
    with op.batch_alter_table("shop_settings", schema=None) as batch_op:
        batch_op.drop_column("require_two_factor")
        batch_op.drop_column("provisional_limit")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_hold_client")
        batch_op.drop_column("hold_client")
    with op.batch_alter_table("admin_users", schema=None) as batch_op:
        for column in ("recovery_codes", "totp_last_step", "totp_enabled", "totp_secret"):
            batch_op.drop_column(column)
    for table in ("members", "admin_users"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("session_generation")
    for table in ("rate_limits", "audit_log", "login_throttle", "login_sessions"):
        op.drop_table(table)
