"""/v1/status: how fresh and complete the copy is, for operations dashboards."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Request
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_api.auth import ReadDep
from lgsco_api.deps import SessionDep
from lgsco_api.queries import status as queries
from lgsco_api.schemas.common import ERRORS
from lgsco_api.schemas.status import PublicationLagRead, ServiceStatus
from lgsco_shared import queue as jobqueue
from lgsco_shared.lag import LATE_AFTER_DAYS, publication_lag

router = APIRouter(tags=["operations"], responses=ERRORS)


@router.get("/status", response_model=ServiceStatus)
async def service_status(
    request: Request,
    session: SessionDep,
    _: ReadDep,
    late_after_days: Annotated[
        int,
        Query(ge=1, le=3650, description="Count decisions first seen this many days late."),
    ] = LATE_AFTER_DAYS,
) -> ServiceStatus:
    """Freshness: latest decision date stored, last successful crawl and refresh, decisions
    stored, failures in the last 24 hours, whether the newest search page fetched looked like
    an empty search shell (the site serving bots nothing), and the publication lag: how long
    after their decision date the refresh first saw decisions."""
    return await current_status(request, session, late_after_days=late_after_days)


async def current_status(
    request: Request, session: AsyncSession, *, late_after_days: int = LATE_AFTER_DAYS
) -> ServiceStatus:
    """The figures of /v1/status (the console's overview shows the same)."""
    figures = await queries.decision_figures(session)
    success = await queries.last_success(session)
    listing = await queries.last_listing(session)
    active = await queries.active_runs(session)
    return ServiceStatus(
        decisions_stored=figures["stored"],
        decisions_published=figures["published"],
        decisions_withdrawn=figures["withdrawn"],
        decisions_archived=figures["archived"],
        decisions_republished=figures["republished"],
        latest_decided_on=figures["latest_decided_on"],
        last_changed_at=figures["last_changed_at"],
        last_successful_crawl_at=success.get(queries.CRAWL),
        last_successful_refresh_at=success.get(queries.REFRESH),
        failures_last_24h=await queries.failures_last_24h(session),
        runs_active=sum(active.values()),
        last_listing_fetch_at=listing.fetched_at if listing else None,
        last_listing_was_search_shell=listing.search_shell if listing else None,
        queue_depth=await queue_depth(request),
        publication_lag=PublicationLagRead(
            **asdict(await publication_lag(session, late_after_days=late_after_days))
        ),
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
