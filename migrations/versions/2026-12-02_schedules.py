"""Schedules as data, one run per due time, and runs that can be cancelled.

`schedule` holds what the worker runs on its own (kind and parameters, a cron expression read in
a time zone, enabled, who created and changed it, next and last run); `schedule_run` records
each due time with the run it created or why it was skipped, unique on (schedule_id, due_at) so
any number of workers create one run per due time. The three entries that were fixed in code
become rows with the same names and times (UTC, as the worker's cron read them), so a deployment
keeps its behaviour; their next run is computed by the first tick (nothing is caught up).

An ingest run can be cancelled: `cancel_requested_at` (and by which key) is what the crawl reads
at its checkpoints, and `cancelled` is a run status.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# lgsco_shared.schedule.SCHEDULE when written: name, kind, params, cron, description.
BUILT_IN = [
    (
        "refresh_recent",
        "refresh",
        {"months": 6},
        "15 3 * * *",
        "Re-crawl the current month and the six before it, by decision date, for newly "
        "published and changed decisions (decisions appear months after their date).",
    ),
    (
        "recheck_withdrawals",
        "recheck",
        {},
        "15 4 * * *",
        "Re-fetch the slice of stored decisions least recently checked, so every decision is "
        "rechecked for withdrawal within LGSCO_RECHECK_DAYS.",
    ),
    (
        "sweep_two_years",
        "refresh",
        {"months": 24},
        "15 5 * * 0",
        "Every Sunday, re-crawl the last 24 months by decision date, for decisions "
        "published later than the daily refresh looks back.",
    ),
]

RUN_STATUSES_BEFORE = ("queued", "running", "succeeded", "failed")
RUN_STATUSES = (*RUN_STATUSES_BEFORE, "cancelled")


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    schedule = op.create_table(
        "schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "refresh",
                "crawl",
                "recheck",
                name="schedulekind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("params", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("cron", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("changed_by", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule")),
        sa.UniqueConstraint("name", name=op.f("uq_schedule_name")),
    )
    op.create_index(
        "ix_schedule_due",
        "schedule",
        ["next_run_at"],
        unique=False,
        postgresql_where=sa.text("enabled"),
    )
    op.create_table(
        "schedule_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "created",
                "skipped",
                name="schedulerunstatus",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("manual", sa.Boolean(), nullable=False),
        sa.Column("missed", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["schedule.id"],
            name=op.f("fk_schedule_run_schedule_id_schedule"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["ingest_run.id"],
            name=op.f("fk_schedule_run_run_id_ingest_run"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_run")),
        sa.UniqueConstraint("schedule_id", "due_at", name=op.f("uq_schedule_run_schedule_id")),
    )
    op.create_index(op.f("ix_schedule_run_run_id"), "schedule_run", ["run_id"], unique=False)
    op.bulk_insert(
        schedule,
        [
            {
                "name": name,
                "kind": kind,
                "params": params,
                "cron": cron,
                "timezone": "UTC",
                "description": description,
                "enabled": True,
            }
            for name, kind, params, cron, description in BUILT_IN
        ],
    )

    op.add_column("ingest_run", sa.Column("cancel_requested_at", sa.DateTime(timezone=True)))
    op.add_column("ingest_run", sa.Column("cancelled_by", sa.String(length=200)))
    op.drop_constraint(op.f("ck_ingest_run_runstatus"), "ingest_run", type_="check")
    op.create_check_constraint(
        op.f("ck_ingest_run_runstatus"), "ingest_run", _in("status", RUN_STATUSES)
    )


def downgrade() -> None:
    # A cancelled run reads as failed to a release that has no such status.
    op.execute(
        "UPDATE ingest_run SET status = 'failed', error = coalesce(error, 'cancelled') "
        "WHERE status = 'cancelled'"
    )
    op.drop_constraint(op.f("ck_ingest_run_runstatus"), "ingest_run", type_="check")
    op.create_check_constraint(
        op.f("ck_ingest_run_runstatus"), "ingest_run", _in("status", RUN_STATUSES_BEFORE)
    )
    op.drop_column("ingest_run", "cancelled_by")
    op.drop_column("ingest_run", "cancel_requested_at")
    op.drop_index(op.f("ix_schedule_run_run_id"), table_name="schedule_run")
    op.drop_table("schedule_run")
    op.drop_index("ix_schedule_due", table_name="schedule", postgresql_where=sa.text("enabled"))
    op.drop_table("schedule")
