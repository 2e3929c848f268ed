"""/v1/jobs: ask the worker for ingest runs, and watch what it does (schedules: schedules.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Request, Response

from lgsco_api.jobs import queries, schemas, service
from lgsco_api.kit import pagination
from lgsco_api.kit.auth import JobsWriteDep, RunsReadDep
from lgsco_api.kit.deps import QueueDep, SessionDep, SettingsDep, invalid
from lgsco_api.kit.errors import NotFound, Unavailable
from lgsco_api.kit.query import ClosedQueryRoute
from lgsco_api.kit.schemas import AUTH_ERRORS, ERRORS, NOT_FOUND
from lgsco_shared.jobs import JobRequest

router = APIRouter(tags=["jobs"], responses=ERRORS, route_class=ClosedQueryRoute)
MAX_ID = 2**31 - 1


@router.post(
    "/jobs",
    status_code=202,
    response_model=schemas.JobAccepted,
    responses={**AUTH_ERRORS, 503: {"description": "The job queue (Redis) is unreachable."}},
)
async def submit_job(
    request: Annotated[JobRequest, Body()],
    _: JobsWriteDep,
    session: SessionDep,
    queue: QueueDep,
    response: Response,
    settings: SettingsDep,
) -> schemas.JobAccepted:
    """Ask the worker to ingest one reference or crawl a date window (scope jobs:write).

    A crawl starts no earlier than 2010 and spans at most LGSCO_MAX_CRAWL_MONTHS months
    (default 120); a longer or earlier window is a 422 naming the date to change.

    Answers 202 with the run and a Location header to poll. The same request while an equal one
    is queued or running returns that run (`created: false`) instead of starting another.
    """
    try:
        run, created = await service.submit(
            session, queue, request, max_months=settings.max_crawl_months
        )
    except service.Refused as exc:
        raise invalid(exc.field, exc.message, where="body") from None
    except service.QueueUnreachable as exc:
        raise Unavailable("queue", str(exc)) from exc
    response.headers["Location"] = f"/v1/jobs/{run.id}"
    return schemas.JobAccepted(**schemas.run_read(run, 0), created=created)


@router.get("/jobs", response_model=schemas.RunPage)
async def list_jobs(
    request: Request,
    response: Response,
    session: SessionDep,
    _: RunsReadDep,
    query: Annotated[schemas.JobListQuery, Query()],
) -> schemas.RunPage:
    """Ingest runs, newest first, with status, timings and counts."""
    found, next_id = await queries.list_runs(
        session,
        kind=query.kind,
        status=query.status,
        before_id=pagination.decode_id(query.cursor),
        limit=query.limit,
    )
    counts = await queries.failure_counts(session, [r.id for r in found])
    next_cursor = pagination.encode_id(next_id)
    response.headers.update(pagination.next_headers(request, next_cursor))
    return schemas.RunPage(
        items=[schemas.RunRead(**schemas.run_read(r, counts.get(r.id, 0))) for r in found],
        next_cursor=next_cursor,
        limit=query.limit,
    )


@router.get("/jobs/{run_id}", response_model=schemas.RunDetail, responses=NOT_FOUND)
async def get_job(
    run_id: Annotated[int, Path(ge=1, le=MAX_ID)], session: SessionDep, _: RunsReadDep
) -> schemas.RunDetail:
    """One run: status, timings, counts (new/changed/unchanged/withdrawn/failed) and failures."""
    run = await queries.get_run(session, run_id)
    if run is None:
        raise NotFound("job", run_id, "See GET /v1/jobs for recent runs.")
    failures = await queries.failures_of(session, run_id)
    counts = await queries.failure_counts(session, [run_id])
    return schemas.RunDetail(
        **schemas.run_read(run, counts.get(run_id, 0)),
        failures=[schemas.FailureRead.model_validate(f, from_attributes=True) for f in failures],
    )
