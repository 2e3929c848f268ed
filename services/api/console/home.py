"""/console: how fresh the copy is and how busy the worker is (the figures of /v1/status)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse
from redis.exceptions import RedisError

from lgsco.api.console import pages
from lgsco.api.console.security import ViewerDep
from lgsco.api.deps import SessionDep
from lgsco.api.queries import status as queries
from lgsco.api.schemas.status import ServiceStatus
from lgsco.shared import queue as jobqueue


async def service_status(request: Request, session: SessionDep) -> ServiceStatus:
    """The same figures, from the same queries, as GET /v1/status."""
    figures = await queries.decision_figures(session)
    success = await queries.last_success(session)
    listing = await queries.last_listing(session)
    active = await queries.active_runs(session)
    return ServiceStatus(
        decisions_stored=figures["stored"],
        decisions_published=figures["published"],
        decisions_withdrawn=figures["withdrawn"],
        latest_decided_on=figures["latest_decided_on"],
        last_changed_at=figures["last_changed_at"],
        last_successful_crawl_at=success.get(queries.CRAWL),
        last_successful_refresh_at=success.get(queries.REFRESH),
        failures_last_24h=await queries.failures_last_24h(session),
        runs_active=sum(active.values()),
        last_listing_fetch_at=listing.fetched_at if listing else None,
        last_listing_was_search_shell=listing.search_shell if listing else None,
        queue_depth=await queue_depth(request),
    )


async def queue_depth(request: Request) -> int | None:
    """Jobs waiting in the queue; None while Redis is unreachable."""
    queue = await request.app.state.queue.get()
    if queue is None:
        return None
    try:
        return await jobqueue.queue_depth(queue)
    except (RedisError, OSError):
        return None


async def overview(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """/console (added to the console router in __init__: a sub-router cannot serve its root)."""
    if (refusal := pages.refuse_read(request, viewer)) is not None:
        return refusal
    status = await service_status(request, session)
    return pages.render(request, "home.html", {"status": status, "section": "home"})
