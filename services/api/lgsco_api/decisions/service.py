"""Decisions: the operations the JSON routes and the console both call, so a record or a list in
the console is the API's by construction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_api.decisions import queries
from lgsco_api.decisions.criteria import DecisionFilters, DecisionSort
from lgsco_api.decisions.schemas import (
    DecisionRead,
    OrganisationRef,
    RemedyBrief,
    Section,
    VersionRead,
)
from lgsco_api.kit.schemas import source_url
from lgsco_api.kit.years import financial_year_of
from lgsco_shared.domain import ATTRIBUTION


class SortNeedsQuery(ValueError):
    """sort=relevance without a full-text query."""

    def __init__(self) -> None:
        super().__init__("sort=relevance needs a full-text query q")


def choose_sort(sort: DecisionSort | None, filters: DecisionFilters) -> DecisionSort:
    """The sort asked for, else relevance with q, changed_at with changed_since, else newest."""
    if sort is None:
        if filters.q is not None:
            return DecisionSort.RELEVANCE
        if filters.changed_since is not None:
            return DecisionSort.CHANGED
        return DecisionSort.NEWEST
    if sort is DecisionSort.RELEVANCE and filters.q is None:
        raise SortNeedsQuery
    return sort


async def read_decision(
    session: AsyncSession, reference: str, *, site_url: str
) -> DecisionRead | None:
    """One stored decision in full (`reference` canonical), or None when it is not stored."""
    decision = await queries.get_record(session, reference)
    if decision is None:
        return None
    remedies = await queries.remedies_of(session, decision["id"])
    versions = await queries.versions_of(session, decision["id"])
    decided_on = decision["decided_on"]
    return DecisionRead(
        **{f: decision[f] for f in _COPIED},
        organisations=[OrganisationRef(**o) for o in decision["organisations"]],
        financial_year=financial_year_of(decided_on) if decided_on else None,
        sections=[_section(s) for s in decision["sections"] or []],
        remedies=[RemedyBrief(**r) for r in remedies],
        versions=[VersionRead(**v._mapping) for v in versions],
        source_url=source_url(site_url, decision["permalink"]),
        attribution=ATTRIBUTION,
    )


_COPIED = [
    "id", "reference", "category", "subcategory", "outcome", "outcome_label", "fine_outcome",
    "finding", "decided_on", "summary", "has_remedy", "status", "withdrawn_on", "republished_on",
    "parse_warnings",
    "version", "first_seen_at", "last_fetched_at", "last_changed_at",
]  # fmt: skip


def _section(stored: dict[str, Any]) -> Section:
    """Sections are stored as the parser wrote them: {"heading": ..., "paragraphs": [...]}."""
    paragraphs = stored.get("paragraphs") or []
    return Section(
        heading=str(stored.get("heading") or ""), paragraphs=[str(p) for p in paragraphs]
    )
