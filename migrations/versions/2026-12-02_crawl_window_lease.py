"""Crawl windows read again and shared; decisions archived at five years or republished.

A window reaching into the current month is never completed, so `crawled_at` records when it
was last read through. Runs share windows through a lease (`lease_holder` until `lease_until`)
instead of a session-level advisory lock: a run finding a window leased skips it and comes back.

A decision whose page is taken down at about five years is `archived`, not `withdrawn`
(existing withdrawn decisions that old are re-labelled); one back after being taken down keeps
the date in `republished_on`. `first_seen_run_id` names the run that first stored a decision,
so the publication lag is measured on what the scheduled refresh found, not on a backfill.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ARCHIVE_AFTER_DAYS = 5 * 365 - 90  # lgsco_shared.domain.ARCHIVE_AFTER_DAYS when written


def upgrade() -> None:
    op.add_column("crawl_window", sa.Column("crawled_at", sa.DateTime(timezone=True)))
    op.add_column("crawl_window", sa.Column("lease_holder", sa.String(length=64)))
    op.add_column("crawl_window", sa.Column("lease_until", sa.DateTime(timezone=True)))
    op.execute("UPDATE crawl_window SET crawled_at = completed_at")
    op.add_column("decision", sa.Column("republished_on", sa.Date()))
    op.add_column("decision", sa.Column("first_seen_run_id", sa.Integer()))
    op.create_foreign_key(
        op.f("fk_decision_first_seen_run_id_ingest_run"),
        "decision",
        "ingest_run",
        ["first_seen_run_id"],
        ["id"],
        ondelete="SET NULL",
    )
    # The lag figures start from the refresh runs and reach their decisions through this.
    op.create_index(
        op.f("ix_decision_first_seen_run_id"), "decision", ["first_seen_run_id"], unique=False
    )
    op.drop_constraint(op.f("ck_decision_publicationstatus"), "decision", type_="check")
    op.create_check_constraint(
        op.f("ck_decision_publicationstatus"),
        "decision",
        "status IN ('published', 'withdrawn', 'archived')",
    )
    op.execute(
        sa.text(
            "UPDATE decision SET status = 'archived' WHERE status = 'withdrawn' "
            "AND withdrawn_on - coalesce(decided_on, first_seen_at::date) >= :days"
        ).bindparams(days=ARCHIVE_AFTER_DAYS)
    )


def downgrade() -> None:
    op.execute("UPDATE decision SET status = 'withdrawn' WHERE status = 'archived'")
    op.drop_constraint(op.f("ck_decision_publicationstatus"), "decision", type_="check")
    op.create_check_constraint(
        op.f("ck_decision_publicationstatus"), "decision", "status IN ('published', 'withdrawn')"
    )
    op.drop_index(op.f("ix_decision_first_seen_run_id"), table_name="decision")
    op.drop_constraint(
        op.f("fk_decision_first_seen_run_id_ingest_run"), "decision", type_="foreignkey"
    )
    op.drop_column("decision", "first_seen_run_id")
    op.drop_column("decision", "republished_on")
    op.drop_column("crawl_window", "lease_until")
    op.drop_column("crawl_window", "lease_holder")
    op.drop_column("crawl_window", "crawled_at")
