"""/console/decisions: search with every filter of GET /v1/decisions, and one decision in full
(fields, sections, remedies, versions, and a link to the original on the LGSCO site)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from lgsco_api.console import pages
from lgsco_api.console.forms import first, read_query
from lgsco_api.decisions import queries, service
from lgsco_api.decisions.criteria import DecisionFilters, DecisionSort
from lgsco_api.decisions.schemas import (
    item_from_row,
)
from lgsco_api.kit import pagination as cursor
from lgsco_api.kit.deps import SessionDep, SettingsDep, decision_filters
from lgsco_api.kit.errors import Problem
from lgsco_api.organisations.schemas import OutcomeCounts, counts_from_row
from lgsco_api.statistics import queries as statistics
from lgsco_shared import references
from lgsco_shared.domain import Outcome, PublicationStatus

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


def _parse(
    query: dict[str, list[str]], name: str, convert: Callable[[str], Any], message: str
) -> tuple[Any, str | None]:
    value = first(query, name)
    if value is None:
        return None, None
    try:
        return convert(value), None
    except ValueError:
        return None, message


def _boolean(value: str) -> bool:
    if value not in ("true", "false"):
        raise ValueError(value)
    return value == "true"


def read_filters(query: dict[str, list[str]]) -> tuple[DecisionFilters | None, dict[str, str]]:
    """The API's DecisionFilters from the search form, through the API's own checks."""
    errors: dict[str, str] = {}
    parsed: dict[str, Any] = {}
    for name, convert, message in (
        ("decided_from", date.fromisoformat, "Enter a date like 2024-01-31."),
        ("decided_to", date.fromisoformat, "Enter a date like 2024-01-31."),
        ("changed_since", datetime.fromisoformat, "Enter a time like 2024-01-31T09:00."),
        ("has_remedy", _boolean, "Choose yes, no or either."),
        ("status", PublicationStatus, "Choose published, archived or withdrawn."),
    ):
        parsed[name], error = _parse(query, name, convert, message)
        if error:
            errors[name] = error
    outcomes = query.get("outcome", [])
    if any(o not in {m.value for m in Outcome} for o in outcomes):
        errors["outcome"] = "Choose outcomes from the list."
    for name, longest in (("q", 500), ("category", 300), ("subcategory", 300)):
        parsed[name] = first(query, name)
        if parsed[name] is not None and len(parsed[name]) > longest:
            errors[name] = f"Use at most {longest} characters."
    organisations = query.get("organisation", [])
    if any(len(o) > 300 for o in organisations):
        errors["organisation"] = "Use at most 300 characters."
    # The API's own checks run on what did parse, so every error shows at once.
    usable = {name: None if name in errors else value for name, value in parsed.items()}
    try:
        filters = decision_filters(
            organisation=None if "organisation" in errors else organisations or None,
            outcome=None if "outcome" in errors else [Outcome(o) for o in outcomes] or None,
            financial_year=first(query, "financial_year"),
            **usable,
        )
    except Problem as problem:
        for error in problem.extra.get("errors", []):
            errors.setdefault(error["parameter"], error["message"])
        return None, errors or {"q": problem.detail}
    if errors:
        return None, errors
    return filters, {}


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
            session, filters, sort=sort, after=after, limit=PAGE_SIZE
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
