"""Crawl windows: when each was last read through, and a lease for the run crawling it.

A window reaching into the current month is never completed, so `crawled_at` records when it
was last read through. Runs share windows through a lease (`lease_holder` until `lease_until`)
instead of a session-level advisory lock: a run finding a window leased skips it and comes back.

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-02 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("crawl_window", sa.Column("crawled_at", sa.DateTime(timezone=True)))
    op.add_column("crawl_window", sa.Column("lease_holder", sa.String(length=64)))
    op.add_column("crawl_window", sa.Column("lease_until", sa.DateTime(timezone=True)))
    op.execute("UPDATE crawl_window SET crawled_at = completed_at")


def downgrade() -> None:
    op.drop_column("crawl_window", "lease_until")
    op.drop_column("crawl_window", "lease_holder")
    op.drop_column("crawl_window", "crawled_at")
