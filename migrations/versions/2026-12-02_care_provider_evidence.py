"""A company is a care provider only on evidence: a decision in the "Adult care services"
category names it (lgsco_shared.organisations). Before, any name with a company form (Ltd,
Limited, LLP, PLC, CIC) was stored as a care provider, so a housing association or a
contractor could be compared with care homes.

Each stored company is classified again from the categories of its decisions: `care_provider`
where one of them is adult social care, `unknown` otherwise (listed in /v1/status for an
operator to map). Councils and other bodies are not touched. An operator who had mapped a
company by hand (`PATCH /v1/organisations/{id}`) to `care_provider` without such a decision
maps it again; the operations guide says so.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lgsco_shared.organisations import is_adult_care, is_company

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COMPANIES = sa.text(
    "SELECT o.id, o.name, array_remove(array_agg(DISTINCT d.category), NULL) AS categories "
    "FROM organisation o "
    "LEFT JOIN decision_organisation x ON x.organisation_id = o.id "
    "LEFT JOIN decision d ON d.id = x.decision_id "
    "WHERE o.kind IN ('care_provider', 'unknown') AND o.gss_code IS NULL "
    "GROUP BY o.id, o.name"
)


def upgrade() -> None:
    conn = op.get_bind()
    for id_, name, categories in conn.execute(_COMPANIES).all():
        if not is_company(name):
            continue
        kind = "care_provider" if any(is_adult_care(c) for c in categories) else "unknown"
        conn.execute(
            sa.text("UPDATE organisation SET kind = :kind WHERE id = :id"),
            {"kind": kind, "id": id_},
        )


def downgrade() -> None:
    """Back to the name alone: every company a care provider."""
    conn = op.get_bind()
    for id_, name, _categories in conn.execute(_COMPANIES).all():
        if is_company(name):
            conn.execute(
                sa.text("UPDATE organisation SET kind = 'care_provider' WHERE id = :id"),
                {"id": id_},
            )
