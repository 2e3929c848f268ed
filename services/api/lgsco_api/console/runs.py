"""/console/runs: recent ingest runs, the schedules (changed in schedules.py) and the queue;
one run's progress and failures; a failure's reason and the raw page that was quarantined."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from lgsco_api.console import pages
from lgsco_api.console import queries as console_queries
from lgsco_api.console.forms import first, read_query
from lgsco_api.console.security import ViewerDep
from lgsco_api.jobs import queries
from lgsco_api.jobs.schemas import FailureRead, JobListQuery, RunDetail, RunRead, run_read
from lgsco_api.kit import pagination
from lgsco_api.kit.deps import SessionDep, SettingsDep
from lgsco_api.kit.query import from_form
from lgsco_api.status.service import queue_depth
from lgsco_shared import schedules
from lgsco_shared.crontime import DEFAULT_TIMEZONE
from lgsco_shared.domain import RunKind, RunStatus, ScheduleKind
from lgsco_shared.models import IngestFailure, RawPage
from lgsco_shared.runs import ACTIVE

router = APIRouter()
PAGE_SIZE = 25
MAX_ID = 2**31 - 1
RAW_SHOWN = 200_000  # characters of a quarantined page shown inline; the download has it all


def parse_id(value: str) -> int | None:
    return int(value) if value.isdigit() and 0 < int(value) <= MAX_ID else None


def describe(params: dict[str, Any]) -> str:
    """What a run was asked to do, in words: its params as the API echoes them."""
    if "reference" in params:
        return f"Decision {params['reference']}"
    if "from" in params and "to" in params:
        window = f"{_day(params['from'])} to {_day(params['to'])}"
        window += f" ({params['organisation']})" if params.get("organisation") else ""
        return window + (", re-reading months already crawled" if params.get("refresh") else "")
    if "scheduled" in params:
        return f"Scheduled: {params['scheduled']}"
    return ", ".join(f"{k}={v}" for k, v in params.items() if k != "kind") or "—"


def _day(value: Any) -> str:
    try:
        return pages.day(date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


@router.get("/runs", response_class=HTMLResponse)
async def list_runs(
    request: Request, session: SessionDep, settings: SettingsDep, viewer: pages.ReaderDep
) -> HTMLResponse:
    return await runs_page(request, session, settings, viewer)


async def runs_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    *,
    status_code: int = 200,
    **extra: Any,
) -> HTMLResponse:
    """The runs page: schedules (as GET /v1/schedules lists them), the queue and recent runs;
    `extra` carries the schedule form's values and errors when it is shown again."""
    query = read_query(request)
    chosen, errors = from_form(JobListQuery, query)
    if chosen is None:  # the API's own refusal, named: never a silently unfiltered list
        problems = "; ".join(f"{name}: {message}" for name, message in errors.items())
        return pages.error(request, 422, "These runs cannot be listed", problems)
    kind, status = chosen.kind, chosen.status
    found, next_id = await queries.list_runs(
        session,
        kind=kind,
        status=status,
        before_id=pagination.decode_id(chosen.cursor),
        limit=PAGE_SIZE,
    )
    counts = await queries.failure_counts(session, [r.id for r in found])
    runs = [RunRead(**run_read(r, counts.get(r.id, 0))) for r in found]
    context = {
        "section": "runs",
        "runs": runs,
        "describe": describe,
        "kind": kind,
        "status": status,
        "kinds": list(RunKind),
        "statuses": list(RunStatus),
        "next_cursor": pagination.encode_id(next_id),
        "paged": chosen.cursor is not None,
        "schedules": await schedules.list_schedules(session, settings),
        "schedule_kinds": list(ScheduleKind),
        "schedule_values": {"timezone": DEFAULT_TIMEZONE},
        "schedule_errors": {},
        "changed": parse_id(first(query, "schedule") or ""),
        "schedule_enabled": settings.schedule_enabled,
        "queue_depth": await queue_depth(request),
        "active": sum(1 for r in runs if r.status in ACTIVE),
        "ACTIVE": ACTIVE,
        **extra,
    }
    return pages.render(request, "runs.html", context, status_code=status_code)


