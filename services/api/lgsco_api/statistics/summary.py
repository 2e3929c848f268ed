"""Outcome statistics read from `outcome_summary` (counts kept by triggers, see migration 0010)
instead of counted over every decision, for the filters the summary can answer exactly.

The summary holds counts by organisation, category, subcategory, month, status and outcome, so
it answers those filters, date ranges that start and end on month boundaries (financial years
do), and one organisation. Anything finer (full text, remedies, a day within a month, several
organisations, grouping by organisation within one) is counted over the decisions, as before:
`summary_answers` decides, and tests/api/test_outcome_summary.py checks both ways give the
same numbers.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_api.decisions.criteria import DecisionFilters
from lgsco_api.decisions.filters import Dimensions, dimension_conditions, organisation_ids
from lgsco_api.kit.rows import fetch_all, fetch_one
from lgsco_api.statistics.criteria import GroupBy
from lgsco_api.statistics.outcomes import group_key, in_group_order
from lgsco_shared.domain import Outcome
from lgsco_shared.models import Organisation, OutcomeSummary
from lgsco_shared.models.summary import EVERY_DECISION

S = OutcomeSummary


def summary_answers(filters: DecisionFilters, group_by: GroupBy | None = None) -> bool:
    """Whether the summary holds exactly what these filters count."""
    f = filters
    if f.q is not None or f.has_remedy is not None or f.republished is not None:
        return False
    if f.changed_since is not None or len(f.organisation) > 1:
        return False
    if f.organisation and group_by is GroupBy.ORGANISATION:
        return False  # the other organisations its decisions name are not in the summary
    if f.decided_from is not None and f.decided_from.day != 1:
        return False
    return f.decided_to is None or (f.decided_to + timedelta(days=1)).day == 1


async def organisation_scope(session: AsyncSession, filters: DecisionFilters) -> int | None:
    """The summary's organisation_id for these filters: 0 (every decision once) without an
    organisation; the one it names; None when the name matches several (counted live)."""
    if not filters.organisation:
        return EVERY_DECISION
    if filters.organisation_ids is not None:  # resolved already: every key named one
        ids = filters.organisation_ids
        return ids[0] if len(ids) == 1 else None
    conn = await session.connection()
    found = (
        await conn.execute(
            select(Organisation.id).where(organisation_ids(filters.organisation)).limit(2)
        )
    ).all()
    if len(found) > 1:
        return None
    return found[0][0] if found else -1  # -1: no organisation, so no rows (as live: zero)


SUMMARY = Dimensions(S.category, S.subcategory, S.outcome, S.month, S.status)


def _conditions(filters: DecisionFilters, organisation_id: int) -> list[ColumnElement[bool]]:
    return [S.organisation_id == organisation_id, *dimension_conditions(filters, SUMMARY)]


def _columns() -> list[Any]:
    def total(*conditions: Any) -> Any:
        summed = func.sum(S.decisions).filter(*conditions) if conditions else func.sum(S.decisions)
        return func.coalesce(summed, 0)

    return [
        total().label("decisions"),
        total(S.outcome == Outcome.UPHELD.value).label("upheld"),
        total(S.outcome == Outcome.NOT_UPHELD.value).label("not_upheld"),
        total(S.outcome == Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES.value).label(
            "closed_after_initial_enquiries"
        ),
        total(S.outcome.is_(None)).label("unknown"),
    ]


async def overall(session: AsyncSession, filters: DecisionFilters, scope: int) -> RowMapping:
    row = await fetch_one(session, select(*_columns()).where(*_conditions(filters, scope)))
    assert row is not None  # an aggregate without GROUP BY always returns one row
    return row


async def grouped(
    session: AsyncSession, filters: DecisionFilters, group_by: GroupBy, scope: int
) -> list[RowMapping]:
    """Rows as statistics.queries.grouped returns them, in the same order."""
    key, parent = group_key(group_by, SUMMARY)
    columns = _columns()
    query = select(key.label("key"), parent.label("parent"), *columns)
    if group_by is GroupBy.ORGANISATION:
        query = query.join(Organisation, Organisation.id == S.organisation_id)
        query = query.where(*_conditions(filters, EVERY_DECISION)[1:], S.organisation_id != 0)
    else:
        query = query.where(*_conditions(filters, scope))
    query = query.having(func.sum(S.decisions) > 0)
    return await fetch_all(session, in_group_order(query, group_by, key, parent, columns[0]))
