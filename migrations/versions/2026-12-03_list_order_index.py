"""Indexes that find and order a list page: decisions newest first (alone and within a
category), remedies by stored status and due date.

Decision lists order by `coalesce(decided_on, '-infinity'::date), id`, so that a keyset cursor
splits dated and undated decisions alike, and filter categories in any case (`lower`); no index
had either expression, so a page of an unfiltered or category list sorted every match to return
twenty. An overdue remedy is a pending one past its due date: (status, due_on) finds those.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


SORT_DATE = sa.text("coalesce(decided_on, '-infinity'::date)")


def upgrade() -> None:
    op.create_index("ix_decision_sort_date_id", "decision", [SORT_DATE, "id"])
    op.create_index(
        "ix_decision_category_sort_date_id",
        "decision",
        [sa.text("lower(category)"), SORT_DATE, "id"],
    )
    op.create_index("ix_remedy_status_due_on", "remedy", ["status", "due_on"])


def downgrade() -> None:
    op.drop_index("ix_remedy_status_due_on", table_name="remedy")
    op.drop_index("ix_decision_category_sort_date_id", table_name="decision")
    op.drop_index("ix_decision_sort_date_id", table_name="decision")
