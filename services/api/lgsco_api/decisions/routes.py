"""/v1/decisions: filtered, searchable, keyset-paged lists (JSON or CSV) and full records."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import JSONResponse

from lgsco_api.decisions import queries, schemas, service
from lgsco_api.decisions.criteria import DecisionFilters, DecisionSort
from lgsco_api.kit import csvout
from lgsco_api.kit import pagination as cursor
from lgsco_api.kit.auth import ReadDep
from lgsco_api.kit.deps import SessionDep, SettingsDep, invalid, known
from lgsco_api.kit.errors import NotFound, Problem
from lgsco_api.kit.query import ClosedQueryRoute
from lgsco_api.kit.schemas import ERRORS, NOT_FOUND, REFERENCE_SCHEMA
from lgsco_shared import references
from lgsco_shared.domain import ATTRIBUTION
from lgsco_shared.settings import Settings

router = APIRouter(
    prefix="/decisions", tags=["decisions"], responses=ERRORS, route_class=ClosedQueryRoute
)

CSV_DOC: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"example": "id,reference,organisations,...\r\n"}}}
}


@router.get("", response_model=schemas.DecisionPage, responses=CSV_DOC)
async def list_decisions(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    query: Annotated[schemas.DecisionListQuery, Query()],
    _: ReadDep,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Any:
    """Decisions matching every filter given, newest first unless `sort` says otherwise.

    Pages are keyset-based: pass `next_cursor` back as `cursor` until it is null. Rows added while
    you page do not shift or repeat later pages. For incremental sync, keep the largest
    `last_changed_at` you have seen and ask with `changed_since`; decisions taken down come back
    with `status: archived` (at about five years) or `withdrawn` (sooner). With `q`, results are
    ranked and carry a highlighted `snippet`: relevance orders the newest 1,000 matches
    (LGSCO_SEARCH_RANKED), and `ranking` says how many matched. `format=csv` (or
    `Accept: text/csv`) streams the same rows as CSV.
    """
    filters = await known(session, query.criteria())
    fields, limit, ranked = query.fields, query.limit, settings.search_ranked
    try:
        chosen_sort = service.choose_sort(query.sort, filters)
    except service.SortNeedsQuery as exc:
        raise invalid("sort", str(exc)) from None
    try:
        columns = schemas.pick_fields(fields)
    except ValueError as exc:
        raise invalid("fields", str(exc)) from None
    if filters.q is not None and fields is None:
        columns = (*columns, "rank", "snippet")
    after = cursor.decode(query.cursor, chosen_sort.value) if query.cursor else None
    try:
        if csvout.wants_csv(query.format, accept):
            if fields is None:  # the names are the organisations column already
                columns = tuple(c for c in columns if c != "organisation_names")
            following: dict[str, str] = {}
            if limit is not None:  # a bounded export: where the next one starts
                bounded = await queries.list_decisions(
                    session, filters, sort=chosen_sort, after=after, limit=limit, ranked=ranked
                )
                if bounded.next_key:
                    following = cursor.next_headers(
                        request, cursor.encode(chosen_sort.value, bounded.next_key)
                    )
            rows = _csv_rows(session, settings, filters, chosen_sort, after, limit, columns)
            return csvout.csv_response(columns, rows, "decisions.csv", following)
        page = await queries.list_decisions(
            session, filters, sort=chosen_sort, after=after, limit=limit or 50, ranked=ranked
        )
    except queries.BadCursorKey:
        raise invalid("cursor", "it is not a cursor this API returned") from None
    items = schemas.items_json(page.rows, settings.site_url, columns)
    next_cursor = cursor.encode(chosen_sort.value, page.next_key) if page.next_key else None
    # Items are already JSON and may be trimmed by fields=, so they bypass response validation.
    page_body: dict[str, Any] = {
        "items": items,
        "next_cursor": next_cursor,
        "limit": limit or 50,
        "sort": chosen_sort.value,
        "ranking": None,
        "attribution": ATTRIBUTION,
    }
    if chosen_sort is DecisionSort.RELEVANCE:
        matches = await queries.count_matches(session, filters)
        page_body["ranking"] = schemas.ranking(matches, ranked).model_dump()
    return JSONResponse(page_body, headers=cursor.next_headers(request, next_cursor))


async def _csv_rows(
    session: SessionDep,
    settings: Settings,
    filters: DecisionFilters,
    sort: DecisionSort,
    after: list[Any] | None,
    limit: int | None,
    columns: tuple[str, ...],
) -> AsyncIterator[dict[str, Any]]:
    rows = queries.stream_decisions(
        session, filters, sort=sort, after=after, limit=limit, ranked=settings.search_ranked
    )
    async for row in rows:
        item = schemas.item_from_row(row, settings.site_url).model_dump(include=set(columns))
        if "organisations" in item:  # a spreadsheet cell holds the names
            item["organisations"] = [o["name"] for o in item["organisations"]]
        yield item


@router.get("/{reference}", response_model=schemas.DecisionRead, responses=NOT_FOUND)
async def get_decision(
    reference: Annotated[
        str,
        Path(
            description="Any form: '22 003 374', '22-003-374', '22003374'.",
            examples=["22-003-374"],
            json_schema_extra=REFERENCE_SCHEMA,
        ),
    ],
    session: SessionDep,
    settings: SettingsDep,
    _: ReadDep,
) -> schemas.DecisionRead:
    """One decision in full: sections, remedies, organisations, versions, source URL and state.

    A malformed reference is 422 with what a reference looks like. A well-formed reference that
    is not stored is 404; ask for it to be ingested with
    `POST /v1/jobs {"kind": "ingest_reference", "reference": "..."}` (scope `jobs:write`).
    """
    try:
        canonical = references.normalise(reference)
    except references.InvalidReference as exc:
        raise invalid("reference", str(exc), where="path") from None
    decision = await service.read_decision(session, canonical, site_url=settings.site_url)
    if decision is None:
        raise _not_stored(canonical)
    return decision


def _not_stored(reference: str) -> Problem:
    request = {"kind": "ingest_reference", "reference": reference}
    return NotFound(
        "decision",
        reference,
        hint=(
            "To request its ingestion, POST /v1/jobs with "
            f'{{"kind": "ingest_reference", "reference": "{reference}"}} '
            "(an API key with scope jobs:write); then GET /v1/decisions/"
            f"{references.to_slug(reference)} again once the job has succeeded."
        ),
    ).with_extra(ingest={"method": "POST", "href": "/v1/jobs", "body": request})
