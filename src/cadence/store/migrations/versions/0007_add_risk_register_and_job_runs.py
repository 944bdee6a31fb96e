"""Add risk register fields, risk scores and job runs

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 05:35:25.588729
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cadence.store.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column("slot", sa.String(length=100), nullable=False),
        sa.Column("instance", sa.String(length=100), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("started_at", cadence.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", cadence.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
        sa.UniqueConstraint("job", "slot", name=op.f("uq_job_runs_job_slot")),
    )
    op.create_table(
        "risk_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("risk_id", sa.Integer(), nullable=False),
        sa.Column("probability", sa.Integer(), nullable=False),
        sa.Column("impact", sa.Integer(), nullable=False),
        sa.Column("at", cadence.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["by_user_id"], ["users.id"], name=op.f("fk_risk_scores_by_user_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["risk_id"], ["risks.id"], name=op.f("fk_risk_scores_risk_id_risks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_scores")),
    )
    with op.batch_alter_table("risk_scores", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_scores_risk_id"), ["risk_id"], unique=False)

    with op.batch_alter_table("action_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("risk_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_action_items_risk_id"), ["risk_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_action_items_risk_id_risks"), "risks", ["risk_id"], ["id"], ondelete="SET NULL"
        )

    with op.batch_alter_table("risks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("roam", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("epic_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("fix_version", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("signal_key", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("evidence", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("closed_at", cadence.store.types.UtcDateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_risks_team_id_signal_key"), ["team_id", "signal_key"])


def downgrade() -> None:
    with op.batch_alter_table("risks", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_risks_team_id_signal_key"), type_="unique")
        batch_op.drop_column("closed_at")
        batch_op.drop_column("evidence")
        batch_op.drop_column("signal_key")
        batch_op.drop_column("fix_version")
        batch_op.drop_column("epic_key")
        batch_op.drop_column("roam")

    with op.batch_alter_table("action_items", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_action_items_risk_id_risks"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_action_items_risk_id"))
        batch_op.drop_column("risk_id")

    with op.batch_alter_table("risk_scores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_scores_risk_id"))

    op.drop_table("risk_scores")
    op.drop_table("job_runs")
