"""Remedy commitment (done, agreed, recommended, offered), the `offered` status, and where a
remedy's status comes from (read from the decision, or recorded by a council).

Existing rows: a status a council changed (a remedy_event names `status`) is `recorded`; the rest
are `inferred`. Stored `completed` rows that no council recorded were read as done before the
decision; the others as agreed. `lgsco reparse` then reads every commitment again with the
current extractor (the parser version changed), refreshing inferred statuses only.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = ("pending", "completed", "overdue", "not_required")
NEW_STATUSES = ("pending", "completed", "overdue", "offered", "not_required")
COMMITMENTS = ("already_done", "agreed", "recommended", "offered")
PROVENANCE = ("stated", "inferred", "recorded")


def _in(values: Sequence[str], column: str) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.add_column(
        "remedy",
        sa.Column("commitment", sa.String(length=40), nullable=False, server_default="agreed"),
    )
    op.add_column(
        "remedy",
        sa.Column("status_source", sa.String(length=40), nullable=False, server_default="inferred"),
    )
    op.execute(
        "UPDATE remedy SET status_source = 'recorded' WHERE EXISTS (SELECT 1 FROM remedy_event e "
        "WHERE e.remedy_id = remedy.id AND e.changes ? 'status')"
    )
    op.execute(
        "UPDATE remedy SET commitment = 'already_done' "
        "WHERE status = 'completed' AND status_source = 'inferred'"
    )
    op.alter_column("remedy", "commitment", server_default=None)
    op.alter_column("remedy", "status_source", server_default=None)
    op.create_check_constraint(
        op.f("ck_remedy_remedycommitment"), "remedy", _in(COMMITMENTS, "commitment")
    )
    op.create_check_constraint(
        op.f("ck_remedy_provenance"), "remedy", _in(PROVENANCE, "status_source")
    )
    op.drop_constraint(op.f("ck_remedy_remedystatus"), "remedy", type_="check")
    op.create_check_constraint(
        op.f("ck_remedy_remedystatus"), "remedy", _in(NEW_STATUSES, "status")
    )


def downgrade() -> None:
    op.execute("UPDATE remedy SET status = 'pending' WHERE status = 'offered'")
    op.drop_constraint(op.f("ck_remedy_remedystatus"), "remedy", type_="check")
    op.create_check_constraint(
        op.f("ck_remedy_remedystatus"), "remedy", _in(OLD_STATUSES, "status")
    )
    op.drop_constraint(op.f("ck_remedy_provenance"), "remedy", type_="check")
    op.drop_constraint(op.f("ck_remedy_remedycommitment"), "remedy", type_="check")
    op.drop_column("remedy", "status_source")
    op.drop_column("remedy", "commitment")
