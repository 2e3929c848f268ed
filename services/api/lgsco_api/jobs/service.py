"""Submitting a run: the one path `POST /v1/jobs` and the console's job form both take, so a
window one refuses the other refuses with the same words, and both commit before enqueueing."""

from __future__ import annotations

from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_shared import crawlrange, runs
from lgsco_shared.jobs import CrawlRequest, JobRequest
from lgsco_shared.models import IngestRun
from lgsco_shared.queue import Queue


class Refused(Exception):
    """The request is well formed but asks for more than one run may do (a crawl window)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class QueueUnreachable(Exception):
    """The run is recorded but could not be queued: sending the same request again queues it."""

    def __init__(self, run_id: int) -> None:
        super().__init__(
            f"Run {run_id} is recorded but the job queue (Redis) is unreachable; "
            "send the same request again to queue it."
        )
        self.run_id = run_id


def refusal(job: JobRequest, max_months: int) -> Refused | None:
    """Why `job` may not run (a crawl window too early or too long), naming the field."""
    if isinstance(job, CrawlRequest) and (
        refused := crawlrange.refusal(job.from_, job.to, max_months)
    ):
        return Refused("from" if refused.startswith("'from'") else "to", refused)
    return None


async def submit(
    session: AsyncSession, queue: Queue, job: JobRequest, *, max_months: int
) -> tuple[IngestRun, bool]:
    """Record the run (or find the equal one queued or running), commit, then enqueue it.

    Returns the run and whether it was created. Raises `Refused` before anything is recorded,
    and `QueueUnreachable` after the run is committed but not queued."""
    if (refused := refusal(job, max_months)) is not None:
        raise refused
    params = job.model_dump(mode="json", by_alias=True)
    run, created = await runs.find_or_create(
        session, kind=job.run_kind, job_key=job.job_key(), params=params
    )
    await session.commit()
    try:
        await runs.enqueue_run(queue, run.id)
    except (RedisError, OSError) as exc:
        raise QueueUnreachable(run.id) from exc
    return run, created
