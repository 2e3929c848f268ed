"""/console/decisions: search with every filter of GET /v1/decisions, and one decision in full
(fields, sections, remedies, versions, and a link to the original on the LGSCO site)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from lgsco_api.console import pages
from lgsco_api.console.forms import first, read_query
from lgsco_api.decisions import queries, schemas, service
from lgsco_api.decisions.criteria import DecisionFilters, DecisionSort
from lgsco_api.decisions.schemas import (
    DecisionFilterQuery,
    item_from_row,
)
from lgsco_api.kit import pagination as cursor
from lgsco_api.kit.deps import SessionDep, SettingsDep
from lgsco_api.kit.errors import Problem
from lgsco_api.kit.query import from_form
from lgsco_api.organisations.schemas import OutcomeCounts, counts_from_row
from lgsco_api.statistics import queries as statistics
from lgsco_shared import references
from lgsco_shared.domain import Outcome

router = APIRouter()
PAGE_SIZE = 25
FILTERS = (
    "q", "organisation", "category", "subcategory", "outcome", "decided_from", "decided_to",
    "financial_year", "has_remedy", "status", "changed_since",
)  # fmt: skip
SORT_NAMES = {
    DecisionSort.NEWEST: "Newest first",
    DecisionSort.OLDEST: "Oldest first",
    DecisionSort.CHANGED: "Least recently changed first",
    DecisionSort.RELEVANCE: "Best match first (needs search words)",
}


def read_filters(query: dict[str, list[str]]) -> tuple[DecisionFilters | None, dict[str, str]]:
    """The API's DecisionFilters from the search form, through the API's own query model: what
    /v1/decisions refuses is refused here, with the same message, every error at once."""
    model, errors = from_form(DecisionFilterQuery, query)
    return (model.criteria(), {}) if model is not None else (None, errors)


def choose_sort(value: str | None, filters: DecisionFilters) -> DecisionSort | None:
    """The API's choice (its default when none is given); None for relevance without words."""
    try:
        return service.choose_sort(
            next((s for s in DecisionSort if s.value == value), None), filters
        )
    except service.SortNeedsQuery:
        return None


def _link(query: dict[str, list[str]], **changes: str | None) -> str:
    pairs = [(k, v) for k, values in query.items() if k not in changes for v in values]
    pairs += [(k, v) for k, v in changes.items() if v is not None]
    return urlencode(pairs)


@router.get("/decisions", response_class=HTMLResponse)
async def search(
    request: Request, session: SessionDep, settings: SettingsDep, viewer: pages.ReaderDep
) -> HTMLResponse:
    query = {k: v for k, v in read_query(request).items() if k in (*FILTERS, "sort", "cursor")}
    context: dict[str, Any] = {
        "section": "decisions",
        "values": query,
        "outcomes": list(Outcome),
        "sorts": SORT_NAMES,
        "errors": {},
        "items": None,
    }
    filters, errors = read_filters(query)
    sort = choose_sort(first(query, "sort"), filters) if filters else None
    if filters is not None and sort is None:
        errors = {"sort": "Best match needs search words."}
    if filters is None or sort is None:
        return pages.render(
            request, "decisions.html", context | {"errors": errors}, status_code=422
        )
    try:
        after = cursor.decode(c, sort.value) if (c := first(query, "cursor")) else None
        page = await queries.list_decisions(
            session, filters, sort=sort, after=after, limit=PAGE_SIZE, ranked=settings.search_ranked
        )
    except (Problem, queries.BadCursorKey):
        context["errors"] = {"cursor": "That page link is no longer valid; search again."}
        return pages.render(request, "decisions.html", context, status_code=422)
    total = OutcomeCounts(**counts_from_row(await statistics.overall(session, filters)))
    next_cursor = cursor.encode(sort.value, page.next_key) if page.next_key else None
    api_query = _link({k: v for k, v in query.items() if k in FILTERS}, sort=sort.value)
    context |= {
        "items": [item_from_row(row, settings.site_url) for row in page.rows],
        "total": total,
        "sort": sort,
        # As GET /v1/decisions says it: relevance orders only the newest matches.
        "ranking": schemas.ranking(total.decisions, settings.search_ranked)
        if sort is DecisionSort.RELEVANCE
        else None,
        "next_link": _link(query, cursor=next_cursor) if next_cursor else None,
        "first_link": _link(query, cursor=None) if "cursor" in query else None,
        "csv_link": f"/v1/decisions?{api_query}&format=csv",
        "json_link": f"/v1/decisions?{api_query}",
        "slug": lambda reference: reference.replace(" ", "-"),
    }
    return pages.render(request, "decisions.html", context)


@router.get("/decisions/{reference}", response_class=HTMLResponse)
async def show_decision(
    request: Request,
    reference: str,
    session: SessionDep,
    settings: SettingsDep,
    viewer: pages.ReaderDep,
) -> HTMLResponse:
    """The record GET /v1/decisions/{reference} returns, as a page."""
    try:
        canonical = references.normalise(reference)
    except references.InvalidReference as exc:
        return pages.error(request, 404, "Not a case reference", str(exc))
    record = await service.read_decision(session, canonical, site_url=settings.site_url)
    if record is None:
        return pages.error(
            request,
            404,
            f"Decision {canonical} is not stored",
            f"No decision {canonical} is stored. You can request its ingestion.",
            ingest_reference=canonical,
        )
    context = {"section": "decisions", "decision": record, "slug": references.to_slug(canonical)}
    return pages.render(request, "decision.html", context)
