"""Aggregates for the annual report: outcomes (finest label known), remedies by type, the list."""

from __future__ import annotations

from sqlalchemy import ColumnElement, RowMapping, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_api.decisions.criteria import DecisionFilters
from lgsco_api.decisions.filters import decision_conditions
from lgsco_api.kit.rows import fetch_all, fetch_one
from lgsco_api.remedies.queries import TOTALS_BY_TYPE, effective_status
from lgsco_api.statistics.outcomes import outcome_columns
from lgsco_api.statistics.queries import named_by
from lgsco_shared.domain import Provenance
from lgsco_shared.models import Decision, Remedy


def _outcome_source() -> ColumnElement[str]:
    """`inferred` where the finer outcome (read from prose) labels the row, `stated` where the
    outcome printed on the page does."""
    return case(
        (Decision.fine_outcome.is_not(None), literal(Provenance.INFERRED.value)),
        (Decision.outcome_label.is_not(None), literal(Provenance.STATED.value)),
        else_=None,
    )


async def summary(session: AsyncSession, org_id: int, filters: DecisionFilters) -> RowMapping:
    """Outcome counts of the organisation's decisions: only the counts of
    `statistics.comparison_side`, without its two queries the report does not show."""
    query = select(*outcome_columns()).where(*decision_conditions(filters), named_by(org_id))
    row = await fetch_one(session, query)
    assert row is not None  # an aggregate without GROUP BY always returns one row
    return row


async def outcomes(
    session: AsyncSession, org_id: int, filters: DecisionFilters
) -> list[RowMapping]:
    label = func.coalesce(Decision.fine_outcome, Decision.outcome_label, "Outcome not stated")
    source = _outcome_source()
    query = (
        select(
            label.label("outcome"),
            source.label("outcome_source"),
            Decision.outcome.label("broad_outcome"),
            func.count().label("decisions"),
        )
        .where(*decision_conditions(filters), named_by(org_id))
        .group_by(label, source, Decision.outcome)
        .order_by(Decision.outcome.nulls_last(), func.count().desc(), label)
    )
    return await fetch_all(session, query)


async def remedies(
    session: AsyncSession, org_id: int, filters: DecisionFilters
) -> list[RowMapping]:
    query = (
        select(*TOTALS_BY_TYPE, func.count(Remedy.amount).label("amounts_stated"))
        .join(Decision, Decision.id == Remedy.decision_id)
        .where(*decision_conditions(filters), named_by(org_id), Remedy.current.is_(True))
        .group_by(Remedy.type)
        .order_by(func.count().desc(), Remedy.type)
    )
    return await fetch_all(session, query)


async def decisions(
    session: AsyncSession, org_id: int, filters: DecisionFilters
) -> list[RowMapping]:
    query = (
        select(
            Decision.reference,
            Decision.decided_on,
            func.coalesce(Decision.fine_outcome, Decision.outcome_label).label("outcome"),
            _outcome_source().label("outcome_source"),
            Decision.outcome.label("broad_outcome"),
            Decision.category,
            Decision.subcategory,
            Decision.summary,
            Decision.permalink,
            Decision.id,
        )
        .where(*decision_conditions(filters), named_by(org_id))
        .order_by(Decision.decided_on, Decision.reference)
    )
    return await fetch_all(session, query)


async def decision_remedies(
    session: AsyncSession, org_id: int, filters: DecisionFilters
) -> list[RowMapping]:
    """The remedies each decision of the report states, in the decision's order."""
    query = (
        select(
            Remedy.decision_id,
            Remedy.type,
            Remedy.amount,
            Remedy.payee,
            Remedy.commitment,
            effective_status().label("status"),
            Remedy.due_on,
        )
        .join(Decision, Decision.id == Remedy.decision_id)
        .where(*decision_conditions(filters), named_by(org_id), Remedy.current.is_(True))
        .order_by(Remedy.decision_id, Remedy.position, Remedy.id)
    )
    return await fetch_all(session, query)
