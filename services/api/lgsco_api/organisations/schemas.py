"""Organisations with their decision counts, and the category > subcategory tree."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from lgsco_api.kit.query import Cursor, Limit, QueryModel
from lgsco_shared.domain import OrganisationKind


class OutcomeCounts(BaseModel):
    decisions: int
    upheld: int
    not_upheld: int
    closed_after_initial_enquiries: int
    unknown: int = Field(description="Decisions whose page states no outcome.")
    uphold_rate: float | None = Field(
        description="upheld / (upheld + not_upheld): the share of complaints investigated in "
        "detail that were upheld; null when none were."
    )


class OrganisationSummary(OutcomeCounts):
    id: int
    name: str = Field(examples=["Kent County Council"])
    kind: OrganisationKind
    gss_code: str | None = Field(
        default=None,
        description="ONS/GSS code of the local authority it is (E06 unitary, E07 district, E08 "
        "metropolitan borough, E09 London borough, E10 county); null for a body that is not a "
        "council, or a council not yet mapped.",
        examples=["E10000016"],
    )
    latest_decided_on: date | None


class OrganisationPage(BaseModel):
    items: list[OrganisationSummary]
    next_cursor: str | None
    limit: int


class YearCounts(OutcomeCounts):
    financial_year: str | None


class OrganisationRead(OrganisationSummary):
    by_financial_year: list[YearCounts]


class SubcategoryNode(BaseModel):
    subcategory: str | None
    decisions: int


class CategoryNode(BaseModel):
    category: str | None = Field(examples=["Adult care services"])
    decisions: int
    subcategories: list[SubcategoryNode]


class CategoryTree(BaseModel):
    filters: dict[str, Any]
    decisions: int
    categories: list[CategoryNode]


def uphold_rate(upheld: int, not_upheld: int) -> float | None:
    investigated = upheld + not_upheld
    return round(upheld / investigated, 4) if investigated else None


def counts_from_row(row: Any) -> dict[str, Any]:
    """The outcome counts of an aggregate row, with the uphold rate worked out from them."""
    return {
        "decisions": int(row["decisions"]),
        "upheld": int(row["upheld"]),
        "not_upheld": int(row["not_upheld"]),
        "closed_after_initial_enquiries": int(row["closed_after_initial_enquiries"]),
        "unknown": int(row["unknown"]),
        "uphold_rate": uphold_rate(int(row["upheld"]), int(row["not_upheld"])),
    }


class OrganisationMapping(BaseModel):
    """What an operator records about an organisation the reference table did not match."""

    model_config = {"extra": "forbid"}

    gss_code: str | None = Field(
        default=None,
        pattern=r"^E(06|07|08|09|10)\d{6}$",
        description="GSS code of the English local authority it is; its kind then comes from "
        "the reference table. Omit for a body that is not a council.",
        examples=["E06000038"],
    )
    kind: OrganisationKind | None = Field(
        default=None,
        description="Kind of a body that is not a council (care_provider, other); ignored "
        "when gss_code is given.",
        examples=["care_provider"],
    )


class OrganisationListQuery(QueryModel):
    """GET /v1/organisations: by name, kind, and a page."""

    q: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="Part of the name, any case.",
        examples=["kent"],
    )
    kind: OrganisationKind | None = Field(None, description="Kind of body.")
    limit: Limit = 50
    cursor: Cursor | None = None
