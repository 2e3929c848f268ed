"""Outcome aggregates: grouped counts, and one organisation against its kind and everyone.

Everything is counted by PostgreSQL (GROUP BY with FILTER); Python only shapes the few rows
that come back.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Row, RowMapping, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_api.decisions.criteria import DecisionFilters
from lgsco_api.decisions.filters import DECISION, decision_conditions, organisation_ids
from lgsco_api.kit.rows import fetch_all, fetch_one, fetch_scalar
from lgsco_api.statistics import summary
from lgsco_api.statistics.criteria import GroupBy
from lgsco_api.statistics.outcomes import group_key, in_group_order, outcome_columns
from lgsco_shared.domain import OrganisationKind, Outcome
from lgsco_shared.models import Decision, DecisionOrganisation, Organisation, Remedy

OrganisationRow = Row[int, str, OrganisationKind]  # id, name, kind


async def overall(session: AsyncSession, filters: DecisionFilters) -> RowMapping:
    """Outcome counts of the decisions the filters select: from the summary where it holds
    them exactly, else counted over the decisions."""
    if summary.summary_answers(filters):
        scope = await summary.organisation_scope(session, filters)
        if scope is not None:
            return await summary.overall(session, filters, scope)
    return await counted_overall(session, filters)


async def counted_overall(session: AsyncSession, filters: DecisionFilters) -> RowMapping:
    """`overall` counted over the decisions, whatever the filters."""
    query = select(*outcome_columns()).where(*decision_conditions(filters))
    row = await fetch_one(session, query)
    assert row is not None  # an aggregate without GROUP BY always returns one row
    return row


async def grouped(
    session: AsyncSession, filters: DecisionFilters, group_by: GroupBy
) -> list[RowMapping]:
    """One row of outcome counts per group (see `overall` for where they are read)."""
    if summary.summary_answers(filters, group_by):
        scope = await summary.organisation_scope(session, filters)
        if scope is not None:
            return await summary.grouped(session, filters, group_by, scope)
    return await counted_grouped(session, filters, group_by)


async def counted_grouped(
    session: AsyncSession, filters: DecisionFilters, group_by: GroupBy
) -> list[RowMapping]:
    """`grouped` counted over the decisions, whatever the filters."""
    key, parent = group_key(group_by, DECISION)
    query = select(key.label("key"), parent.label("parent"), *outcome_columns()).where(
        *decision_conditions(filters)
    )
    if group_by is GroupBy.ORGANISATION:
        query = query.join(DecisionOrganisation, DecisionOrganisation.decision_id == Decision.id)
        query = query.join(Organisation, Organisation.id == DecisionOrganisation.organisation_id)
    return await fetch_all(session, in_group_order(query, group_by, key, parent, func.count()))


async def find_organisation(session: AsyncSession, key: str) -> Organisation | None:
    """An organisation by id or exact name (any case)."""
    return await session.scalar(select(Organisation).where(organisation_ids((key,))).limit(1))


async def organisation_of(session: AsyncSession, key: str) -> OrganisationRow | None:
    """find_organisation as a plain row (id, name, kind): no ORM load on the API's read paths."""
    query = select(Organisation.id, Organisation.name, Organisation.kind)
    conn = await session.connection()
    return (await conn.execute(query.where(organisation_ids((key,))).limit(1))).first()


async def comparison_side(
    session: AsyncSession,
    filters: DecisionFilters,
    scope: ColumnElement[bool] | None,
    link_scope: ColumnElement[bool] | None,
) -> dict[str, Any]:
    """Outcome counts, organisations and remedies for decisions within `scope` (None: all);
    `link_scope` picks which of the organisations those decisions name are counted."""
    where = [*decision_conditions(filters)] + ([scope] if scope is not None else [])
    links_where = where + ([link_scope] if link_scope is not None else [])
    counts = await fetch_one(session, select(*outcome_columns()).where(*where))
    links = await fetch_one(
        session,
        select(
            func.count().label("links"),
            func.count(func.distinct(DecisionOrganisation.organisation_id)).label("orgs"),
        )
        .join(Decision, Decision.id == DecisionOrganisation.decision_id)
        .join(Organisation, Organisation.id == DecisionOrganisation.organisation_id)
        .where(*links_where),
    )
    assert counts is not None and links is not None  # aggregates: always one row
    remedies = await fetch_scalar(
        session,
        select(func.count())
        .select_from(Remedy)
        .join(Decision, Decision.id == Remedy.decision_id)
        .where(*where, Decision.outcome == Outcome.UPHELD, Remedy.current.is_(True)),
    )
    return {
        "counts": counts,
        "links": int(links["links"]),
        "organisations": int(links["orgs"]),
        "remedies_on_upheld": int(remedies or 0),
    }


def named_by(organisation_id: int) -> ColumnElement[bool]:
    sub = select(DecisionOrganisation.decision_id).where(
        DecisionOrganisation.organisation_id == organisation_id
    )
    return Decision.id.in_(sub)


def kind_at_decision() -> ColumnElement[OrganisationKind]:
    """An organisation's kind on the decision's date: the link's where it changed over time
    (a county council replaced by a unitary one of the same name), else the organisation's."""
    return func.coalesce(DecisionOrganisation.kind, Organisation.kind)


def named_by_kind(kind: OrganisationKind) -> ColumnElement[bool]:
    sub = (
        select(DecisionOrganisation.decision_id)
        .join(Organisation, Organisation.id == DecisionOrganisation.organisation_id)
        .where(kind_at_decision() == kind)
    )
    return Decision.id.in_(sub)


async def kind_in_window(
    session: AsyncSession, filters: DecisionFilters, org: Organisation | OrganisationRow
) -> OrganisationKind:
    """The organisation's kind on the date of its latest decision within the filters (its
    stored kind where it has none there): the peer group it is compared with."""
    query = (
        select(kind_at_decision())
        .select_from(DecisionOrganisation)
        .join(Decision, Decision.id == DecisionOrganisation.decision_id)
        .join(Organisation, Organisation.id == DecisionOrganisation.organisation_id)
        .where(DecisionOrganisation.organisation_id == org.id, *decision_conditions(filters))
        .order_by(Decision.decided_on.desc().nulls_last())
        .limit(1)
    )
    found = await fetch_scalar(session, query)
    return OrganisationKind(found) if found is not None else org.kind


async def compare_sides(
    session: AsyncSession, filters: DecisionFilters, org: Organisation | OrganisationRow
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], OrganisationKind]:
    """(this organisation, organisations of its kind, all organisations, that kind): the kind
    is the one each organisation had on each decision's date."""
    this = await comparison_side(
        session, filters, named_by(org.id), DecisionOrganisation.organisation_id == org.id
    )
    peer = await kind_in_window(session, filters, org)
    kind = await comparison_side(session, filters, named_by_kind(peer), kind_at_decision() == peer)
    everyone = await comparison_side(session, filters, None, None)
    return this, kind, everyone, peer
