"""Organisations with their decision counts, and the category > subcategory tree."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

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
