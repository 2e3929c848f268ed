"""Freshness figures for /v1/status and /metrics: a handful of small aggregates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    cast,
    func,
    literal_column,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_shared.domain import PublicationStatus, RunKind, RunStatus
from lgsco_shared.models import (
    Decision,
    Delivery,
    DeliveryAttempt,
    IngestFailure,
    IngestRun,
    ListingFetch,
    Subscription,
)

DAY: ColumnElement[Any] = literal_column("interval '24 hours'")


async def ping(session: AsyncSession) -> None:
    await session.execute(text("SELECT 1"))


async def decision_figures(session: AsyncSession) -> dict[str, Any]:
    query = select(
        func.count().label("stored"),
        func.count().filter(Decision.status == PublicationStatus.PUBLISHED).label("published"),
        func.count().filter(Decision.status == PublicationStatus.WITHDRAWN).label("withdrawn"),
        func.count().filter(Decision.status == PublicationStatus.ARCHIVED).label("archived"),
        func.count().filter(Decision.republished_on.isnot(None)).label("republished"),
        func.max(Decision.decided_on).label("latest_decided_on"),
        func.max(Decision.last_changed_at).label("last_changed_at"),
    )
    return dict((await session.execute(query)).mappings().one())


# A crawl or refresh that read no window (every one already complete) did nothing: it is not
# the last successful crawl. Runs from before windows were counted have no such count.
_READ_SOMETHING = or_(
    IngestRun.counts["windows_crawled"].is_(None),
    cast(IngestRun.counts["windows_crawled"].astext, BigInteger) > 0,
    cast(func.coalesce(IngestRun.counts["windows_by_other_runs"].astext, "0"), BigInteger) > 0,
)


async def last_success(session: AsyncSession) -> dict[str, datetime]:
    """When a run of each kind last finished successfully, having done something."""
    query = (
        select(IngestRun.kind, func.max(IngestRun.finished_at))
        .where(IngestRun.status == RunStatus.SUCCEEDED, _READ_SOMETHING)
        .group_by(IngestRun.kind)
    )
    return {str(kind): at for kind, at in await session.execute(query) if at}


async def failures_last_24h(session: AsyncSession) -> int:
    query = select(func.count()).where(IngestFailure.created_at > func.now() - DAY)
    return int(await session.scalar(query) or 0)


async def active_runs(session: AsyncSession) -> dict[str, int]:
    query = (
        select(IngestRun.status, func.count())
        .where(IngestRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]))
        .group_by(IngestRun.status)
    )
    return {str(status): int(n) for status, n in await session.execute(query)}


async def results_last_24h(session: AsyncSession) -> dict[str, int]:
    """Sum of each per-reference result (new, changed, ...) over runs finished in 24 hours."""
    counts = func.jsonb_each_text(IngestRun.counts).table_valued("key", "value").lateral()
    query = (
        select(counts.c.key, func.sum(cast(counts.c.value, BigInteger)))
        .select_from(IngestRun)
        .join(counts, true())
        .where(
            IngestRun.finished_at > func.now() - DAY,
            counts.c.value.regexp_match("^[0-9]{1,15}$"),
            counts.c.key.not_like("windows\\_%"),
        )
        .group_by(counts.c.key)
    )
    return {str(k): int(v or 0) for k, v in await session.execute(query)}


async def last_listing(session: AsyncSession) -> ListingFetch | None:
    query = select(ListingFetch).order_by(ListingFetch.id.desc()).limit(1)
    return await session.scalar(query)


CRAWL, REFRESH = RunKind.CRAWL.value, RunKind.REFRESH.value


@dataclass(frozen=True, slots=True)
class WebhookFigures:
    deliveries: dict[str, int]  # by status: pending, delivered, dead
    subscriptions: dict[str, int]  # by status: active, suspended
    failed_24h: int


async def webhook_figures(session: AsyncSession) -> WebhookFigures:
    """Deliveries and subscriptions by status, and failed attempts of the last 24 hours."""
    deliveries = await session.execute(
        select(Delivery.status, func.count()).group_by(Delivery.status)
    )
    subscriptions = await session.execute(
        select(Subscription.status, func.count())
        .where(Subscription.deleted_at.is_(None))
        .group_by(Subscription.status)
    )
    failed = await session.scalar(
        select(func.count())
        .select_from(DeliveryAttempt)
        .where(
            DeliveryAttempt.attempted_at > func.now() - text("interval '24 hours'"),
            DeliveryAttempt.error.is_not(None),
        )
    )
    return WebhookFigures(
        deliveries={str(s): int(n) for s, n in deliveries.all()},
        subscriptions={str(s): int(n) for s, n in subscriptions.all()},
        failed_24h=int(failed or 0),
    )
