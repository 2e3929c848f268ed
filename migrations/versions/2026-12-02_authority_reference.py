"""Organisations matched to the reference table of English local authorities: the GSS code on
the organisation, the `unknown` kind, and the kind on the decision's date on each link where
it changed over time (a county council replaced by a unitary council of the same name).

Existing organisations are classified again from the table (lgsco_shared.organisations), so
names once guessed from their words ("Reading Borough Council": district) get their real
type, and councils the table does not hold become `unknown` for an operator to map.

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-02 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lgsco_shared.organisations import classify, dated_kind, kind_changes

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = (
    "county",
    "district",
    "london_borough",
    "metropolitan",
    "unitary",
    "care_provider",
    "other",
)
NEW_KINDS = (*OLD_KINDS, "unknown")


def _in(values: Sequence[str], column: str) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.drop_constraint(op.f("ck_organisation_organisationkind"), "organisation", type_="check")
    op.create_check_constraint(
        op.f("ck_organisation_organisationkind"), "organisation", _in(NEW_KINDS, "kind")
    )
    op.add_column("organisation", sa.Column("gss_code", sa.String(length=9), nullable=True))
    op.create_index(op.f("ix_organisation_gss_code"), "organisation", ["gss_code"])
    op.add_column("decision_organisation", sa.Column("kind", sa.String(length=40), nullable=True))
    op.create_check_constraint(
        op.f("ck_decision_organisation_organisationkind"),
        "decision_organisation",
        _in(NEW_KINDS, "kind"),
    )
    conn = op.get_bind()
    organisations = conn.execute(sa.text("SELECT id, name FROM organisation")).all()
    for id_, name in organisations:
        found = classify(name)
        conn.execute(
            sa.text("UPDATE organisation SET kind = :kind, gss_code = :code WHERE id = :id"),
            {"kind": found.kind.value, "code": found.gss_code, "id": id_},
        )
        if not kind_changes(name):
            continue
        links = conn.execute(
            sa.text(
                "SELECT x.decision_id, d.decided_on FROM decision_organisation x "
                "JOIN decision d ON d.id = x.decision_id WHERE x.organisation_id = :id"
            ),
            {"id": id_},
        ).all()
        for decision_id, decided_on in links:
            kind = dated_kind(name, decided_on)
            conn.execute(
                sa.text(
                    "UPDATE decision_organisation SET kind = :kind "
                    "WHERE decision_id = :d AND organisation_id = :o"
                ),
                {"kind": kind.value if kind else None, "d": decision_id, "o": id_},
            )


def downgrade() -> None:
    op.drop_constraint(
        op.f("ck_decision_organisation_organisationkind"), "decision_organisation", type_="check"
    )
    op.drop_column("decision_organisation", "kind")
    op.drop_index(op.f("ix_organisation_gss_code"), table_name="organisation")
    op.drop_column("organisation", "gss_code")
    op.execute("UPDATE organisation SET kind = 'other' WHERE kind = 'unknown'")
    op.drop_constraint(op.f("ck_organisation_organisationkind"), "organisation", type_="check")
    op.create_check_constraint(
        op.f("ck_organisation_organisationkind"), "organisation", _in(OLD_KINDS, "kind")
    )
