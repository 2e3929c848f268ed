"""The annual report: what /v1/reports/annual returns and the console's figures page shows, from
one function, so the page's tables are the API's by construction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_api.decisions.criteria import DecisionFilters
from lgsco_api.kit.years import financial_year_bounds
from lgsco_api.organisations.schemas import OutcomeCounts, counts_from_row
from lgsco_api.reports import queries
from lgsco_api.reports.schemas import (
    REMEDY_LABELS,
    AnnualReport,
    RemedyRow,
    ReportOrder,
    decisions_as_filed,
    outcomes_as_filed,
)
from lgsco_shared.domain import ATTRIBUTION


async def annual_report(
    session: AsyncSession,
    organisation: Any,
    financial_year: str,
    *,
    site_url: str,
    order: ReportOrder = ReportOrder.OUTCOME,
) -> AnnualReport:
    """The tables of `organisation`'s report (anything with id, name and kind) for a year."""
    org_id = organisation.id
    filters = DecisionFilters(financial_year=financial_year)
    total = await queries.summary(session, org_id, filters)
    remedy_rows = [
        RemedyRow(action=REMEDY_LABELS[r["type"]], **r)
        for r in await queries.remedies(session, org_id, filters)
    ]
    start, end = financial_year_bounds(financial_year)
    return AnnualReport(
        organisation={
            "id": org_id,
            "name": organisation.name,
            "kind": organisation.kind.value,
        },
        financial_year=financial_year,
        period={"from": start, "to": end},
        summary=OutcomeCounts(**counts_from_row(total)),
        outcomes=outcomes_as_filed(await queries.outcomes(session, org_id, filters)),
        remedies=remedy_rows,
        remedies_total=sum(r.remedies for r in remedy_rows),
        decisions=decisions_as_filed(
            await queries.decisions(session, org_id, filters),
            await queries.decision_remedies(session, org_id, filters),
            site_url,
            order,
        ),
        attribution=ATTRIBUTION,
    )
