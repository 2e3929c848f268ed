"""Ingest runs: find-or-create a run for a job request, and hand it to the queue.

The caller owns the transaction: create the run, commit, then `enqueue_run`. A request equal to
one that is queued or running returns that run (an advisory lock on the key makes two
simultaneous requests agree).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_shared import queue as jobqueue
from lgsco_shared.domain import RunKind, RunStatus
from lgsco_shared.jobs import RUN_JOB
from lgsco_shared.models import IngestRun

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


def window_note(counts: dict[str, int], refresh_hint: str) -> str | None:
    """`2 windows crawled, 22 already complete` for a run that counted its windows, else None;
    a run that read none says how to re-read them (`refresh_hint`: the option's spelling)."""
    if "windows_crawled" not in counts:
        return None
    crawled, complete = counts["windows_crawled"], counts.get("windows_complete", 0)
    others = counts.get("windows_by_other_runs", 0)
    line = f"{crawled} window{'s' if crawled != 1 else ''} crawled, {complete} already complete"
    if others:
        line += f", {others} crawled by another run"
    if crawled == 0 and others == 0 and complete:
        line += f"; use {refresh_hint} to re-read them"
    return line
