"""Subscription and delivery states as enums (`SubscriptionStatus`, `DeliveryStatus`): stored
as before, as their text values, now with a CHECK constraint like every other state column, so
a misspelt state is refused by the database instead of silently never matching a query.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 21:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATES = {
    ("subscription", "subscriptionstatus"): ("active", "suspended", "deleted"),
    ("delivery", "deliverystatus"): ("pending", "delivered", "dead", "cancelled"),
}


def upgrade() -> None:
    for (table, name), values in STATES.items():
        op.alter_column(
            table, "status", type_=sa.String(length=40), existing_type=sa.String(length=20)
        )
        listed = ", ".join(f"'{v}'" for v in values)
        op.create_check_constraint(op.f(f"ck_{table}_{name}"), table, f"status IN ({listed})")


def downgrade() -> None:
    for (table, name), _values in STATES.items():
        op.drop_constraint(op.f(f"ck_{table}_{name}"), table, type_="check")
        op.alter_column(
            table, "status", type_=sa.String(length=20), existing_type=sa.String(length=40)
        )
