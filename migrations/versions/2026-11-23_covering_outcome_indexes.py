"""Covering indexes for outcome counts: statistics and annual reports read indexes, not the heap.

Every statistic counts decisions by outcome (count(decision.id) FILTER (WHERE outcome = ...)).
With `outcome` and `id` in one index, the all-years counts become index-only scans instead of
sequential scans of the wide decision rows, and with `outcome` included in the decision-date
index, a financial year's counts read only that index (bench/results.md, 60,000 decisions).
ix_decision_outcome (outcome) and ix_decision_decided_on_id (decided_on, id) are replaced, as
the new ones serve every query they served.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 10:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_decision_outcome_id", "decision", ["outcome", "id"], unique=False)
    op.drop_index("ix_decision_outcome", table_name="decision")
    op.drop_index("ix_decision_decided_on_id", table_name="decision")
    op.create_index(
        "ix_decision_decided_on_id",
        "decision",
        ["decided_on", "id"],
        unique=False,
        postgresql_include=["outcome"],
    )


def downgrade() -> None:
    op.drop_index("ix_decision_decided_on_id", table_name="decision")
    op.create_index("ix_decision_decided_on_id", "decision", ["decided_on", "id"], unique=False)
    op.create_index("ix_decision_outcome", "decision", ["outcome"], unique=False)
    op.drop_index("ix_decision_outcome_id", table_name="decision")
