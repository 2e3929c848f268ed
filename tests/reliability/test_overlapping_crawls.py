"""Crawls that coexist: two requested crawls over overlapping months and the scheduled refresh,
all at once, against a site that fails a third of its answers. A month another run is crawling
is skipped and come back to, never an error or a wait on a lock: every run succeeds, every
decision is stored once and counted new by exactly one run. A lease left by a run that died
runs out, and the window is crawled."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from redis.asyncio import Redis
from sqlalchemy import select

from lgsco_ingest import jobs
from lgsco_ingest.crawl import Crawler
from lgsco_ingest.worker import site_client
from lgsco_shared import queue as jobqueue
from lgsco_shared import runs
from lgsco_shared.domain import RunKind, RunStatus
from lgsco_shared.models import CrawlWindow, Decision, DecisionVersion, IngestRun, RawPage
from tests.conftest import settings_for
from tests.fakesite.made_up import invented_decision
from tests.fakesite.server import FakeSite, Faults
from tests.ingest.helpers import count
from tests.reliability.checks import per_reference
from tests.reliability.conftest import Maker, create_crawl_run

MONTHS = [(2025, 1), (2025, 2), (2025, 3), (2025, 4)]
PER_MONTH = 14


async def test_overlapping_crawls_and_the_refresh_at_once_all_succeed_storing_each_once(
    fake_site: FakeSite, pooled: Maker, redis: Redis, redis_url: str
) -> None:
    references = set()
    for m, (year, month) in enumerate(MONTHS):
        for i in range(PER_MONTH):
            decision = invented_decision(f"25 {m:03} {i:03}", date(year, month, 1 + i * 2))
            fake_site.add(decision)
            references.add(decision.reference)
    fake_site.faults = Faults(
        error_500=0.2, throttle_429=0.05, stall=0.05, truncate=0.05, stall_seconds=1.5
    )
    client = site_client(
        settings_for(fake_site.url, request_timeout=0.5, max_retries=8), redis, rate_limited=False
    )
    queue = await jobqueue.connect(redis_url)
    ctx: jobs.JobContext = {
        "sessionmaker": pooled,
        "client": client,
        "queue": queue,
        "crawl_concurrency": 4,
        "recheck_days": 30,
        "today": lambda: date(2025, 5, 10),  # the refresh reads November 2024 to May 2025
        "revisit_every": 0.2,
    }
    first = await create_crawl_run(pooled, date(2025, 1, 1), date(2025, 3, 31))
    second = await create_crawl_run(pooled, date(2025, 2, 1), date(2025, 4, 30))
    async with pooled.begin() as session:
        run, _ = await runs.find_or_create(
            session,
            kind=RunKind.REFRESH,
            job_key="refresh_recent:2025-05-10",
            params={"scheduled": "refresh_recent"},
        )
        refresh = run.id
    try:
        results = await asyncio.gather(
            *(jobs.run_ingest(ctx, run_id) for run_id in (first, second, refresh))
        )
    finally:
        await client.aclose()
        await queue.aclose()

    assert results == [RunStatus.SUCCEEDED.value] * 3
    async with pooled() as session:
        done = {r.id: r for r in await session.scalars(select(IngestRun))}
        windows = list(await session.scalars(select(CrawlWindow)))
    assert all((r.status, r.error) == (RunStatus.SUCCEEDED, None) for r in done.values())
    # Each decision stored once, from one page, and counted new by exactly one run.
    assert await count(pooled, Decision) == len(references)
    assert await count(pooled, DecisionVersion) == len(references)
    assert await count(pooled, RawPage) == len(references)
    assert sum(per_reference(r.counts).get("new", 0) for r in done.values()) == len(references)
    assert all(per_reference(r.counts).get("failed", 0) == 0 for r in done.values())
    # Every window of each run was read through, by it or by another run meanwhile.
    windows_of = {first: 3, second: 3, refresh: 7}
    for run_id, expected in windows_of.items():
        c = done[run_id].counts
        assert c["windows_crawled"] + c["windows_by_other_runs"] == expected, (run_id, c)
        assert c["windows_complete"] == 0
    assert sum(r.counts["windows_by_other_runs"] for r in done.values()) >= 1
    assert all(w.lease_holder is None and w.lease_until is None for w in windows)
    assert fake_site.statuses[500] > 0 and fake_site.statuses[429] > 0


async def test_a_window_leased_by_a_run_that_died_is_crawled_once_its_lease_runs_out(
    fake_site: FakeSite, pooled: Maker, redis: Redis
) -> None:
    for i in range(3):
        fake_site.add(invented_decision(f"25 100 {i:03}", date(2025, 6, 3 + i)))
    until = datetime.now(UTC) + timedelta(seconds=1.5)
    async with pooled.begin() as session:
        session.add(
            CrawlWindow(
                starts_on=date(2025, 6, 1),
                ends_on=date(2025, 6, 30),
                organisation="",
                next_page=1,
                lease_holder="run:gone",
                lease_until=until,
            )
        )
    client = site_client(settings_for(fake_site.url), redis, rate_limited=False)
    crawler = Crawler(pooled, client, lease=timedelta(seconds=2), revisit_every=0.25)
    try:
        report = await crawler.crawl(date(2025, 6, 1), date(2025, 6, 30))
    finally:
        await client.aclose()
    assert datetime.now(UTC) >= until  # it waited for the lease, not for a lock timeout
    assert (report.windows_done, report.windows_by_other_runs) == (1, 0)
    assert dict(report.counts) == {"new": 3}
    async with pooled() as session:
        window = await session.scalar(select(CrawlWindow))
    assert window is not None and window.completed_at is not None
    assert window.lease_holder is None
