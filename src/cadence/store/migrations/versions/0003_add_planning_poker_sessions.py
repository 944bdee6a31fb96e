"""Add planning poker sessions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 03:20:52.557191
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cadence.store.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "poker_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("deck_name", sa.String(length=20), nullable=False),
        sa.Column("deck", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("facilitator_id", sa.Integer(), nullable=True),
        sa.Column("created_at", cadence.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("revealed_at", cadence.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", cadence.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("final_value", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["facilitator_id"], ["users.id"], name=op.f("fk_poker_sessions_facilitator_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["work_items.id"], name=op.f("fk_poker_sessions_item_id_work_items"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_poker_sessions_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poker_sessions")),
    )
    with op.batch_alter_table("poker_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_poker_sessions_team_id"), ["team_id"], unique=False)

    op.create_table(
        "poker_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=16), nullable=False),
        sa.Column("voted_at", cadence.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["poker_sessions.id"],
            name=op.f("fk_poker_votes_session_id_poker_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_poker_votes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poker_votes")),
        sa.UniqueConstraint("session_id", "user_id", name=op.f("uq_poker_votes_session_id_user_id")),
    )


def downgrade() -> None:
    op.drop_table("poker_votes")
    with op.batch_alter_table("poker_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_poker_sessions_team_id"))

    op.drop_table("poker_sessions")
