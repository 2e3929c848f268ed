"""The scheduler tick with a controlled clock (`now` is passed in): a schedule created through the
API runs at its next due time exactly once however many workers tick; paused, it does not run;
clock changes neither skip nor double a daily run; an outage over several due times yields one
catch-up run; a due time met while the previous run is active is recorded as skipped."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_api.keys import service as keys
from lgsco_ingest.scheduler import tick
from lgsco_ingest.worker import build_worker
from lgsco_shared import schedules
from lgsco_shared.db import make_engine, make_sessionmaker
from lgsco_shared.domain import RunKind, RunStatus, ScheduleKind, ScheduleRunStatus
from lgsco_shared.models import IngestRun, Schedule, ScheduleRun
from lgsco_shared.schedule import months_back
from lgsco_shared.schedules import ScheduleCreate
from tests.api.conftest import _client, build_app, make_settings
from tests.conftest import truncate_all

Maker = async_sessionmaker[AsyncSession]
SETTINGS = make_settings()


@pytest.fixture(autouse=True)
async def emptied_after(database_url: str) -> AsyncIterator[None]:
    """These tests commit runs; later tests over the same database must not see them."""
    yield
    await truncate_all(database_url)


@pytest.fixture
async def second_worker(database_url: str, sessionmaker: Maker) -> AsyncIterator[Maker]:
    """Another worker's own engine on the same database (after `sessionmaker` emptied it)."""
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def create(maker: Maker, now: datetime, **spec: Any) -> int:
    values = {"name": "test", "kind": "refresh", "params": {"months": 1}} | spec
    async with maker() as session:
        made = await schedules.create_schedule(
            session, ScheduleCreate(**values), SETTINGS, by="test", now=now
        )
    return made.id


async def records(maker: Maker, schedule_id: int) -> list[ScheduleRun]:
    async with maker() as session:
        found = await session.scalars(
            select(ScheduleRun).where(ScheduleRun.schedule_id == schedule_id).order_by("due_at")
        )
        return list(found)


async def finish_runs(maker: Maker) -> None:
    """What the worker would have done with the runs by the next due time."""
    async with maker.begin() as session:
        await session.execute(
            update(IngestRun)
            .where(IngestRun.status == RunStatus.QUEUED)
            .values(status=RunStatus.SUCCEEDED)
        )


async def tick_through(maker: Maker, start: datetime, end: datetime, every: timedelta) -> None:
    now = start
    while now <= end:
        await tick(maker, None, now=now)
        await finish_runs(maker)
        now += every


