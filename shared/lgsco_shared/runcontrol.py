"""Cancelling a run: one implementation behind DELETE /v1/jobs/{id}, the console and the CLI.

A queued run is cancelled at once (its queued job finds it `cancelled` and does nothing). A
running one is marked: the crawl reads the mark at its next checkpoint (before each month window
and after each listing page, whose decisions are then stored), the recheck before each decision,
stops there and ends `cancelled`. What it had read stays checkpointed, so a new run over the same
window resumes where it stopped.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_shared.domain import FINISHED, RunStatus
from lgsco_shared.models import IngestRun


class RunCancelled(Exception):
    """Raised at a checkpoint of a run whose cancellation was requested."""


class RunFinished(ValueError):
    """The run has finished already: there is nothing to cancel."""

    def __init__(self, run_id: int, status: RunStatus) -> None:
        self.run_id, self.status = run_id, status
        super().__init__(f"Run {run_id} has finished ({status.value}): nothing to cancel.")


async def cancel_run(
    session: AsyncSession, run_id: int, *, by: str | None, now: datetime | None = None
) -> IngestRun | None:
    """Cancel a queued run, or ask a running one to stop; None if there is no such run.
    Commits. Asking again is harmless; a finished run raises `RunFinished`."""
    now = now or datetime.now(UTC)
    run = await session.get(IngestRun, run_id, with_for_update=True)
    if run is None:
        return None
    if run.status in FINISHED:
        finished = RunFinished(run.id, run.status)
        await session.rollback()
        raise finished
    if run.cancel_requested_at is None:
        run.cancel_requested_at, run.cancelled_by = now, by
    if run.status == RunStatus.QUEUED:
        run.status, run.finished_at = RunStatus.CANCELLED, now
    await session.commit()
    await session.refresh(run)
    return run


class StopCheck:
    """`await check()` raises `RunCancelled` once the run's cancellation has been requested."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], run_id: int | None) -> None:
        self._sessionmaker = sessionmaker
        self.run_id = run_id  # None until the run is recorded (a crawl from the command line)

    async def requested(self) -> bool:
        if self.run_id is None:
            return False
        async with self._sessionmaker() as session:
            marked = await session.scalar(
                select(IngestRun.cancel_requested_at).where(IngestRun.id == self.run_id)
            )
        return marked is not None

    async def __call__(self) -> None:
        if await self.requested():
            raise RunCancelled(f"run {self.run_id} was cancelled")
