"""A crawl of 2,000 decisions from a site that fails a third of the time: 500s, 429s with
Retry-After, stalls past the client's timeout, truncated pages and cut connections. The run
still ends with every decision stored once and right, and its record says what happened."""

from __future__ import annotations

import time

from redis.asyncio import Redis

from lgsco_ingest import jobs
from lgsco_ingest.fetch import SiteClient
from lgsco_ingest.ratelimit import SiteRateLimiter
from lgsco_shared import queue as jobqueue
from lgsco_shared.domain import RunStatus
from lgsco_shared.models import DecisionVersion, ListingFetch, RawPage
from tests.fakesite.corpus import CorpusEntry
from tests.fakesite.server import Faults, SiteProcess
from tests.reliability import synthetic
from tests.reliability.checks import count, differences, per_reference, run_record
from tests.reliability.conftest import Maker, create_crawl_run

DECISIONS = 2000
FAULTS = Faults(
    error_500=0.20,
    throttle_429=0.05,
    stall=0.05,
    truncate=0.03,  # a whole response holding half the page (no </html>)
    cut=0.02,  # half the declared Content-Length, then the connection closes
    stall_seconds=0.6,
    retry_after=1,
)


async def test_crawl_through_a_faulty_site_stores_every_decision_once_and_right(
    decisions: list[CorpusEntry], pooled: Maker, redis: Redis, redis_url: str
) -> None:
    site, truth = synthetic.build(decisions, DECISIONS)
    site.faults = FAULTS
    served = SiteProcess(site)
    served.start()
    client = SiteClient(
        site_url=served.url,
        user_agent="reliability-tests",
        limiter=SiteRateLimiter(redis, None),  # no politeness delay: the site is ours
        timeout=0.25,  # the stalls (0.6 s) outlast it
        max_retries=12,  # 35% of tries fail: 13 failures in a row are ~1 in a million
        backoff=0.01,
        max_retry_after=0.05,  # the site says `Retry-After: 1`; waiting it out is not the point
    )
    queue = await jobqueue.connect(redis_url)
    started = time.monotonic()
    try:
        run_id = await create_crawl_run(pooled, *synthetic.window(truth))
        ctx: jobs.JobContext = {
            "sessionmaker": pooled,
            "client": client,
            "queue": queue,
            "crawl_concurrency": 10,  # a listing page at once
            "recheck_days": 30,
        }
        assert await jobs.run_ingest(ctx, run_id) == "succeeded"
        requests, statuses = served.counters()
    finally:
        await client.aclose()
        await queue.aclose()
        served.stop()
    elapsed = time.monotonic() - started

    assert await differences(pooled, truth) == []
    assert await count(pooled, DecisionVersion) == DECISIONS
    assert await count(pooled, RawPage) == DECISIONS  # no page stored twice, nothing partial

    run, failures = await run_record(pooled, run_id)
    assert (run.status, run.error, run.attempts) == (RunStatus.SUCCEEDED, None, 1)
    assert per_reference(run.counts) == {"new": DECISIONS}
    assert run.counts["windows_crawled"] > 0 and run.counts["windows_complete"] == 0
    assert failures == []  # every fault was retried away
    assert run.started_at is not None and run.finished_at is not None

    # The faults happened, and each failed try was tried again.
    pages = [n for url, n in requests.items() if "/decisions/" in url]
    assert len(pages) == DECISIONS
    assert statuses[500] > 0.15 * sum(pages) and statuses[429] > 0.03 * sum(pages)
    assert sum(n - 1 for n in pages) > 0.3 * DECISIONS
    assert max(pages) >= 4
    async with pooled() as session:
        from sqlalchemy import select

        shells = await session.scalar(select(ListingFetch).where(ListingFetch.search_shell))
    assert shells is None
    print(f"\n2,000 decisions through faults in {elapsed:.1f} s; statuses {dict(statuses)}")
