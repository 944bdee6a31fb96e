"""Add ceremonies: retros, sprint plans, time off, decisions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 04:38:50.295340
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cadence.store.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "time_off",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("day_fraction", sa.Double(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("created_at", cadence.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_time_off_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_off")),
    )
    with op.batch_alter_table("time_off", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_time_off_person_id"), ["person_id"], unique=False)

    op.create_table(
        "working_agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", cadence.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("retired_at", cadence.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_working_agreements_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_working_agreements")),
    )
    with op.batch_alter_table("working_agreements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_working_agreements_team_id"), ["team_id"], unique=False)

    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("item_keys", sa.JSON(), nullable=True),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("created_at", cadence.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_decisions_meeting_id_meetings"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_decisions_team_id_teams"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decisions_team_id"), ["team_id"], unique=False)

    op.create_table(
        "retro_cards",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("lane", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("group_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("discussed", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", cadence.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_retro_cards_author_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["retro_cards.id"], name=op.f("fk_retro_cards_group_id_retro_cards"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_retro_cards_meeting_id_meetings"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retro_cards")),
    )
    with op.batch_alter_table("retro_cards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_retro_cards_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "sprint_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("sprint_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("goal", sa.Text(), nullable=True),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("capacity", sa.JSON(), nullable=True),
        sa.Column("forecast", sa.JSON(), nullable=True),
        sa.Column("created_at", cadence.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("committed_at", cadence.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("committed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["committed_by_id"], ["users.id"], name=op.f("fk_sprint_plans_committed_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["sprint_id"], ["sprints.id"], name=op.f("fk_sprint_plans_sprint_id_sprints"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_sprint_plans_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sprint_plans")),
    )
    with op.batch_alter_table("sprint_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sprint_plans_team_id"), ["team_id"], unique=False)

    op.create_table(
        "retro_votes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("card_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", cadence.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"], ["retro_cards.id"], name=op.f("fk_retro_votes_card_id_retro_cards"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_retro_votes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retro_votes")),
    )
    with op.batch_alter_table("retro_votes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_retro_votes_card_id"), ["card_id"], unique=False)

    op.create_table(
        "sprint_plan_items",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("estimate", sa.Double(), nullable=True),
        sa.Column("ready", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"], ["work_items.id"], name=op.f("fk_sprint_plan_items_item_id_work_items"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["sprint_plans.id"], name=op.f("fk_sprint_plan_items_plan_id_sprint_plans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sprint_plan_items")),
        sa.UniqueConstraint("plan_id", "item_id", name=op.f("uq_sprint_plan_items_plan_id_item_id")),
    )
    with op.batch_alter_table("sprint_plan_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sprint_plan_items_plan_id"), ["plan_id"], unique=False)

    with op.batch_alter_table("action_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("description", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("origin", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("metric", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("metric_baseline", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("check_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("last_nudged_at", cadence.store.types.UtcDateTime(timezone=True), nullable=True))

    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.add_column(sa.Column("item_keys", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("updated_at", cadence.store.types.UtcDateTime(timezone=True), nullable=True))

    with op.batch_alter_table("impediments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signal_key", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("evidence", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("check_in_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_impediments_team_id_signal_key"), ["team_id", "signal_key"])
        batch_op.create_foreign_key(
            batch_op.f("fk_impediments_check_in_id_check_ins"),
            "check_ins",
            ["check_in_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("state", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("format", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("facilitator_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("revealed_at", cadence.store.types.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("ended_at", cadence.store.types.UtcDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_meetings_facilitator_id_users"), "users", ["facilitator_id"], ["id"], ondelete="SET NULL"
        )

    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("focus_factor", sa.Double(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_column("focus_factor")

    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_meetings_facilitator_id_users"), type_="foreignkey")
        batch_op.drop_column("ended_at")
        batch_op.drop_column("revealed_at")
        batch_op.drop_column("facilitator_id")
        batch_op.drop_column("format")
        batch_op.drop_column("state")

    with op.batch_alter_table("impediments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_impediments_check_in_id_check_ins"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_impediments_team_id_signal_key"), type_="unique")
        batch_op.drop_column("check_in_id")
        batch_op.drop_column("evidence")
        batch_op.drop_column("signal_key")

    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("item_keys")

    with op.batch_alter_table("action_items", schema=None) as batch_op:
        batch_op.drop_column("last_nudged_at")
        batch_op.drop_column("check_on")
        batch_op.drop_column("metric_baseline")
        batch_op.drop_column("metric")
        batch_op.drop_column("origin")
        batch_op.drop_column("description")

    with op.batch_alter_table("sprint_plan_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sprint_plan_items_plan_id"))

    op.drop_table("sprint_plan_items")
    with op.batch_alter_table("retro_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retro_votes_card_id"))

    op.drop_table("retro_votes")
    with op.batch_alter_table("sprint_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sprint_plans_team_id"))

    op.drop_table("sprint_plans")
    with op.batch_alter_table("retro_cards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retro_cards_meeting_id"))

    op.drop_table("retro_cards")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decisions_team_id"))

    op.drop_table("decisions")
    with op.batch_alter_table("working_agreements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_working_agreements_team_id"))

    op.drop_table("working_agreements")
    with op.batch_alter_table("time_off", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_time_off_person_id"))

    op.drop_table("time_off")
