"""Ingest runs: find-or-create a run for a job request, and hand it to the queue.

The caller owns the transaction: create the run, commit, then `enqueue_run`. A request equal to
one that is queued or running returns that run (an advisory lock on the key makes two
simultaneous requests agree).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco.shared import queue as jobqueue
from lgsco.shared.domain import RunKind, RunStatus
from lgsco.shared.jobs import RUN_JOB
from lgsco.shared.models import IngestRun

ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)


async def find_or_create(
    session: AsyncSession, *, kind: RunKind, job_key: str, params: dict[str, Any]
) -> tuple[IngestRun, bool]:
    """Return (run, created). Flushes; never commits."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": job_key})
    existing = await session.scalar(
        select(IngestRun)
        .where(IngestRun.job_key == job_key, IngestRun.status.in_(ACTIVE))
        .order_by(IngestRun.id.desc())
        .limit(1)
    )
    if existing is not None:
        return existing, False
    run = IngestRun(kind=kind, job_key=job_key, params=params, status=RunStatus.QUEUED, counts={})
    session.add(run)
    await session.flush()
    return run, True


async def enqueue_run(queue: jobqueue.Queue, run_id: int) -> bool:
    return await jobqueue.enqueue(queue, RUN_JOB, run_id, job_id=f"run:{run_id}")


async def queued_or_running(session: AsyncSession) -> int:
    count = await session.scalar(
        select(func.count()).select_from(IngestRun).where(IngestRun.status.in_(ACTIVE))
    )
    return int(count or 0)
