"""arq WorkerSettings: the queued function, the scheduler tick and other periodic work,
start-up and shut-down."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any, cast

import httpx
from arq import cron
from arq.worker import Worker
from redis.asyncio import Redis

from lgsco_ingest import parsebox
from lgsco_ingest.deliveries import send, tick
from lgsco_ingest.fetch import SiteClient
from lgsco_ingest.jobs import recover_stale_runs, run_ingest
from lgsco_ingest.ratelimit import SiteRateLimiter
from lgsco_ingest.scheduler import TICK_SECONDS, schedule_tick
from lgsco_shared import queue as jobqueue
from lgsco_shared.db import make_engine, make_sessionmaker
from lgsco_shared.settings import Settings
from lgsco_shared.sitemetrics import SiteFetchStats

log = logging.getLogger(__name__)

JOB_TIMEOUT_SECONDS = 24 * 3600  # a full backfill is long; crashes are caught by heartbeats


def site_client(settings: Settings, redis: Redis, *, rate_limited: bool = True) -> SiteClient:
    limiter = SiteRateLimiter(redis, settings.requests_per_second if rate_limited else None)
    return SiteClient(
        site_url=settings.site_url,
        user_agent=settings.user_agent,
        limiter=limiter,
        timeout=settings.request_timeout,
        max_retries=settings.max_retries,
        backoff=settings.retry_backoff,
        stats=SiteFetchStats(redis),
    )


def webhook_config(settings: Settings) -> send.WebhookConfig:
    return send.WebhookConfig(
        api_base_url=settings.api_base_url,
        site_url=settings.site_url,
        allow_http=settings.webhook_allow_http,
        allowed_hosts=tuple(settings.webhook_allowed_hosts),
        timeout=settings.webhook_timeout,
        retry_hours=settings.webhook_retry_hours,
        user_agent=settings.user_agent,
        concurrency=settings.webhook_concurrency,
    )


async def dispatch_webhooks(ctx: dict[str, Any]) -> int:
    """Every few seconds: remedy reminders, fan-out of new events, delivery of what is due.

    Its ticks are logged at DEBUG (lgsco_shared.logs); one that delivered something says so.
    One tick at a time on a worker: a tick that finds the last one still sending returns at
    once, so deliveries hold at most one of the worker's job slots and ingest keeps the rest.
    """
    busy: asyncio.Lock = ctx.setdefault("webhook_busy", asyncio.Lock())
    if busy.locked():
        return 0
    async with busy:
        sent = await tick.run_once(ctx["sessionmaker"], ctx["webhook_http"], ctx["webhooks"])
    if sent:
        log.info("webhooks: %d deliveries attempted", sent, extra={"deliveries": sent})
    return sent


def build_worker(settings: Settings, *, database_url: str, redis_url: str, **kwargs: Any) -> Worker:
    """An arq Worker wired to our database and Redis (used by `lgsco worker` and `lgsco up`)."""

    async def startup(ctx: dict[str, Any]) -> None:
        parsebox.configure(parsebox.limits_from(settings))
        engine = make_engine(database_url)
        ctx["engine"] = engine
        ctx["sessionmaker"] = make_sessionmaker(engine)
        ctx["queue"] = ctx["redis"]
        ctx["client"] = site_client(settings, ctx["redis"])
        ctx["crawl_concurrency"] = settings.crawl_concurrency
        ctx["recheck_days"] = settings.recheck_days
        ctx["stale_after"] = timedelta(seconds=settings.stale_run_seconds)
        # Never follow a redirect: the checked callback URL is the only address called; one
        # connection per delivery in flight at most.
        ctx["webhook_http"] = httpx.AsyncClient(
            follow_redirects=False,
            limits=httpx.Limits(max_connections=settings.webhook_concurrency),
        )
        ctx["webhooks"] = webhook_config(settings)
        await recover_stale_runs(ctx)  # type: ignore[arg-type]  # logs what it resumes

    async def shutdown(ctx: dict[str, Any]) -> None:
        await ctx["client"].aclose()
        await ctx["webhook_http"].aclose()
        await ctx["engine"].dispose()

    cron_jobs = [
        cron(cast(Any, recover_stale_runs), second={0}, run_at_startup=False),
        cron(cast(Any, dispatch_webhooks), second=set(range(0, 60, 5)), run_at_startup=True),
    ]
    if settings.schedule_enabled:  # the schedules are rows, re-read on every tick
        tick_seconds = set(range(0, 60, TICK_SECONDS))
        cron_jobs.append(cron(cast(Any, schedule_tick), second=tick_seconds, run_at_startup=True))
    return Worker(
        functions=[cast(Any, run_ingest)],
        cron_jobs=cron_jobs,
        redis_settings=jobqueue.redis_settings(redis_url),
        queue_name=jobqueue.QUEUE_NAME,
        on_startup=startup,
        on_shutdown=shutdown,
        job_timeout=JOB_TIMEOUT_SECONDS,
        max_jobs=4,
        keep_result=3600,
        health_check_interval=30,
        health_check_key=jobqueue.health_key(),
        **kwargs,
    )
