"""/console/schedules: create, pause, resume, run now and delete schedules, and cancel runs,
from the runs page, by the same service functions as /v1/schedules and DELETE /v1/jobs/{id}
(lgsco_shared.schedules, lgsco_shared.runcontrol). Every form needs the console's key with
scope jobs:write and its own CSRF token."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from lgsco_api.console import pages, security
from lgsco_api.console.forms import BadForm, first, read_form
from lgsco_api.console.jobs import EXPIRED
from lgsco_api.console.runs import parse_id, runs_page
from lgsco_api.console.security import Viewer, ViewerDep
from lgsco_api.kit.deps import SessionDep, SettingsDep
from lgsco_shared import runcontrol, schedules
from lgsco_shared.domain import ScheduleRunStatus

router = APIRouter()
FIELDS = ("name", "kind", "months", "organisation", "refresh", "cron", "timezone", "description")
ACTIONS = ("pause", "resume", "run", "delete")
NEEDS_KEY = "Changing schedules needs an API key with scope 'jobs:write'."


def _refusal(request: Request, viewer: Viewer, message: str = NEEDS_KEY) -> Response | None:
    if viewer.can("jobs:write"):
        return None
    status = 403 if viewer.signed_in else 401
    return pages.error(request, status, "Not allowed", viewer.problem or message, ask_key=True)


async def _form(request: Request, name: str) -> dict[str, list[str]] | Response:
    try:
        form = await read_form(request)
    except BadForm as exc:
        return pages.error(request, 400, "Form not accepted", str(exc))
    if not security.csrf_valid(request, name, first(form, "csrf")):
        return pages.error(request, 403, "Form not accepted", EXPIRED)
    return form


def _spec(values: dict[str, str]) -> dict[str, Any]:
    """The body POST /v1/schedules would get for these form values."""
    params: dict[str, Any] = {}
    if values["months"]:
        params["months"] = values["months"]
    if values["kind"] == "crawl":
        params["organisation"] = values["organisation"] or None
        params["refresh"] = bool(values["refresh"])
    return {
        "name": values["name"],
        "kind": values["kind"] or None,
        "params": params if values["kind"] != "recheck" else {},
        "cron": values["cron"],
        "timezone": values["timezone"] or "Europe/London",
        "description": values["description"],
    }


def _field(parameter: str) -> str:
    """`params.months` -> `months`: the form field an API error names."""
    name = parameter.removeprefix("params.")
    if name == "kind":
        return "schedule-kind"  # the select's id: `field-kind` is the runs filter's
    return name if name in FIELDS else "name"


@router.post("/schedules", response_model=None)
async def create_schedule(
    request: Request, session: SessionDep, settings: SettingsDep, viewer: ViewerDep
) -> Response:
    form = await _form(request, "schedule")
    if isinstance(form, Response):
        return form
    values = {name: first(form, name) or "" for name in FIELDS}
    if (refusal := _refusal(request, viewer)) is not None:
        return refusal
    errors: dict[str, str] = {}
    try:
        spec = schedules.ScheduleCreate.model_validate(_spec(values))
        created = await schedules.create_schedule(session, spec, settings, by=viewer.principal.name)
    except ValidationError as exc:
        for error in exc.errors():
            loc = [str(p) for p in error["loc"]]
            where = loc[-1] if loc and loc[0] == "params" else (loc[0] if loc else "name")
            errors.setdefault(_field(where), str(error["msg"]).removeprefix("Value error, "))
    except schedules.ScheduleInvalid as exc:
        for refused in exc.errors:
            errors.setdefault(_field(refused["parameter"]), refused["message"])
    if errors:
        extra = {"schedule_values": values, "schedule_errors": errors}
        return await runs_page(request, session, settings, viewer, status_code=422, **extra)
    return RedirectResponse(f"/console/runs?schedule={created.id}#schedules", status_code=303)


@router.post("/schedules/{schedule_id}/{action}", response_model=None)
async def act_on_schedule(
    request: Request,
    schedule_id: str,
    action: str,
    session: SessionDep,
    settings: SettingsDep,
    viewer: ViewerDep,
) -> Response:
    """Pause, resume, run now or delete one schedule."""
    number = parse_id(schedule_id)
    if number is None or action not in ACTIONS:
        return pages.not_found(request, f"schedule {schedule_id}")
    form = await _form(request, f"schedule-{action}")
    if isinstance(form, Response):
        return form
    if (refusal := _refusal(request, viewer)) is not None:
        return refusal
    who = viewer.principal.name
    try:
        if action in ("pause", "resume"):
            await schedules.set_enabled(session, number, action == "resume", settings, by=who)
        elif action == "delete":
            await schedules.delete_schedule(session, number)
        else:
            queue = await request.app.state.queue.get()  # None: queued by the minute check
            started = await schedules.run_now(session, queue, number, by=who)
            if started.record.status == ScheduleRunStatus.SKIPPED or started.run is None:
                return pages.error(
                    request, 409, "Not started", f"Not started: {started.record.reason}."
                )
            return RedirectResponse(
                f"/console/runs/{started.run.id}?submitted=new", status_code=303
            )
    except schedules.ScheduleNotFound:
        return pages.not_found(request, f"schedule {schedule_id}", "See the runs page.")
    except schedules.ScheduleInvalid as exc:
        return pages.error(request, exc.status, "Not changed", str(exc))
    return RedirectResponse(f"/console/runs?schedule={number}#schedules", status_code=303)


@router.post("/runs/{run_id}/cancel", response_model=None)
async def cancel_run(
    request: Request, run_id: str, session: SessionDep, viewer: ViewerDep
) -> Response:
    """Cancel a queued run, or ask a running one to stop at its next checkpoint."""
    number = parse_id(run_id)
    if number is None:
        return pages.not_found(request, f"run {run_id}")
    form = await _form(request, "cancel")
    if isinstance(form, Response):
        return form
    if refusal := _refusal(request, viewer, "Cancelling a run needs scope 'jobs:write'."):
        return refusal
    try:
        run = await runcontrol.cancel_run(session, number, by=viewer.principal.name)
    except runcontrol.RunFinished as exc:
        return pages.error(request, 409, "Not cancelled", str(exc))
    if run is None:
        return pages.not_found(request, f"run {run_id}", "See the list of recent runs.")
    return RedirectResponse(f"/console/runs/{number}", status_code=303)