async def _run_context(session: SessionDep, run_id: int) -> dict[str, Any] | None:
    """A run as GET /v1/jobs/{id} returns it, with the crawl windows it has checkpointed."""
    run = await queries.get_run(session, run_id)
    if run is None:
        return None
    failures = await queries.failures_of(session, run_id)
    counts = await queries.failure_counts(session, [run_id])
    detail = RunDetail(
        **run_read(run, counts.get(run_id, 0)),
        failures=[FailureRead.model_validate(f, from_attributes=True) for f in failures],
    )
    raw_pages = {f.id: f.raw_page_id for f in failures}
    windows = await console_queries.windows_of(session, run_id)
    return {
        "run": detail,
        "active": detail.status in ACTIVE,
        "describe": describe,
        "raw_pages": raw_pages,
        "windows": windows,
    }


@router.get("/runs/{run_id}", response_class=HTMLResponse)
async def show_run(
    request: Request, run_id: str, session: SessionDep, viewer: pages.ReaderDep
) -> HTMLResponse:
    context = await _run_of(session, run_id)
    if context is None:
        return pages.not_found(request, f"run {run_id}", "See the list of recent runs.")
    context |= {"section": "runs", "submitted": _submitted(request)}
    if context["active"]:
        context["page_refresh"] = 5  # without JavaScript, the page reloads itself
    return pages.render(request, "run.html", context)


@router.get("/runs/{run_id}/progress", response_class=HTMLResponse)
async def run_progress(
    request: Request, run_id: str, session: SessionDep, viewer: pages.ReaderDep
) -> HTMLResponse:
    """The progress part of a run's page, fetched every few seconds by progress.js."""
    context = await _run_of(session, run_id)
    if context is None:
        return pages.not_found(request, f"run {run_id}")
    context["submitted"] = _submitted(request)
    return pages.fragment(request, "_progress.html", context)


def _submitted(request: Request) -> str | None:
    """`new` or `existing` after the job form redirected here: the notice above the progress."""
    given = first(read_query(request), "submitted")
    return given if given in ("new", "existing") else None


async def _run_of(session: SessionDep, run_id: str) -> dict[str, Any] | None:
    """The page context of the run a path names; None for no such run (or no number)."""
    number = parse_id(run_id)
    return await _run_context(session, number) if number else None


async def _failure_of(
    session: SessionDep, failure_id: str
) -> tuple[IngestFailure | None, RawPage | None]:
    """The failure a path names and its kept page; (None, None) for no such failure."""
    number = parse_id(failure_id)
    failure = await console_queries.get_failure(session, number) if number else None
    if failure is None or failure.raw_page_id is None:
        return failure, None
    return failure, await console_queries.get_raw_page(session, failure.raw_page_id)


@router.get("/failures/{failure_id}", response_class=HTMLResponse)
async def show_failure(
    request: Request, failure_id: str, session: SessionDep, viewer: pages.ReaderDep
) -> HTMLResponse:
    failure, raw = await _failure_of(session, failure_id)
    if failure is None:
        return pages.not_found(request, f"failure {failure_id}")
    body = raw.body() if raw is not None else None
    context = {
        "section": "runs",
        "failure": failure,
        "raw": raw,
        "body": body[:RAW_SHOWN] if body is not None else None,
        "cut": body is not None and len(body) > RAW_SHOWN,
    }
    return pages.render(request, "failure.html", context)


@router.get("/failures/{failure_id}/raw", response_model=None)
async def download_raw_page(
    request: Request, failure_id: str, session: SessionDep, viewer: pages.ReaderDep
) -> Response:
    """The quarantined page exactly as fetched, as plain text: never rendered as HTML here."""
    failure, raw = await _failure_of(session, failure_id)
    if failure is None or raw is None:
        return pages.not_found(request, f"raw page for failure {failure_id}")
    return Response(
        raw.body(),
        media_type="text/plain; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="failure-{failure.id}.html.txt"',
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )
