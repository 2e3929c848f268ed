"""/healthz (the process is up), /readyz (its database and queue answer) and /metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from redis.exceptions import RedisError

from lgsco_api.kit.errors import DATABASE_DOWN, problem_response
from lgsco_api.kit.metrics import ApiMetrics
from lgsco_api.kit.query import ClosedQueryRoute
from lgsco_api.kit.queuestate import QueueState
from lgsco_api.kit.schemas import ProblemDetail
from lgsco_api.status import queries
from lgsco_api.status.schemas import Health, Readiness
from lgsco_shared import queue as jobqueue
from lgsco_shared import sitemetrics
from lgsco_shared.domain import DeliveryStatus, SubscriptionStatus
from lgsco_shared.lag import publication_lag
from lgsco_shared.migrate import known_revisions, schema_state_async

router = APIRouter(tags=["operations"], route_class=ClosedQueryRoute)


@router.get("/", include_in_schema=False, response_model=None)
async def root(request: Request) -> Response | dict[str, str]:
    """A browser (Accept: text/html) goes to the console; anything else learns where things are."""
    if "text/html" in request.headers.get("accept", ""):
        return RedirectResponse("/console", status_code=303)
    return {
        "service": "Ombudsman Decisions Service",
        "api": "/v1",
        "docs": "/docs",
        "openapi": "/openapi.json",
        "console": "/console",
        "health": "/readyz",
    }


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """Liveness: the process answers. Checks nothing else, so a database outage never gets the
    API restarted in a loop."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": ProblemDetail, "description": "A backing service is unreachable."}},
)
async def readyz(request: Request) -> Any:
    """Readiness: the database and the job queue answer, and the schema is the one this release
    needs (`lgsco migrate` not yet run: not ready). 503 problem+json names what is not."""
    database = await _database(request)
    checks = {
        "database": database,
        # Read only from a database that answers; otherwise the database is the reason.
        "schema": await _schema(request) if database == "ok" else "unknown",
        "queue": await _queue(request),
    }
    down = [name for name, state in checks.items() if state not in ("ok", "unknown")]
    if down:
        detail = "Not ready: " + ", ".join(f"{n} ({checks[n]})" for n in down)
        return problem_response(request, 503, detail, unavailable=down, checks=checks)
    return Readiness(status="ready", checks=checks)


async def _database(request: Request) -> str:
    try:
        async with request.app.state.sessionmaker() as session:
            await queries.ping(session)
    except DATABASE_DOWN as exc:
        return f"unreachable: {exc.__class__.__name__}"
    return "ok"


async def _schema(request: Request) -> str:
    """ "ok", or why not: behind this release (a newer schema is fine: a rolling upgrade)."""
    try:
        async with request.app.state.sessionmaker() as session:
            state = await schema_state_async(await session.connection())
    except DATABASE_DOWN:
        return "unknown"
    if state.ready or (state.current is not None and state.current not in known_revisions()):
        return "ok"
    return f"{state.problem()}; run `lgsco migrate`"


async def _queue(request: Request) -> str:
    state: QueueState = request.app.state.queue
    queue = await state.get()
    if queue is None:
        return f"unreachable: {state.error or 'not connected'}"
    try:
        await queue.ping()
    except (RedisError, OSError) as exc:
        return f"unreachable: {exc.__class__.__name__}"
    return "ok"


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
async def metrics(request: Request) -> Response:
    """Prometheus metrics: requests and latency by route, decisions stored, ingest results and
    failures of the last 24 hours, active runs, last successful run per kind, queue depth, the
    workers' requests to the LGSCO site (outcomes, retries, latency) and webhook deliveries.
    Not rate-limited: a scraper polls it from one address."""
    registry: ApiMetrics = request.app.state.metrics
    await _refresh_gauges(request, registry)
    return Response(registry.render(), media_type="text/plain; version=0.0.4; charset=utf-8")


async def _refresh_gauges(request: Request, m: ApiMetrics) -> None:
    try:
        async with request.app.state.sessionmaker() as session:
            figures = await queries.decision_figures(session)
            m.decisions.labels("published").set(figures["published"])
            m.decisions.labels("withdrawn").set(figures["withdrawn"])
            m.decisions.labels("archived").set(figures["archived"])
            m.failures_24h.set(await queries.failures_last_24h(session))
            for result, n in (await queries.results_last_24h(session)).items():
                m.results_24h.labels(result).set(n)
            active = await queries.active_runs(session)
            for status in ("queued", "running"):
                m.runs.labels(status).set(active.get(status, 0))
            for kind, at in (await queries.last_success(session)).items():
                m.last_success.labels(kind).set(at.timestamp())
            lag = await publication_lag(session)
            for statistic, days in (("p50", lag.p50_days), ("p95", lag.p95_days)):
                if days is not None:
                    m.lag.labels(statistic).set(days)
            if lag.max_days is not None:
                m.lag.labels("max").set(lag.max_days)
            m.late.set(lag.late)
            webhooks = await queries.webhook_figures(session)
            for status in (DeliveryStatus.PENDING, DeliveryStatus.DELIVERED, DeliveryStatus.DEAD):
                m.webhook_deliveries.labels(status).set(webhooks.deliveries.get(status, 0))
            for status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.SUSPENDED):
                m.webhook_subscriptions.labels(status).set(webhooks.subscriptions.get(status, 0))
            m.webhook_failed_24h.set(webhooks.failed_24h)
        m.up.labels("database").set(1)
    except DATABASE_DOWN:
        m.up.labels("database").set(0)
    queue = await request.app.state.queue.get()
    try:
        depth = await jobqueue.queue_depth(queue) if queue is not None else None
        if queue is not None:
            m.site = await sitemetrics.read(queue)
    except (RedisError, OSError):
        depth = None
    m.up.labels("queue").set(0 if depth is None else 1)
    if depth is not None:
        m.queue_depth.set(depth)
