"""Refresh by what is newly published: a decision decided in January and published in May is
stored by the next daily refresh; one published more than six months late by the weekly sweep;
the lag between decision date and first sight is measured on what the refresh found (not on a
backfill), shown in /v1/status, and widens the daily refresh when decisions come later."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_ingest import jobs
from lgsco_shared import runs
from lgsco_shared.domain import RunKind, RunStatus
from lgsco_shared.models import CrawlWindow, Decision, IngestRun
from lgsco_shared.schedule import SCHEDULE, months_back
from tests.api.conftest import _client, build_app
from tests.fakesite.made_up import invented_decision
from tests.fakesite.server import FakeSite
from tests.ingest.helpers import stored

Maker = async_sessionmaker[AsyncSession]


async def scheduled(maker: Maker, ctx: jobs.JobContext, name: str, day: date) -> int:
    """What the worker's cron entry `name` does on `day`: an ordinary run, carried out."""
    job = next(j for j in SCHEDULE if j.name == name)
    async with maker.begin() as session:
        run, _ = await runs.find_or_create(
            session, kind=job.kind, job_key=f"{name}:{day}", params={"scheduled": name}
        )
    ctx["today"] = lambda: day
    assert await jobs.run_ingest(ctx, run.id) == RunStatus.SUCCEEDED.value
    return run.id


async def window_starts(maker: Maker, run_id: int) -> date:
    async with maker() as session:
        first = await session.scalar(
            select(func.min(CrawlWindow.starts_on)).where(CrawlWindow.run_id == run_id)
        )
    assert first is not None
    return first


async def test_a_decision_published_three_months_late_is_stored_by_the_next_daily_refresh(
    fake_site: FakeSite, sessionmaker: Maker, ctx: jobs.JobContext
) -> None:
    on_time = invented_decision("26 001 001", date(2026, 3, 2))
    late = invented_decision("26 001 002", date(2026, 1, 31))  # decided in January
    fake_site.add(on_time)
    for day in (date(2026, 4, 28), date(2026, 4, 29), date(2026, 4, 30)):
        await scheduled(sessionmaker, ctx, "refresh_recent", day)
        assert set(await stored(sessionmaker)) == {on_time.reference}
    # 1 May: the refresh runs at 03:15, the LGSCO publishes the January decision later that day.
    await scheduled(sessionmaker, ctx, "refresh_recent", date(2026, 5, 1))
    fake_site.add(late)
    assert late.reference not in await stored(sessionmaker)
    run_id = await scheduled(sessionmaker, ctx, "refresh_recent", date(2026, 5, 2))
    assert late.reference in await stored(sessionmaker)  # within a day of publication
    # The refresh looks back at least six months by decision date (1 November, on 2 May),
    # where "the current and previous two months" started on 1 March.
    assert await window_starts(sessionmaker, run_id) <= date(2025, 11, 1)
    async with sessionmaker() as session:
        decision = await session.scalar(
            select(Decision).where(Decision.reference == late.reference)
        )
    assert decision is not None and decision.first_seen_run_id == run_id


async def test_a_decision_published_over_a_year_late_is_stored_by_the_weekly_sweep(
    fake_site: FakeSite, sessionmaker: Maker, ctx: jobs.JobContext
) -> None:
    sweep = next(j for j in SCHEDULE if j.name == "sweep_two_years")
    sunday = date(2026, 5, 10)
    assert sunday.weekday() == sweep.weekday
    assert sweep.cron == "15 5 * * 0"
    monday = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
    assert sweep.next_run(monday) == datetime(2026, 5, 10, 5, 15, tzinfo=UTC)

    very_late = invented_decision("25 001 003", date(2025, 2, 14))  # fifteen months before
    fake_site.add(very_late)
    daily = await scheduled(sessionmaker, ctx, "refresh_recent", sunday)
    assert await window_starts(sessionmaker, daily) == months_back(sunday, 6) == date(2025, 11, 1)
    assert await stored(sessionmaker) == {}
    weekly = await scheduled(sessionmaker, ctx, "sweep_two_years", sunday)
    assert await window_starts(sessionmaker, weekly) == date(2024, 5, 1)
    assert set(await stored(sessionmaker)) == {very_late.reference}


async def test_lag_is_measured_on_what_the_refresh_found_and_widens_the_daily_refresh(
    fake_site: FakeSite,
    sessionmaker: Maker,
    ctx: jobs.JobContext,
    database_url: str,
    redis_url: str,
) -> None:
    today = datetime.now(UTC).date()
    backfilled = invented_decision("19 001 001", today - timedelta(days=2000))
    fake_site.add(backfilled)
    async with sessionmaker.begin() as session:
        crawl, _ = await runs.find_or_create(
            session,
            kind=RunKind.CRAWL,
            job_key="backfill",
            params={"from": str(backfilled.decided_on), "to": str(backfilled.decided_on)},
        )
    assert await jobs.run_ingest(ctx, crawl.id) == RunStatus.SUCCEEDED.value

    for i, lag in enumerate((50, 100, 150)):
        fake_site.add(invented_decision(f"26 002 {i:03}", today - timedelta(days=lag)))
    first = await scheduled(sessionmaker, ctx, "refresh_recent", today)
    assert await window_starts(sessionmaker, first) == months_back(today, 6)
    assert len(await stored(sessionmaker)) == 4
    async with sessionmaker() as session:
        seen_by = dict(
            (await session.execute(select(Decision.reference, Decision.first_seen_run_id))).all()
        )
    assert seen_by[backfilled.reference] == crawl.id
    assert {seen_by[f"26 002 {i:03}"] for i in range(3)} == {first}

    async for api in _client(build_app(database_url, redis_url)):
        lag = (await api.get("/v1/status")).json()["publication_lag"]
        assert lag == {
            "measured": 3,  # the backfilled decision, 2,000 days old, is not a lag
            "p50_days": 100,
            "p95_days": 150,
            "max_days": 150,
            "late_after_days": 92,
            "late": 2,
        }
        custom = (await api.get("/v1/status", params={"late_after_days": 120})).json()
        assert custom["publication_lag"]["late"] == 1
        page = (await api.get("/console")).text
        assert 'data-field="max_days">150 days' in page
        metrics = (await api.get("/metrics")).text
        assert 'lgsco_publication_lag_days{statistic="max"} 150.0' in metrics
        assert "lgsco_publication_late_decisions 2.0" in metrics

    # Decisions came 150 days late: the next daily refresh looks back 7 months (150 + 31 days).
    tomorrow = today + timedelta(days=1)
    second = await scheduled(sessionmaker, ctx, "refresh_recent", tomorrow)
    assert await window_starts(sessionmaker, second) == months_back(tomorrow, 7)
    async with sessionmaker() as session:
        stored_first_seen = dict(
            (await session.execute(select(Decision.reference, Decision.first_seen_at))).all()
        )
        run = await session.get(IngestRun, second)
    assert run is not None and run.counts.get("new", 0) == 0
    # First sight is never rewritten by a later fetch.
    assert all(at.date() == today for at in stored_first_seen.values())
