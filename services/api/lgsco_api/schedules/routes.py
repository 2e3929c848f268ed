"""/v1/schedules: what the worker runs on its own and when, as data operators change; and
cancelling a run (DELETE /v1/jobs/{id}). Every operation calls lgsco_shared.schedules or
lgsco_shared.runcontrol, as the console and the CLI do."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Response
from pydantic import BaseModel, Field

from lgsco_api.jobs import queries
from lgsco_api.jobs.schemas import RunRead, run_read
from lgsco_api.kit import pagination
from lgsco_api.kit.auth import JobsWriteDep, RunsReadDep
from lgsco_api.kit.deps import QueueDep, SessionDep, SettingsDep
from lgsco_api.kit.errors import NotFound, Problem
from lgsco_api.kit.query import ClosedQueryRoute, PageQuery
from lgsco_api.kit.schemas import AUTH_ERRORS, ERRORS, NOT_FOUND, _problem_doc
from lgsco_shared import runcontrol, schedules

router = APIRouter(tags=["jobs"], responses=ERRORS, route_class=ClosedQueryRoute)
MAX_ID = 2**31 - 1
ScheduleId = Annotated[int, Path(ge=1, le=MAX_ID, examples=[1])]
RunId = Annotated[int, Path(ge=1, le=MAX_ID, examples=[1])]
Responses = dict[int | str, dict[str, Any]]
CONFLICT: Responses = {
    409: _problem_doc("Conflict", 409, "The schedule's run 41 is still queued or running."),
}
INVALID_SCHEDULE: Responses = {
    422: _problem_doc(
        "Unprocessable Content",
        422,
        "body parameter 'cron': '61 3 * * *' is not a valid cron expression: Bad minute",
    )
}


class Schedules(BaseModel):
    enabled: bool = Field(
        description="LGSCO_SCHEDULE_ENABLED on this deployment: false, no schedule runs."
    )
    items: list[schedules.ScheduleRead]


class ScheduleRunPage(BaseModel):
    items: list[schedules.ScheduleRunRead]
    next_cursor: str | None
    limit: int


class ScheduleStarted(BaseModel):
    due: schedules.ScheduleRunRead = Field(
        description="The record of this run in the schedule's history."
    )
    run: RunRead


def _problem(exc: schedules.ScheduleInvalid) -> Problem:
    detail = "; ".join(
        f"{e['in']} parameter '{e['parameter']}': {e['message']}" for e in exc.errors
    )
    return Problem(exc.status, detail, errors=exc.errors)


def _not_found(exc: schedules.ScheduleNotFound) -> NotFound:
    return NotFound("schedule", exc.schedule_id, "See GET /v1/schedules.")


@router.get("/schedules", response_model=Schedules)
async def list_schedules(session: SessionDep, settings: SettingsDep, _: RunsReadDep) -> Schedules:
    """Every schedule: its kind and parameters, cron and time zone, the next five due times
    (UTC), the newest run it created, and the requests a day it is projected to make."""
    found = await schedules.list_schedules(session, settings)
    return Schedules(enabled=settings.schedule_enabled, items=found)


@router.post(
    "/schedules",
    status_code=201,
    response_model=schedules.ScheduleRead,
    responses={**AUTH_ERRORS, **CONFLICT, **INVALID_SCHEDULE},
)
async def create_schedule(
    spec: Annotated[schedules.ScheduleCreate, Body()],
    principal: JobsWriteDep,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> schedules.ScheduleRead:
    """Create a schedule (scope jobs:write); it runs from its next due time, on any worker,
    without a restart. 422 for a bad cron or time zone, or a schedule projected to make more
    requests a day than LGSCO_SCHEDULE_MAX_REQUESTS_PER_DAY; 409 for a name in use."""
    try:
        created = await schedules.create_schedule(session, spec, settings, by=principal.name)
    except schedules.ScheduleInvalid as exc:
        raise _problem(exc) from None
    response.headers["Location"] = created.href
    return created


@router.get("/schedules/{schedule_id}", response_model=schedules.ScheduleRead, responses=NOT_FOUND)
async def get_schedule(
    schedule_id: ScheduleId, session: SessionDep, settings: SettingsDep, _: RunsReadDep
) -> schedules.ScheduleRead:
    """One schedule, with its next five due times and projected requests a day."""
    try:
        return await schedules.get_schedule(session, schedule_id, settings)
    except schedules.ScheduleNotFound as exc:
        raise _not_found(exc) from None


@router.patch(
    "/schedules/{schedule_id}",
    response_model=schedules.ScheduleRead,
    responses={**AUTH_ERRORS, **NOT_FOUND, **CONFLICT, **INVALID_SCHEDULE},
)
async def change_schedule(
    schedule_id: ScheduleId,
    change: Annotated[schedules.ScheduleChange, Body()],
    principal: JobsWriteDep,
    session: SessionDep,
    settings: SettingsDep,
) -> schedules.ScheduleRead:
    """Change the fields sent (scope jobs:write); `enabled: false` pauses, `true` resumes. A
    new cron or time zone, or a resume, counts due times from now (nothing is caught up)."""
    try:
        return await schedules.change_schedule(
            session, schedule_id, change, settings, by=principal.name
        )
    except schedules.ScheduleNotFound as exc:
        raise _not_found(exc) from None
    except schedules.ScheduleInvalid as exc:
        raise _problem(exc) from None


async def _set_enabled(
    schedule_id: int, enabled: bool, who: str | None, session: SessionDep, settings: SettingsDep
) -> schedules.ScheduleRead:
    try:
        return await schedules.set_enabled(session, schedule_id, enabled, settings, by=who)
    except schedules.ScheduleNotFound as exc:
        raise _not_found(exc) from None
    except schedules.ScheduleInvalid as exc:
        raise _problem(exc) from None


@router.post(
    "/schedules/{schedule_id}/pause",
    response_model=schedules.ScheduleRead,
    responses={**AUTH_ERRORS, **NOT_FOUND},
)
async def pause_schedule(
    schedule_id: ScheduleId, principal: JobsWriteDep, session: SessionDep, settings: SettingsDep
) -> schedules.ScheduleRead:
    """Pause (scope jobs:write): no due time runs until it is resumed; a run under way goes on
    (cancel it with DELETE /v1/jobs/{id})."""
    return await _set_enabled(schedule_id, False, principal.name, session, settings)


@router.post(
    "/schedules/{schedule_id}/resume",
    response_model=schedules.ScheduleRead,
    responses={**AUTH_ERRORS, **NOT_FOUND, **INVALID_SCHEDULE},
)
async def resume_schedule(
    schedule_id: ScheduleId, principal: JobsWriteDep, session: SessionDep, settings: SettingsDep
) -> schedules.ScheduleRead:
    """Resume (scope jobs:write): due times count from now; those passed while paused do not
    run."""
    return await _set_enabled(schedule_id, True, principal.name, session, settings)


@router.delete("/schedules/{schedule_id}", status_code=204, responses={**AUTH_ERRORS, **NOT_FOUND})
async def delete_schedule(
    schedule_id: ScheduleId, _: JobsWriteDep, session: SessionDep
) -> Response:
    """Delete the schedule and its history (scope jobs:write); the runs it created stay in
    GET /v1/jobs."""
    try:
        await schedules.delete_schedule(session, schedule_id)
    except schedules.ScheduleNotFound as exc:
        raise _not_found(exc) from None
    return Response(status_code=204)


@router.post(
    "/schedules/{schedule_id}/run",
    status_code=202,
    response_model=ScheduleStarted,
    responses={**AUTH_ERRORS, **NOT_FOUND, **CONFLICT},
)
async def run_schedule_now(
    schedule_id: ScheduleId,
    principal: JobsWriteDep,
    session: SessionDep,
    queue: QueueDep,
    response: Response,
) -> ScheduleStarted:
    """Run the schedule now (scope jobs:write), paused or not: the run it would make at a due
    time. 409, recorded as skipped in its history, while its previous run is queued or
    running."""
    try:
        started = await schedules.run_now(session, queue, schedule_id, by=principal.name)
    except schedules.ScheduleNotFound as exc:
        raise _not_found(exc) from None
    run = started.run
    for row in (started.record, run):
        if row is not None:
            await session.refresh(row)  # committed: read back what was stored
    due = schedules.record_read(started.record, run)
    if run is None:
        raise Problem(409, f"Not started: {due.reason}.", schedule_run=due.id)
    response.headers["Location"] = f"/v1/jobs/{run.id}"
    return ScheduleStarted(due=due, run=RunRead(**run_read(run, 0)))


@router.get("/schedules/{schedule_id}/runs", response_model=ScheduleRunPage, responses=NOT_FOUND)
async def schedule_history(
    schedule_id: ScheduleId,
    session: SessionDep,
    _: RunsReadDep,
    query: Annotated[PageQuery, Query()],
) -> ScheduleRunPage:
    """What the schedule did, newest first: each due time (and run now) with the run it
    created, its status, counts and failures, or why it was skipped."""
    try:
        items, next_id = await schedules.history(
            session, schedule_id, before_id=pagination.decode_id(query.cursor), limit=query.limit
        )
    except schedules.ScheduleNotFound as exc:
        raise _not_found(exc) from None
    return ScheduleRunPage(
        items=items, next_cursor=pagination.encode_id(next_id), limit=query.limit
    )


async def _cancel(run_id: int, who: str | None, session: SessionDep) -> RunRead:
    try:
        run = await runcontrol.cancel_run(session, run_id, by=who)
    except runcontrol.RunFinished as exc:
        raise Problem(409, str(exc), run_status=exc.status.value) from None
    if run is None:
        raise NotFound("job", run_id, "See GET /v1/jobs for recent runs.")
    counts = await queries.failure_counts(session, [run_id])
    return RunRead(**run_read(run, counts.get(run_id, 0)))


CANCEL_ERRORS: Responses = {
    **AUTH_ERRORS,
    **NOT_FOUND,
    409: _problem_doc("Conflict", 409, "Run 42 has finished (succeeded): nothing to cancel."),
}


@router.delete("/jobs/{run_id}", status_code=202, response_model=RunRead, responses=CANCEL_ERRORS)
async def cancel_job(run_id: RunId, principal: JobsWriteDep, session: SessionDep) -> RunRead:
    """Cancel a run (scope jobs:write). A queued run is `cancelled` at once; a running crawl
    stops at its next checkpoint (between pages and windows) and ends `cancelled`, keeping its
    checkpoints: a new run over the same window resumes where it stopped. 409 once finished."""
    return await _cancel(run_id, principal.name, session)


@router.post(
    "/jobs/{run_id}/cancel", status_code=202, response_model=RunRead, responses=CANCEL_ERRORS
)
async def cancel_job_post(run_id: RunId, principal: JobsWriteDep, session: SessionDep) -> RunRead:
    """The same as DELETE /v1/jobs/{run_id}, for clients that cannot send DELETE."""
    return await _cancel(run_id, principal.name, session)
