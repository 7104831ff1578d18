"""Money and identity (issue #19)

Money: the shop's record of card authorisations (single-use, bound to one order and
one amount), the 決済ログ, the payment sandbox's own books, and on orders the 与信額,
the 返金額 and the fee rules each order was placed under.

Catalog: variants are indexed by product.

Identity: members get a link generation (ended by an address change, 停止 and 退会),
a withdrawn member no longer holds the address (a new registration is a new member),
and addresses are kept in one canonical form.

Revision ID: 0011
Revises: 0006
Create Date: 2026-12-20 10:00:00
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _money_tables()
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("authorised_amount", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("refunded_amount", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("fee_rules", sa.JSON(), nullable=True))
    # What each card order was authorised for, as far as the order itself tells.
    op.execute("UPDATE orders SET authorised_amount = paid_amount WHERE payment_status "
               "IN ('決済完了', '返金待ち')")
    op.execute("UPDATE orders SET authorised_amount = total WHERE payment_status = '与信済'")
    _members()
    # A product's variants are read by product (the product CSV import reads a few hundred
    # products' at a time); PostgreSQL does not index a foreign key by itself.
    op.create_index("ix_variants_product_id", "variants", ["product_id"])


def _members() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("link_generation", sa.Integer(), nullable=False, server_default="0"))
        batch_op.drop_constraint("uq_members_email", type_="unique")
    _canonical_member_addresses()
    current = sa.text("status <> 'withdrawn'")
    op.create_index("ux_members_email_current", "members", ["email"], unique=True,
                    sqlite_where=current, postgresql_where=current)


# A frozen copy of carrier_compat.address.canonical_address as of this revision (a
# migration must not change when the code does): "local"@Domain -> local@domain.
_ATEXT = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")


def _canonical(address: str) -> str:
    text = address.strip()
    local, sep, domain = text.rpartition("@")
    if not sep or not local or not domain:
        return text
    if len(local) >= 2 and local[0] == local[-1] == '"':
        unquoted = re.sub(r"\\(.)", r"\1", local[1:-1])
        local = unquoted if _ATEXT.match(unquoted) else local
    return f"{local}@{domain.lower().rstrip('.')}"


def _canonical_member_addresses() -> None:
    """Members' addresses in their canonical form, unless that would give one mailbox
    to two members (left as they are: the shop sees both in 顧客管理)."""
    bind = op.get_bind()
    members = sa.table("members", sa.column("id", sa.Integer), sa.column("email", sa.String),
                       sa.column("status", sa.String))
    rows = bind.execute(sa.select(members.c.id, members.c.email, members.c.status)).all()
    current = [email for _, email, status in rows if status != "withdrawn"]
    exact, folded = set(current), {email.lower() for email in current}
    for member_id, email, status in rows:
        canonical = _canonical(email)
        if canonical == email:
            continue
        if status != "withdrawn":
            moved = canonical.lower() != email.lower()
            if canonical in exact or (moved and canonical.lower() in folded):
                continue
            exact.discard(email)
            exact.add(canonical)
            folded.add(canonical.lower())
        bind.execute(sa.update(members).where(members.c.id == member_id)
                     .values(email=canonical))


def _money_tables() -> None:
    op.create_table(
        "card_authorisations",
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("last4", sa.String(4), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], ondelete="SET NULL",
                                name="fk_card_authorisations_order_id_orders"),
        sa.PrimaryKeyConstraint("reference", name="pk_card_authorisations"),
        sa.UniqueConstraint("order_id", name="uq_card_authorisations_order_id"),
    )
    op.create_index("ix_card_authorisations_state", "card_authorisations", ["state"])
    op.create_index("ix_card_authorisations_created_at", "card_authorisations", ["created_at"])
    op.create_table(
        "payment_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], ondelete="SET NULL",
                                name="fk_payment_log_order_id_orders"),
        sa.PrimaryKeyConstraint("id", name="pk_payment_log"),
    )
    op.create_index("ix_payment_log_order_id", "payment_log", ["order_id"])
    op.create_index("ix_payment_log_reference", "payment_log", ["reference"])
    op.create_table(
        "sandbox_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("operation", sa.String(10), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("order_no", sa.String(20), nullable=False),
        sa.Column("last4", sa.String(4), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sandbox_ledger"),
    )
    op.create_index("ix_sandbox_ledger_reference", "sandbox_ledger", ["reference"])


def downgrade() -> None:
    op.drop_index("ix_variants_product_id", table_name="variants")
    op.drop_index("ux_members_email_current", table_name="members")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_members_email", ["email"])
        batch_op.drop_column("link_generation")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("fee_rules")
        batch_op.drop_column("refunded_amount")
        batch_op.drop_column("authorised_amount")
    op.drop_table("sandbox_ledger")
    op.drop_table("payment_log")
    op.drop_table("card_authorisations")
