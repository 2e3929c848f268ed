"""/v1/stats: outcome counts and uphold rates, and one organisation against the rest."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from lgsco_api.decisions.criteria import DecisionFilters
from lgsco_api.kit.auth import ReadDep
from lgsco_api.kit.deps import SessionDep, known
from lgsco_api.kit.known import unknown_organisation
from lgsco_api.kit.query import ClosedQueryRoute
from lgsco_api.kit.schemas import ERRORS, NOT_FOUND
from lgsco_api.organisations.schemas import OutcomeCounts, counts_from_row
from lgsco_api.statistics import queries, schemas

router = APIRouter(
    prefix="/stats", tags=["statistics"], responses=ERRORS, route_class=ClosedQueryRoute
)


@router.get("/outcomes", response_model=schemas.OutcomeStats)
async def outcome_stats(
    session: SessionDep, query: Annotated[schemas.OutcomeStatsQuery, Query()], _: ReadDep
) -> schemas.OutcomeStats:
    """Decisions by outcome, and the uphold rate, for any filter of /v1/decisions.

    The uphold rate is upheld / (upheld + not upheld): the share of complaints the Ombudsman
    investigated in detail that were upheld, as the LGSCO reports it. Decisions closed after
    initial enquiries are counted but are not in the rate.
    """
    filters, group_by = await known(session, query.criteria()), query.group_by
    total = await queries.overall(session, filters)
    rows = await queries.grouped(session, filters, group_by) if group_by else []
    return schemas.OutcomeStats(
        filters=filters.applied(),
        group_by=group_by,
        overall=OutcomeCounts(**counts_from_row(total)),
        groups=[
            schemas.OutcomeGroup(key=r["key"], parent=r["parent"], **counts_from_row(r))
            for r in rows
        ],
    )


@router.get("/compare", response_model=schemas.Comparison, responses=NOT_FOUND)
async def compare(
    session: SessionDep,
    _: ReadDep,
    query: Annotated[schemas.OrganisationYearQuery, Query()],
) -> schemas.Comparison:
    """One organisation against all organisations and against organisations of the same kind.

    Compared on decisions, uphold rate and remedies agreed per upheld decision. `kind` is the
    organisation's type from the reference table of English local authorities (county,
    district, unitary, metropolitan, London borough), on the date of its latest decision in the
    year; each peer counts with the type it had on each decision's date (Somerset County Council
    is a county until 31 March 2023, Somerset Council a unitary since).
    """
    organisation, financial_year = query.organisation, query.financial_year
    org = await queries.organisation_of(session, organisation)
    if org is None:
        raise await unknown_organisation(session, organisation)
    filters = DecisionFilters(financial_year=financial_year)
    this, kind, everyone, peer = await queries.compare_sides(session, filters, org)
    return schemas.Comparison(
        organisation={"id": org.id, "name": org.name, "kind": org.kind},
        financial_year=financial_year,
        kind=peer,
        this_organisation=_side(this),
        same_kind=_side(kind),
        all_organisations=_side(everyone),
    )


def _side(side: dict[str, Any]) -> schemas.ComparisonSide:
    counts = counts_from_row(side["counts"])
    orgs, upheld = side["organisations"], counts["upheld"]
    return schemas.ComparisonSide(
        **counts,
        organisations=orgs,
        decisions_per_organisation=round(side["links"] / orgs, 2) if orgs else None,
        remedies_on_upheld=side["remedies_on_upheld"],
        remedies_per_upheld_decision=round(side["remedies_on_upheld"] / upheld, 2)
        if upheld
        else None,
    )
