"""Outcome statistics and the organisation comparison."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from lgsco_api.decisions.schemas import DecisionFilterQuery
from lgsco_api.kit.query import FinancialYear, QueryModel
from lgsco_api.organisations.schemas import OutcomeCounts
from lgsco_api.statistics.criteria import GroupBy
from lgsco_shared.domain import OrganisationKind


class OutcomeGroup(OutcomeCounts):
    key: str | None = Field(
        description="The organisation, category, subcategory, financial year (2023-24) or "
        "month (2024-03) counted; null for decisions that do not state it.",
        examples=["Kent County Council"],
    )
    parent: str | None = Field(
        default=None, description="The category, when grouping by subcategory."
    )


class OutcomeStats(BaseModel):
    """Counts by outcome for the filters given; with group_by, one row per group.

    With group_by=organisation a decision naming two bodies counts once for each; `overall`
    always counts it once.
    """

    filters: dict[str, Any]
    group_by: GroupBy | None
    overall: OutcomeCounts
    groups: list[OutcomeGroup]


class ComparisonSide(OutcomeCounts):
    organisations: int = Field(description="Organisations with decisions in this scope.")
    decisions_per_organisation: float | None
    remedies_on_upheld: int = Field(description="Remedies agreed in upheld decisions.")
    remedies_per_upheld_decision: float | None


class Comparison(BaseModel):
    organisation: dict[str, Any] = Field(
        examples=[{"id": 12, "name": "Kent County Council", "kind": "county"}]
    )
    financial_year: str | None
    this_organisation: ComparisonSide
    same_kind: ComparisonSide
    all_organisations: ComparisonSide
    kind: OrganisationKind


# Query parameters ----------------------------------------------------------------------------

# The one organisation a report or a comparison is about.
OrganisationKey = Annotated[
    str,
    Field(
        min_length=1,
        max_length=300,
        description="Organisation id or exact name.",
        examples=["Kent County Council"],
    ),
]


class OutcomeStatsQuery(DecisionFilterQuery):
    """GET /v1/stats/outcomes: any decision filter, and what to group by."""

    group_by: GroupBy | None = Field(None, description="One row per value of this.")


class OrganisationYearQuery(QueryModel):
    """One organisation, in one year or all: GET /v1/stats/compare and the console's figures."""

    organisation: OrganisationKey
    financial_year: FinancialYear | None = Field(
        None, description="Year compared, like 2023-24; all years if absent."
    )