async def test_a_schedule_made_through_the_api_runs_once_on_two_workers(
    sessionmaker: Maker, second_worker: Maker, database_url: str, redis_url: str
) -> None:
    async with sessionmaker.begin() as session:
        _key, token = await keys.create_key(session, "ops", ["jobs:write"])
    body = {
        "name": "kent-weekly",
        "kind": "crawl",
        "params": {"months": 2, "organisation": "Kent County Council"},
        "cron": "0 6 * * 1",
        "timezone": "Europe/London",
    }
    api: AsyncClient
    async for api in _client(build_app(database_url, redis_url)):
        created = await api.post(
            "/v1/schedules", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        assert created.status_code == 201, created.text
    schedule = created.json()
    first, second, third = (datetime.fromisoformat(t) for t in schedule["next_runs"][:3])

    # Before it is due: nothing, on either worker.
    before = first - timedelta(seconds=1)
    assert await tick(sessionmaker, None, now=before) == []
    assert await tick(second_worker, None, now=before) == []
    # Due: both workers tick at once; one run is created.
    now = first + timedelta(seconds=5)
    results = await asyncio.gather(
        tick(sessionmaker, None, now=now),
        tick(second_worker, None, now=now),
        tick(sessionmaker, None, now=now + timedelta(seconds=1)),
    )
    assert sum(len(r) for r in results) == 1
    # Later ticks before the next due time find nothing more to do.
    assert await tick(second_worker, None, now=now + timedelta(minutes=1)) == []
    [record] = await records(sessionmaker, schedule["id"])
    assert (record.due_at, record.status, record.missed) == (first, ScheduleRunStatus.CREATED, 0)
    async with sessionmaker() as session:
        [run] = list(await session.scalars(select(IngestRun)))
        stored = await session.get(Schedule, schedule["id"])
    assert run.id == record.run_id and run.kind == RunKind.CRAWL
    day = first.date()  # 06:00 in London is the same date in UTC
    assert run.params["to"] == day.isoformat()
    assert run.params["from"] == months_back(day, 2).isoformat()  # the first of two months ago
    assert run.params["organisation"] == "Kent County Council"
    assert stored is not None and stored.next_run_at == second and stored.last_run_at == first

    # The next due time while that run is still queued: recorded as skipped, nothing started.
    skipped = await tick(second_worker, None, now=second)
    assert [s.record.status for s in skipped] == [ScheduleRunStatus.SKIPPED]
    assert skipped[0].run is None
    assert f"run {run.id} of this schedule was still queued or running" in (
        skipped[0].record.reason or ""
    )
    await finish_runs(sessionmaker)
    started = await tick(sessionmaker, None, now=third)
    assert [s.record.status for s in started] == [ScheduleRunStatus.CREATED]
    assert [(r.due_at, r.status) for r in await records(sessionmaker, schedule["id"])] == [
        (first, ScheduleRunStatus.CREATED),
        (second, ScheduleRunStatus.SKIPPED),
        (third, ScheduleRunStatus.CREATED),
    ]


async def test_a_due_time_is_recorded_once_even_without_the_lock(
    sessionmaker: Maker, second_worker: Maker
) -> None:
    """The unique key alone: two workers starting the same due time create one run."""
    now = datetime(2027, 1, 4, 12, tzinfo=UTC)
    schedule_id = await create(sessionmaker, now, cron="0 * * * *", timezone="UTC")
    due = datetime(2027, 1, 4, 13, tzinfo=UTC)

    async def start(maker: Maker) -> schedules.Started | None:
        async with maker.begin() as session:
            schedule = await session.get(Schedule, schedule_id)
            assert schedule is not None
            return await schedules.start(session, schedule, due)

    outcomes = await asyncio.gather(start(sessionmaker), start(second_worker))
    assert sorted(o is None for o in outcomes) == [False, True]
    async with sessionmaker() as session:
        runs = list(await session.scalars(select(IngestRun)))
    assert len(runs) == 1 and len(await records(sessionmaker, schedule_id)) == 1


async def test_a_paused_schedule_does_not_run_and_resumes_from_now(sessionmaker: Maker) -> None:
    monday = datetime(2027, 1, 4, 12, tzinfo=UTC)
    schedule_id = await create(sessionmaker, monday, cron="0 3 * * *", timezone="UTC")
    async with sessionmaker() as session:
        paused = await schedules.set_enabled(
            session, schedule_id, False, SETTINGS, by="ops", now=monday + timedelta(hours=1)
        )
    assert paused.next_run_at is None and paused.next_runs == []
    await tick_through(
        sessionmaker, monday, monday + timedelta(days=3), every=timedelta(minutes=30)
    )
    assert await records(sessionmaker, schedule_id) == []
    # Resumed on Thursday at noon: the three 03:00s it was paused through are not caught up.
    thursday = monday + timedelta(days=3)
    async with sessionmaker() as session:
        resumed = await schedules.set_enabled(
            session, schedule_id, True, SETTINGS, by="ops", now=thursday
        )
    assert resumed.next_run_at == datetime(2027, 1, 8, 3, tzinfo=UTC)
    await tick_through(sessionmaker, thursday, thursday + timedelta(days=1), timedelta(minutes=30))
    assert [r.due_at for r in await records(sessionmaker, schedule_id)] == [
        datetime(2027, 1, 8, 3, tzinfo=UTC)
    ]


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # Clocks go forward at 01:00 GMT on 28 March 2027: 01:30 does not happen that day; the
        # run is at the change (02:00 BST), once.
        (
            datetime(2027, 3, 26, 12, tzinfo=UTC),
            ["2027-03-27T01:30", "2027-03-28T01:00", "2027-03-29T00:30", "2027-03-30T00:30"],
        ),
        # Clocks go back at 02:00 BST on 31 October 2027: 01:30 happens twice; the run is at the
        # first, once.
        (
            datetime(2027, 10, 29, 12, tzinfo=UTC),
            ["2027-10-30T00:30", "2027-10-31T00:30", "2027-11-01T01:30", "2027-11-02T01:30"],
        ),
    ],
    ids=["spring-forward", "fall-back"],
)
async def test_a_daily_run_in_the_changed_hour_is_neither_skipped_nor_doubled(
    sessionmaker: Maker, start: datetime, expected: list[str]
) -> None:
    schedule_id = await create(sessionmaker, start, cron="30 1 * * *")  # Europe/London
    await tick_through(sessionmaker, start, start + timedelta(days=4), every=timedelta(minutes=20))
    due = [r.due_at for r in await records(sessionmaker, schedule_id)]
    assert [d.strftime("%Y-%m-%dT%H:%M") for d in due] == expected
    assert all(
        r.status == ScheduleRunStatus.CREATED for r in await records(sessionmaker, schedule_id)
    )
    local_days = [d.astimezone(schedules.crontime.zone("Europe/London")).date() for d in due]
    assert len(set(local_days)) == len(local_days) == 4  # one run each local day


