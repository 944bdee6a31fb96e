"""Add ticket triage and ticket updates

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 03:57:52.935383
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cadence.store.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_updates",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("ticket_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", cadence.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_user_id"], ["users.id"], name=op.f("fk_ticket_updates_by_user_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["work_items.id"], name=op.f("fk_ticket_updates_item_id_work_items"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["support_tickets.id"],
            name=op.f("fk_ticket_updates_ticket_id_support_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_updates")),
        sa.UniqueConstraint("ticket_id", "dedupe_key", name=op.f("uq_ticket_updates_ticket_id_dedupe_key")),
    )
    with op.batch_alter_table("ticket_updates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_updates_ticket_id"), ["ticket_id"], unique=False)

    with op.batch_alter_table("support_tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("triage_state", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("decline_reason", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("duplicate_of_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )
        batch_op.add_column(sa.Column("snoozed_until", cadence.store.types.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("requesters", sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f("ix_support_tickets_duplicate_of_id"), ["duplicate_of_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_support_tickets_duplicate_of_id_support_tickets"),
            "support_tickets",
            ["duplicate_of_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("support_tickets", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_support_tickets_duplicate_of_id_support_tickets"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_support_tickets_duplicate_of_id"))
        batch_op.drop_column("requesters")
        batch_op.drop_column("snoozed_until")
        batch_op.drop_column("duplicate_of_id")
        batch_op.drop_column("decline_reason")
        batch_op.drop_column("triage_state")

    with op.batch_alter_table("ticket_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_updates_ticket_id"))

    op.drop_table("ticket_updates")
