"""The scheduler tick: every worker runs it every few seconds; schedules are rows, re-read on
every tick, so a schedule created, changed or paused through the API counts from the next tick.

Exactly one run per due time, however many workers tick: the due schedules are locked
(`FOR UPDATE SKIP LOCKED`, so a second worker passes over them), and the due time is inserted
into `schedule_run`, unique on (schedule_id, due_at), with the run in the same transaction.
Runs are enqueued after the commit; one whose enqueue failed stays `queued` and the worker's
minute check (`recover_stale_runs`) enqueues it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_shared import queue as jobqueue
from lgsco_shared import runs, schedules
from lgsco_shared.domain import ScheduleRunStatus

log = logging.getLogger(__name__)

TICK_SECONDS = 15  # due times start at most this late (the worker's cron: seconds 0, 15, 30, 45)


async def tick(
    sessionmaker: async_sessionmaker[AsyncSession],
    queue: jobqueue.Queue | None,
    *,
    now: datetime,
) -> list[schedules.Started]:
    """Start what is due at `now`; returns what this call recorded (nothing if another did)."""
    async with sessionmaker.begin() as session:
        started = await schedules.fire_due(session, now)
        # Read what the log and the caller need before the session closes.
        for item in started:
            await session.refresh(item.record)
    for item in started:
        record = item.record
        if record.status == ScheduleRunStatus.SKIPPED:
            log.info(
                "schedule %s: due time %s skipped (%s)",
                record.schedule_id,
                record.due_at.isoformat(),
                record.reason,
                extra={"schedule_id": record.schedule_id},
            )
            continue
        log.info(
            "schedule %s: run %s for %s",
            record.schedule_id,
            record.run_id,
            record.due_at.isoformat(),
            extra={"schedule_id": record.schedule_id, "run_id": record.run_id},
        )
        if queue is not None and record.run_id is not None:
            try:
                await runs.enqueue_run(queue, record.run_id)
            except Exception:  # the run stays queued; the minute check enqueues it
                log.warning("run %s could not be enqueued now", record.run_id, exc_info=True)
    return started


async def schedule_tick(ctx: dict[str, Any]) -> int:
    """What the worker's cron calls: one tick at the current time; the runs it created."""
    started = await tick(ctx["sessionmaker"], ctx["queue"], now=datetime.now(UTC))
    return sum(1 for item in started if item.run is not None)
