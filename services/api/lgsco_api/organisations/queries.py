"""Organisations with outcome counts (one GROUP BY), and the category tree."""

from __future__ import annotations

from typing import Any

from sqlalchemy import RowMapping, Select, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_api.decisions.criteria import DecisionFilters
from lgsco_api.decisions.filters import decision_conditions, financial_year_label
from lgsco_api.statistics.outcomes import outcome_columns
from lgsco_shared.domain import OrganisationKind
from lgsco_shared.models import Decision, DecisionOrganisation, Organisation


def _with_counts() -> Select[Any]:
    return (
        select(
            Organisation.id,
            Organisation.name,
            Organisation.kind,
            Organisation.gss_code,
            func.max(Decision.decided_on).label("latest_decided_on"),
            *outcome_columns(),
        )
        .select_from(Organisation)
        .outerjoin(DecisionOrganisation, DecisionOrganisation.organisation_id == Organisation.id)
        .outerjoin(Decision, Decision.id == DecisionOrganisation.decision_id)
        .group_by(Organisation.id)
    )


async def list_organisations(
    session: AsyncSession,
    *,
    q: str | None,
    kind: OrganisationKind | None,
    after: tuple[str, int] | None,
    limit: int,
) -> tuple[list[RowMapping], tuple[str, int] | None]:
    """Organisations by name; `after` is the (lower name, id) the previous page ended with."""
    query = _with_counts()
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Organisation.name.ilike(f"%{escaped}%", escape="\\"))
    if kind is not None:
        query = query.where(Organisation.kind == kind)
    key = tuple_(func.lower(Organisation.name), Organisation.id)
    if after is not None:
        query = query.where(key > tuple_(*after))
    query = query.order_by(func.lower(Organisation.name), Organisation.id).limit(limit + 1)
    rows = list((await session.execute(query)).mappings())
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], (str(last["name"]).lower(), int(last["id"]))


async def get_organisation(session: AsyncSession, organisation_id: int) -> RowMapping | None:
    query = _with_counts().where(Organisation.id == organisation_id)
    row: RowMapping | None = (await session.execute(query)).mappings().first()
    return row


async def by_financial_year(session: AsyncSession, organisation_id: int) -> list[RowMapping]:
    year = financial_year_label(Decision.decided_on)
    query = (
        select(year.label("financial_year"), *outcome_columns())
        .join(DecisionOrganisation, DecisionOrganisation.decision_id == Decision.id)
        .where(DecisionOrganisation.organisation_id == organisation_id)
        .group_by(year)
        .order_by(year.desc().nulls_last())
    )
    return list((await session.execute(query)).mappings())


async def category_counts(session: AsyncSession, filters: DecisionFilters) -> list[RowMapping]:
    query = (
        select(Decision.category, Decision.subcategory, func.count().label("decisions"))
        .where(*decision_conditions(filters))
        .group_by(Decision.category, Decision.subcategory)
        .order_by(Decision.category.nulls_last(), Decision.subcategory.nulls_last())
    )
    return list((await session.execute(query)).mappings())


async def unmapped(session: AsyncSession, limit: int = 100) -> tuple[int, list[RowMapping]]:
    """Organisations of unknown kind (councils not in the reference table, bodies nothing
    classifies), most decided about first: what an operator maps with PATCH."""
    unknown = Organisation.kind == OrganisationKind.UNKNOWN
    total = int(await session.scalar(select(func.count()).where(unknown)) or 0)
    decisions = func.count(DecisionOrganisation.decision_id).label("decisions")
    query = (
        select(Organisation.id, Organisation.name, Organisation.kind, decisions)
        .select_from(Organisation)
        .outerjoin(DecisionOrganisation, DecisionOrganisation.organisation_id == Organisation.id)
        .where(unknown)
        .group_by(Organisation.id)
        .order_by(decisions.desc(), Organisation.name)
        .limit(limit)
    )
    return total, list((await session.execute(query)).mappings())


async def set_kind(
    session: AsyncSession, organisation_id: int, kind: OrganisationKind, gss_code: str | None
) -> bool:
    """Record an operator's mapping; the organisation's links then take its kind (a dated
    kind read from the name no longer applies). False when there is no such organisation."""
    found = await session.execute(
        update(Organisation)
        .where(Organisation.id == organisation_id)
        .values(kind=kind, gss_code=gss_code)
        .returning(Organisation.id)
    )
    if found.first() is None:
        return False
    await session.execute(
        update(DecisionOrganisation)
        .where(DecisionOrganisation.organisation_id == organisation_id)
        .values(kind=None)
    )
    return True
