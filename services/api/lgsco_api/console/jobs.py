"""/console/jobs: request ingestion of a reference or a crawl of a date window (scope
jobs:write), by the same path as POST /v1/jobs; /console/key: give or forget the API key."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import TypeAdapter, ValidationError

from lgsco_api.console import pages, security
from lgsco_api.console.forms import BadForm, first, read_form
from lgsco_api.console.security import ViewerDep
from lgsco_api.jobs import service
from lgsco_api.keys import service as keys
from lgsco_api.kit.deps import SessionDep
from lgsco_shared import crawlrange
from lgsco_shared.jobs import CrawlRequest, IngestReferenceRequest, JobRequest

router = APIRouter()
FIELDS = ("reference", "from", "to", "organisation", "refresh")
REQUEST: TypeAdapter[IngestReferenceRequest | CrawlRequest] = TypeAdapter(JobRequest)
EXPIRED = (
    "This form was not sent from this console's own page, or the page is too old. "
    "Open the page again and resend."
)


def _page(
    request: Request, status_code: int = 200, *, message: str | None = None, **context: Any
) -> HTMLResponse:
    values = {"section": "jobs", "values": {}, "errors": {}, "message": message, **context}
    return pages.render(request, "jobs.html", values, status_code=status_code)


@router.get("/jobs", response_class=HTMLResponse)
async def job_forms(request: Request, viewer: ViewerDep) -> HTMLResponse:
    return _page(request)


def _job_request(
    kind: str | None, values: dict[str, str], max_months: int = crawlrange.DEFAULT_MAX_MONTHS
) -> tuple[IngestReferenceRequest | CrawlRequest | None, dict[str, str]]:
    """The request the API would accept for these form values, or errors by field."""
    if kind == "ingest_reference":
        if not values["reference"]:
            return None, {"reference": "Enter a case reference, like 22 003 374."}
        body: dict[str, Any] = {"kind": kind, "reference": values["reference"]}
    elif kind == "crawl":
        body = {
            "kind": kind,
            "from": values["from"] or None,
            "to": values["to"] or None,
            "organisation": values["organisation"] or None,
            "refresh": bool(values["refresh"]),
        }
    else:
        return None, {"kind": "Choose whether to ingest one decision or crawl a window."}
    # Every field is checked, the missing ones too, so the form shows all its errors at once.
    errors = {
        name: f"Enter the {which} decision date of the window."
        for name, which in (("from", "first"), ("to", "last"))
        if kind == "crawl" and not values[name]
    }
    try:
        job = REQUEST.validate_python(body)
    except ValidationError as exc:
        for error in exc.errors():
            names = [str(part) for part in error["loc"] if str(part) in FIELDS]
            message = str(error["msg"]).removeprefix("Value error, ")
            fallback = "from" if message.startswith("'from'") else "to"
            field = names[-1] if names else (fallback if kind == "crawl" else "reference")
            errors.setdefault(field, message)
        return None, errors
    if (refused := service.refusal(job, max_months)) is not None:
        return None, {refused.field: refused.message}
    return job, {}


@router.post("/jobs", response_model=None)
async def submit_job(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """Record the run (or find the equal one queued or running), commit, then enqueue it."""
    try:
        form = await read_form(request)
    except BadForm as exc:
        return pages.error(request, 400, "Form not accepted", str(exc))
    if not security.csrf_valid(request, "job", first(form, "csrf")):
        return pages.error(request, 403, "Form not accepted", EXPIRED)
    kind = first(form, "kind")
    values = {name: first(form, name) or "" for name in FIELDS}
    if not viewer.can("jobs:write"):
        message = viewer.problem or "Requesting a job needs an API key with scope 'jobs:write'."
        return _page(request, 403 if viewer.signed_in else 401, message=message, values=values)
    job, errors = _job_request(kind, values, request.app.state.settings.max_crawl_months)
    if job is None:
        return _page(request, 422, values=values, errors=errors, kind=kind)
    queue = await request.app.state.queue.get()
    if queue is None:
        message = "The job queue (Redis) is unreachable; jobs cannot be submitted now."
        return _page(request, 503, message=message, values=values)
    max_months = request.app.state.settings.max_crawl_months
    try:
        run, created = await service.submit(session, queue, job, max_months=max_months)
    except service.QueueUnreachable as exc:
        return _page(request, 503, message=str(exc), values=values)
    outcome = "new" if created else "existing"
    return RedirectResponse(f"/console/runs/{run.id}?submitted={outcome}", status_code=303)


def _back_to(target: str | None) -> str:
    """Only a path within the console: never another site after signing in."""
    if target and target.startswith("/console") and not target.startswith("//"):
        return target if "\\" not in target else "/console/key"
    return "/console/key"


@router.get("/key", response_class=HTMLResponse)
async def key_page(request: Request, viewer: ViewerDep) -> HTMLResponse:
    return pages.render(request, "key.html", {"section": "key", "next": "/console/key"})


@router.post("/key", response_model=None)
async def save_key(request: Request, session: SessionDep) -> Response:
    """Check the key as the API would, then keep it in the console's cookie."""
    try:
        form = await read_form(request)
    except BadForm as exc:
        return pages.error(request, 400, "Form not accepted", str(exc))
    if not security.csrf_valid(request, "key", first(form, "csrf")):
        return pages.error(request, 403, "Form not accepted", EXPIRED)
    token = first(form, "key") or ""
    target = _back_to(first(form, "next"))
    if await keys.authenticate(session, token) is None:
        context = {"section": "key", "next": target, "key_error": security.INVALID_KEY}
        return pages.render(request, "key.html", context, status_code=401)
    response = RedirectResponse(target, status_code=303)
    security.remember_key(request, response, token)
    return response


@router.post("/key/forget", response_model=None)
async def forget_key(request: Request) -> Response:
    try:
        form = await read_form(request)
    except BadForm as exc:
        return pages.error(request, 400, "Form not accepted", str(exc))
    if not security.csrf_valid(request, "forget", first(form, "csrf")):
        return pages.error(request, 403, "Form not accepted", EXPIRED)
    response = RedirectResponse("/console/key", status_code=303)
    security.forget_key(request, response)
    return response
