"""How fresh and complete the copy is: what /v1/status and the console's overview both show."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import Request
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_api.organisations import queries as organisations
from lgsco_api.status import queries
from lgsco_api.status.schemas import PublicationLagRead, ServiceStatus, UnmappedOrganisation
from lgsco_shared import queue as jobqueue
from lgsco_shared.lag import LATE_AFTER_DAYS, publication_lag


async def current_status(
    request: Request, session: AsyncSession, *, late_after_days: int = LATE_AFTER_DAYS
) -> ServiceStatus:
    """The figures of /v1/status (the console's overview shows the same)."""
    figures = await queries.decision_figures(session)
    success = await queries.last_success(session)
    listing = await queries.last_listing(session)
    active = await queries.active_runs(session)
    unmapped_total, unmapped = await organisations.unmapped(session)
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
        organisations_unmapped=unmapped_total,
        unmapped_organisations=[
            UnmappedOrganisation(id=r["id"], name=r["name"], decisions=r["decisions"])
            for r in unmapped
        ],
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
