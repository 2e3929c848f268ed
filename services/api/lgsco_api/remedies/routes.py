"""/v1/remedies: what bodies agreed to do, tracked by councils, with an audit trail.

Updates use optimistic locking: GET returns the remedy's revision as its ETag and PATCH must
send it back in If-Match, so two officers editing the same remedy cannot overwrite each other.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Query, Request, Response

from lgsco_api.kit import csvout, pagination
from lgsco_api.kit.auth import RemediesReadDep, RemediesWriteDep
from lgsco_api.kit.deps import SessionDep, SettingsDep, invalid, known
from lgsco_api.kit.errors import NotFound, Problem
from lgsco_api.kit.query import ClosedQueryRoute
from lgsco_api.kit.schemas import AUTH_ERRORS, ERRORS, NOT_FOUND
from lgsco_api.remedies import queries, schemas
from lgsco_shared.domain import Provenance, RemedyCommitment, RemedyStatus

router = APIRouter(tags=["remedies"], responses=ERRORS, route_class=ClosedQueryRoute)
MAX_ID = 2**31 - 1
RemedyId = Annotated[int, Path(ge=1, le=MAX_ID, description="Remedy id.")]
CSV_DOC: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"example": "id,decision_reference,type,...\r\n"}}}
}


def etag(revision: int) -> str:
    return f'"{revision}"'


@router.get("/remedies", response_model=schemas.RemedyPage, responses=CSV_DOC)
async def list_remedies(
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    query: Annotated[schemas.RemedyListQuery, Query()],
    _: RemediesReadDep,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Any:
    """Remedies matching the filters, oldest first, paged with `cursor`; CSV streams them all."""
    filters, limit = await known(session, query.criteria()), query.limit
    after = pagination.decode_id(query.cursor)
    if csvout.wants_csv(query.format, accept):
        rows, _next = await queries.list_remedies(
            session, filters, after_id=after, limit=limit or 100_000
        )
        items = [schemas.read_from_row(r, settings.site_url).model_dump() for r in rows]
        following = pagination.next_headers(request, pagination.encode_id(_next))
        return csvout.csv_response(
            list(schemas.RemedyRead.model_fields),
            csvout.from_list(items),
            "remedies.csv",
            following,
        )
    rows, next_id = await queries.list_remedies(session, filters, after_id=after, limit=limit or 50)
    next_cursor = pagination.encode_id(next_id)
    response.headers.update(pagination.next_headers(request, next_cursor))
    return schemas.RemedyPage(
        items=[schemas.read_from_row(r, settings.site_url) for r in rows],
        next_cursor=next_cursor,
        limit=limit or 50,
    )


@router.get("/remedies/{remedy_id}", response_model=schemas.RemedyRead, responses=NOT_FOUND)
async def get_remedy(
    remedy_id: RemedyId,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    _: RemediesReadDep,
) -> schemas.RemedyRead:
    """One remedy; the ETag header is its revision, to send back in If-Match when updating."""
    row = await queries.get_remedy(session, remedy_id)
    if row is None:
        raise NotFound("remedy", remedy_id)
    response.headers["ETag"] = etag(row["revision"])
    return schemas.read_from_row(row, settings.site_url)


@router.patch(
    "/remedies/{remedy_id}",
    response_model=schemas.RemedyRead,
    responses={
        **NOT_FOUND,
        **AUTH_ERRORS,
        412: {"description": "If-Match does not name the current revision: re-read and retry."},
        428: {"description": "If-Match is missing."},
    },
)
async def update_remedy(
    remedy_id: RemedyId,
    update: Annotated[schemas.RemedyUpdate, Body()],
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    principal: RemediesWriteDep,
    if_match: Annotated[str | None, Header(description='The ETag from GET, e.g. "3".')] = None,
) -> schemas.RemedyRead:
    """Record a remedy's tracking status, completion date or evidence note (scope remedies:write).

    Send `If-Match` with the ETag from `GET /v1/remedies/{id}`; a stale one is 412 and nothing
    changes. Every change is written to the remedy's history with the API key's name.
    """
    if if_match is None:
        raise Problem(428, "Send If-Match with the ETag from GET /v1/remedies/{id}.")
    revision = _revision(if_match)
    values = update.changes()
    if "status" in values and values["status"] is not None:
        values["status"] = RemedyStatus(values["status"])
        values["status_source"] = Provenance.RECORDED
        if values["status"] is RemedyStatus.COMPLETED and "completed_on" not in values:
            values["completed_on"] = _today()
    if values.get("status") is None:
        values.pop("status", None)
    if values.get("completed_on") is not None:
        await _check_completed_on(session, remedy_id, values["completed_on"])
    actor = principal.name or "anonymous"
    if not await queries.update_remedy(
        session, remedy_id, revision=revision, values=values, actor=actor
    ):
        if not await queries.remedy_exists(session, remedy_id):
            raise NotFound("remedy", remedy_id)
        raise Problem(412, "The remedy has changed since that ETag; GET it again and retry.")
    await session.commit()
    row = await queries.get_remedy(session, remedy_id)
    assert row is not None
    response.headers["ETag"] = etag(row["revision"])
    return schemas.read_from_row(row, settings.site_url)


def _revision(if_match: str) -> int:
    value = if_match.strip().removeprefix("W/").strip('"')
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        raise Problem(412, f"If-Match {if_match!r} is not an ETag this API returned.")
    return int(value)


def _today() -> date:
    return datetime.now(UTC).date()


async def _check_completed_on(session: SessionDep, remedy_id: int, completed_on: date) -> None:
    """A completion date is not in the future, nor before the decision unless the decision says
    the remedy was given before it."""
    if completed_on > _today():
        raise invalid("completed_on", "is in the future", where="body")
    row = await queries.get_remedy(session, remedy_id)
    if row is None:
        raise NotFound("remedy", remedy_id)
    decided = row["decided_on"]
    given_before = row["commitment"] == RemedyCommitment.ALREADY_DONE
    if decided is not None and completed_on < decided and not given_before:
        raise invalid(
            "completed_on", f"is before the decision ({decided.isoformat()})", where="body"
        )


@router.get(
    "/remedies/{remedy_id}/history",
    response_model=list[schemas.RemedyEventRead],
    responses=NOT_FOUND,
)
async def remedy_history(
    remedy_id: RemedyId, session: SessionDep, _: RemediesReadDep
) -> list[schemas.RemedyEventRead]:
    """Who changed what on a remedy, oldest first."""
    if not await queries.remedy_exists(session, remedy_id):
        raise NotFound("remedy", remedy_id)
    events = await queries.history(session, remedy_id)
    return [schemas.RemedyEventRead.model_validate(e, from_attributes=True) for e in events]


@router.get("/stats/remedies", response_model=schemas.RemedyStats, tags=["statistics"])
async def remedy_stats(
    session: SessionDep, query: Annotated[schemas.RemedyFilterQuery, Query()], _: RemediesReadDep
) -> schemas.RemedyStats:
    """Remedies by type (with decisions and amounts) and by tracking status, for any filter."""
    filters = await known(session, query.criteria())
    by_type = await queries.stats_by_type(session, filters)
    by_status = await queries.stats_by_status(session, filters)
    return schemas.RemedyStats(
        filters=filters.applied(),
        total=sum(by_status.values()),
        by_type=[schemas.RemedyTypeCount.model_validate(dict(r)) for r in by_type],
        by_status={s.value: by_status.get(s.value, 0) for s in RemedyStatus},
    )


@router.get("/stats/compliance", response_model=schemas.ComplianceReport, tags=["statistics"])
async def compliance(
    session: SessionDep, query: Annotated[schemas.RemedyFilterQuery, Query()], _: RemediesReadDep
) -> schemas.ComplianceReport:
    """Per organisation: remedies owed after the decision, with and without a stated deadline.

    Remedies with a deadline are completed on time, completed late, overdue or not yet due;
    remedies without one are completed or not, and are never "due". Remedies given before the
    decision, merely offered, or marked not required are counted apart and enter no rate.
    `completion_rate` and `on_time_rate` are computed over remedies whose deadline has passed
    (or which are completed); where there are none the value is null with the reason, never 1.0.
    Statuses are read from the decision's wording until a council records one
    (`status_recorded` says how many were).
    """
    filters = await known(session, query.criteria())
    rows = await queries.compliance(session, filters)
    return schemas.ComplianceReport(
        filters=filters.applied(), organisations=[schemas.compliance_row(r) for r in rows]
    )
