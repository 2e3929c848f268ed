"""The arq worker against real Redis: runs are recorded, duplicates collapse, work is done."""

from __future__ import annotations

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_ingest.worker import build_worker
from lgsco_shared import queue as jobqueue
from lgsco_shared import runs
from lgsco_shared.domain import RunKind, RunStatus
from lgsco_shared.jobs import IngestReferenceRequest
from lgsco_shared.models import IngestRun
from tests.conftest import settings_for
from tests.fakesite.corpus import CorpusEntry
from tests.fakesite.corpus_site import fake_decision
from tests.fakesite.server import FakeSite
from tests.ingest.helpers import stored


async def test_requested_ingest_runs_once_on_the_worker_and_is_recorded(
    decisions: list[CorpusEntry],
    fake_site: FakeSite,
    sessionmaker: async_sessionmaker[AsyncSession],
    redis: Redis,
    database_url: str,
    redis_url: str,
) -> None:
    entry = decisions[0]
    fake_site.add(fake_decision(entry))
    request = IngestReferenceRequest(
        kind="ingest_reference", reference=entry.truth["ref"].replace(" ", "")
    )
    queue = await jobqueue.connect(redis_url)
    try:
        run_ids = []
        for _ in range(2):  # the same request twice is the same run
            async with sessionmaker.begin() as session:
                run, _created = await runs.find_or_create(
                    session,
                    kind=RunKind.INGEST_REFERENCE,
                    job_key=request.job_key(),
                    params=request.model_dump(),
                )
            run_ids.append(run.id)
            await runs.enqueue_run(queue, run.id)
        assert run_ids[0] == run_ids[1]
        assert await jobqueue.queue_depth(queue) == 1

        worker = build_worker(
            settings_for(fake_site.url, schedule_enabled=False),
            database_url=database_url,
            redis_url=redis_url,
            burst=True,
            poll_delay=0.05,
        )
        await worker.main()
        await worker.close()
    finally:
        await queue.aclose()
    async with sessionmaker() as session:
        run = await session.get(IngestRun, run_ids[0])
    assert run is not None
    assert run.status == RunStatus.SUCCEEDED
    assert run.counts == {"new": 1}
    assert run.started_at is not None and run.finished_at is not None
    assert entry.truth["ref"] in await stored(sessionmaker)
