"""`lgsco schedules ...` and `lgsco cancel`: the schedule and cancellation services of
lgsco_shared.schedules and lgsco_shared.runcontrol, as the API and the console call them, with
the operator named `cli` as the key that made the change."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_shared import queue as jobqueue
from lgsco_shared import runcontrol, schedules
from lgsco_shared.db import make_engine, make_sessionmaker
from lgsco_shared.embedded import ServiceUrls
from lgsco_shared.settings import Settings

Echo = Callable[[str], None]
CHANGED_BY = "cli"


def _when(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if at else "-"


async def _with_session(urls: ServiceUrls, work: Callable[[AsyncSession], Any]) -> Any:
    engine = make_engine(urls.database_url, pool=False)
    try:
        async with make_sessionmaker(engine)() as session:
            return await work(session)
    finally:
        await engine.dispose()


async def list_schedules(urls: ServiceUrls, settings: Settings, *, echo: Echo) -> int:
    async def work(session: AsyncSession) -> list[schedules.ScheduleRead]:
        return await schedules.list_schedules(session, settings)

    found: list[schedules.ScheduleRead] = await _with_session(urls, work)
    if not found:
        echo("no schedules; add one with `lgsco schedules add`")
        return 0
    rows = [
        ("ID", "NAME", "KIND", "CRON", "TIMEZONE", "STATUS", "NEXT (UTC)", "LAST RUN", "REQ/DAY")
    ]
    for s in found:
        last = f"{s.last_run.id} {s.last_run.status.value}" if s.last_run else "never"
        rows.append(
            (
                str(s.id),
                s.name,
                s.kind.value,
                s.cron,
                s.timezone,
                "active" if s.enabled else "paused",
                _when(s.next_run_at),
                last,
                str(s.projected.requests_per_day),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


def _show(made: schedules.ScheduleRead, echo: Echo) -> None:
    state = "active" if made.enabled else "paused"
    when = f"{made.cron} {made.timezone}"
    echo(f"schedule {made.id} {made.name!r} ({made.kind.value}, {when}): {state}")
    for at in made.next_runs:
        echo(f"  next: {_when(at)}")
    echo(
        f"  about {made.projected.requests_per_day} requests a day "
        f"(at most {made.projected.ceiling})"
    )


async def add_schedule(
    urls: ServiceUrls, settings: Settings, body: dict[str, Any], *, echo: Echo
) -> int:
    try:
        spec = schedules.ScheduleCreate.model_validate(body)
    except ValueError as exc:
        echo(f"error: {exc}")
        return 2

    async def work(session: AsyncSession) -> schedules.ScheduleRead:
        return await schedules.create_schedule(session, spec, settings, by=CHANGED_BY)

    try:
        made = await _with_session(urls, work)
    except schedules.ScheduleInvalid as exc:
        echo(f"error: {exc}")
        return 2
    _show(made, echo)
    return 0


async def act(urls: ServiceUrls, settings: Settings, which: str, action: str, *, echo: Echo) -> int:
    """pause | resume | run | delete the schedule named by id or name."""

    async def work(session: AsyncSession) -> str:
        schedule_id = await schedules.find(session, which)
        if action == "delete":
            await schedules.delete_schedule(session, schedule_id)
            return f"schedule {schedule_id} deleted (its runs stay in `GET /v1/jobs`)"
        if action == "run":
            queue = await jobqueue.connect(urls.redis_url)
            try:
                started = await schedules.run_now(session, queue, schedule_id, by=CHANGED_BY)
            finally:
                await queue.aclose()
            if started.run is None:
                return f"error: not started: {started.record.reason}"
            return f"schedule {schedule_id}: run {started.run.id} queued"
        made = await schedules.set_enabled(
            session, schedule_id, action == "resume", settings, by=CHANGED_BY
        )
        _show(made, echo)
        return ""

    try:
        said = await _with_session(urls, work)
    except schedules.ScheduleNotFound as exc:
        echo(f"error: {exc}")
        return 1
    except schedules.ScheduleInvalid as exc:
        echo(f"error: {exc}")
        return 2
    if said:
        echo(said)
    return 1 if said.startswith("error:") else 0


async def cancel(urls: ServiceUrls, run_id: int, *, echo: Echo) -> int:
    async def work(session: AsyncSession) -> str:
        try:
            run = await runcontrol.cancel_run(session, run_id, by=CHANGED_BY)
        except runcontrol.RunFinished as exc:
            return f"error: {exc}"
        if run is None:
            return f"error: no run {run_id} is stored"
        if run.status.value == "cancelled":
            return f"run {run_id} cancelled"
        return f"run {run_id} is asked to stop; it stops at its next checkpoint"

    said: str = await _with_session(urls, work)
    echo(said)
    return 1 if said.startswith("error:") else 0
