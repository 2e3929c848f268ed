"""The worker is killed (SIGKILL: no clean-up of any kind) three times during a crawl and started
again each time. Another start finds the run abandoned (no heartbeat), resumes it from its
checkpoint, and the crawl finishes: the database equals the truth, nothing is stored twice, and
the run is `succeeded` with counts that add up."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from redis.asyncio import Redis
from sqlalchemy import select

from lgsco_ingest import site
from lgsco_shared import queue as jobqueue
from lgsco_shared import runs
from lgsco_shared.domain import RunStatus
from lgsco_shared.models import Decision, DecisionVersion, IngestRun, RawPage
from tests.fakesite.corpus import CorpusEntry
from tests.fakesite.server import FakeSite, Faults
from tests.reliability import synthetic
from tests.reliability.checks import count, differences, per_reference, run_record
from tests.reliability.conftest import Maker, create_crawl_run

DECISIONS = 120
STALE_SECONDS = 2.0  # LGSCO_STALE_RUN_SECONDS: the heartbeat goes every 0.5 s
KILL_AT = (20, 45, 75)  # decisions stored when each SIGKILL is sent
LGSCO = Path(sys.executable).with_name("lgsco")


def start_worker(
    database_url: str, redis_url: str, site_url: str, log: Path
) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "LGSCO_DATABASE_URL": database_url,
        "LGSCO_REDIS_URL": redis_url,
        "LGSCO_SITE_URL": site_url,
        "LGSCO_HOME": str(log.parent / "home"),
        "LGSCO_REQUESTS_PER_SECOND": "50",
        "LGSCO_CRAWL_CONCURRENCY": "3",
        "LGSCO_REQUEST_TIMEOUT": "5",
        "LGSCO_SCHEDULE_ENABLED": "false",
        "LGSCO_STALE_RUN_SECONDS": str(STALE_SECONDS),
        "LGSCO_LOG_LEVEL": "INFO",
        "LGSCO_LOG_FORMAT": "text",
    }
    with log.open("ab") as out:
        return subprocess.Popen([str(LGSCO), "worker"], env=env, stdout=out, stderr=out)


async def wait_for(what: str, check: object, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not await check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out waiting for {what}; worker log:\n{log.read_text()[-3000:]}"
            )
        await asyncio.sleep(0.1)


async def test_crawl_survives_three_sigkills_of_the_worker(
    decisions: list[CorpusEntry],
    fake_site: FakeSite,
    pooled: Maker,
    redis: Redis,
    database_url: str,
    redis_url: str,
    tmp_path: Path,
) -> None:
    built, truth = synthetic.build(decisions, DECISIONS, days=90)
    fake_site.decisions.update(built.decisions)
    fake_site.faults = Faults(delay=0.15)  # slow enough for the crawl to be killed mid-way
    run_id = await create_crawl_run(pooled, *synthetic.window(truth))
    queue = await jobqueue.connect(redis_url)
    await runs.enqueue_run(queue, run_id)
    await queue.aclose()
    log = tmp_path / "worker.log"

    async def stored() -> int:
        async with pooled() as session:
            return len(list(await session.scalars(select(Decision.id))))

    started = time.monotonic()
    for n, threshold in enumerate(KILL_AT, 1):
        worker = start_worker(database_url, redis_url, fake_site.url, log)

        async def reached(threshold: int = threshold) -> bool:
            return await stored() >= threshold

        await wait_for(f"{threshold} decisions before kill {n}", reached, 60, log)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        assert 0 < await stored() < DECISIONS, "the crawl must be cut mid-way"
        await asyncio.sleep(STALE_SECONDS + 0.5)  # until its heartbeat is stale

    worker = start_worker(database_url, redis_url, fake_site.url, log)

    async def finished() -> bool:
        async with pooled() as session:
            run = await session.get(IngestRun, run_id)
            return run is not None and run.status in (RunStatus.SUCCEEDED, RunStatus.FAILED)

    try:
        await wait_for("the run to finish", finished, 90, log)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
    elapsed = time.monotonic() - started

    assert await differences(pooled, truth) == []
    assert await count(pooled, DecisionVersion) == DECISIONS
    assert await count(pooled, RawPage) == DECISIONS
    run, failures = await run_record(pooled, run_id)
    assert (run.status, run.error, failures) == (RunStatus.SUCCEEDED, None, [])
    assert run.attempts == len(KILL_AT) + 1
    # Counts are written with each page's checkpoint: the decisions of a page cut short by a
    # kill are stored but not counted, and count as unchanged when the page is read again. So
    # every decision is counted at least once, as new at most once, and at most a page of
    # decisions a kill is counted as unchanged instead of new.
    counts = per_reference(run.counts)
    assert set(counts) <= {"new", "unchanged"}
    assert DECISIONS - len(KILL_AT) * site.RESULTS_PER_PAGE <= counts["new"] <= DECISIONS
    assert counts["new"] + counts.get("unchanged", 0) >= DECISIONS
    assert counts.get("unchanged", 0) < len(KILL_AT) * 15
    print(f"\ncrawl with 3 SIGKILLs finished in {elapsed:.1f} s; counts {run.counts}")