async def test_an_outage_over_several_due_times_yields_one_catch_up_run(
    sessionmaker: Maker,
) -> None:
    start = datetime(2027, 2, 1, 9, 50, tzinfo=UTC)
    schedule_id = await create(sessionmaker, start, cron="0 * * * *", timezone="UTC")
    await tick(sessionmaker, None, now=datetime(2027, 2, 1, 10, 0, 5, tzinfo=UTC))
    await finish_runs(sessionmaker)
    # No worker from 10:00:05 to 15:30: 11:00 ... 15:00 passed unseen.
    recovered = datetime(2027, 2, 1, 15, 30, tzinfo=UTC)
    started = await tick(sessionmaker, None, now=recovered)
    assert len(started) == 1 and started[0].run is not None
    assert await tick(sessionmaker, None, now=recovered + timedelta(seconds=15)) == []
    found = await records(sessionmaker, schedule_id)
    assert [(r.due_at.hour, r.missed) for r in found] == [(10, 0), (15, 4)]
    assert found[1].reason == "caught up 4 earlier due time(s) missed while no worker ran"
    async with sessionmaker() as session:
        schedule = await session.get(Schedule, schedule_id)
        assert schedule is not None
        assert schedule.next_run_at == datetime(2027, 2, 1, 16, tzinfo=UTC)
        assert schedule.kind == ScheduleKind.REFRESH
        runs = list(await session.scalars(select(IngestRun).order_by(IngestRun.id)))
    assert [r.params["months"] for r in runs] == [1, 1]
    assert [r.kind for r in runs] == [RunKind.REFRESH, RunKind.REFRESH]


async def test_a_schedule_without_a_next_time_starts_counting_at_the_first_tick(
    sessionmaker: Maker,
) -> None:
    """The rows the migration creates have no next time: a deployment's first tick sets it,
    and nothing is run for times before the upgrade."""
    async with sessionmaker.begin() as session:
        session.add(
            Schedule(
                name="refresh_recent",
                kind=ScheduleKind.REFRESH,
                params={"months": 6},
                cron="15 3 * * *",
                timezone="UTC",
                description="",
                enabled=True,
            )
        )
    now = datetime(2027, 5, 5, 12, tzinfo=UTC)
    assert await tick(sessionmaker, None, now=now) == []
    async with sessionmaker() as session:
        schedule = await session.scalar(select(Schedule))
    assert schedule is not None and schedule.next_run_at == datetime(2027, 5, 6, 3, 15, tzinfo=UTC)
    started = await tick(sessionmaker, None, now=datetime(2027, 5, 6, 3, 15, 2, tzinfo=UTC))
    assert [s.record.due_at for s in started] == [datetime(2027, 5, 6, 3, 15, tzinfo=UTC)]


@pytest.mark.parametrize("enabled", [True, False])
def test_the_worker_ticks_every_fifteen_seconds_unless_schedules_are_off(
    enabled: bool, redis_url: str
) -> None:
    worker = build_worker(
        make_settings(schedule_enabled=enabled),
        database_url="postgresql://unused/x",
        redis_url=redis_url,
    )
    ticks = {job.name: job.second for job in worker.cron_jobs}
    # No entry per schedule any more: one tick reads them all from the table.
    assert not any(
        name.startswith("cron:schedule_") and name != "cron:schedule_tick" for name in ticks
    )
    if enabled:
        assert ticks["cron:schedule_tick"] == {0, 15, 30, 45}
    else:
        assert "cron:schedule_tick" not in ticks


async def test_a_schedule_that_cannot_start_does_not_stop_the_others(sessionmaker: Maker) -> None:
    now = datetime(2027, 3, 1, 12, tzinfo=UTC)
    good = await create(sessionmaker, now, name="good", cron="0 13 * * *", timezone="UTC")
    async with sessionmaker.begin() as session:  # a row edited by hand, past the API's checks
        session.add(
            Schedule(
                name="broken",
                kind=ScheduleKind.REFRESH,
                params={"months": 1},
                cron="not a cron",
                timezone="UTC",
                description="",
                enabled=True,
                next_run_at=now,
            )
        )
    started = await tick(sessionmaker, None, now=datetime(2027, 3, 1, 13, 0, 1, tzinfo=UTC))
    assert [s.record.schedule_id for s in started] == [good]
    async with sessionmaker() as session:  # and it is still listed, without due times
        listed = {s.name: s for s in await schedules.list_schedules(session, SETTINGS, now=now)}
    assert listed["broken"].next_runs == [] and listed["broken"].projected.requests_per_day == 0
    assert len(listed["good"].next_runs) == 5
    async with sessionmaker.begin() as session:
        await session.execute(delete(Schedule))
