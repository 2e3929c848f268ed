"""Crawls re-read what may have changed: a completed month is skipped unless refreshed (and a
run that skipped everything says so), a refresh finds what was published into a month since,
the current month is never completed, and nothing is crawled past today."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_ingest import jobs
from lgsco_ingest.crawl import Crawler, CrawlReport, FutureWindow, today_utc
from lgsco_ingest.worker import site_client
from lgsco_shared import runs
from lgsco_shared.domain import RunKind, RunStatus
from lgsco_shared.jobs import CrawlRequest
from lgsco_shared.models import CrawlWindow, IngestRun
from tests.conftest import settings_for
from tests.fakesite.made_up import invented_decision
from tests.fakesite.server import FakeSite
from tests.ingest.helpers import stored

Maker = async_sessionmaker[AsyncSession]


async def crawl(
    maker: Maker,
    redis: Redis,
    site: FakeSite,
    start: date,
    end: date,
    *,
    refresh: bool = False,
    today: date | None = None,
) -> CrawlReport:
    client = site_client(settings_for(site.url), redis, rate_limited=False)
    crawler = Crawler(maker, client, concurrency=4, today=(lambda: today) if today else today_utc)
    try:
        return await crawler.crawl(start, end, refresh=refresh)
    finally:
        await client.aclose()


def add(site: FakeSite, first: int, decided: list[date]) -> set[str]:
    """Decisions 25 000 {first}... dated `decided`; returns their references."""
    references = set()
    for i, day in enumerate(decided):
        decision = invented_decision(f"25 000 {first + i:03}", day)
        site.add(decision)
        references.add(decision.reference)
    return references


async def windows(maker: Maker) -> dict[tuple[date, date], CrawlWindow]:
    async with maker() as session:
        rows = await session.scalars(select(CrawlWindow))
        return {(w.starts_on, w.ends_on): w for w in rows}


async def test_refresh_finds_decisions_added_to_a_completed_window(
    fake_site: FakeSite, sessionmaker: Maker, redis: Redis
) -> None:
    first = add(fake_site, 1, [date(2025, 1, d) for d in (3, 9, 17, 28)] + [date(2025, 2, 11)])
    report = await crawl(sessionmaker, redis, fake_site, date(2025, 1, 1), date(2025, 2, 28))
    assert (report.windows_done, report.windows_skipped, dict(report.counts)) == (2, 0, {"new": 5})
    completed = await windows(sessionmaker)
    assert all(w.completed_at is not None for w in completed.values())

    # Published later into January, which a crawl has already completed.
    late = add(fake_site, 100, [date(2025, 1, 30), date(2025, 1, 31)])
    plain = await crawl(sessionmaker, redis, fake_site, date(2025, 1, 1), date(2025, 2, 28))
    assert (plain.windows_done, plain.windows_skipped, dict(plain.counts)) == (0, 2, {})
    assert plain.summary() == "0 windows crawled, 2 already complete; use --refresh to re-read them"
    assert set(await stored(sessionmaker)) == first

    before_304 = fake_site.statuses[304]
    refreshed = await crawl(
        sessionmaker, redis, fake_site, date(2025, 1, 1), date(2025, 2, 28), refresh=True
    )
    assert (refreshed.windows_done, refreshed.windows_skipped) == (2, 0)
    assert dict(refreshed.counts) == {"new": 2, "unchanged": 5}
    assert fake_site.statuses[304] - before_304 == 5  # conditional: stored pages cost a 304
    assert set(await stored(sessionmaker)) == first | late
    after = await windows(sessionmaker)
    assert all(
        w.completed_at is not None and w.completed_at > completed[k].completed_at  # type: ignore[operator]
        for k, w in after.items()
    )
    assert all(w.lease_holder is None and w.lease_until is None for w in after.values())


async def test_the_current_month_is_never_completed_and_a_plain_crawl_reads_it_again(
    fake_site: FakeSite, sessionmaker: Maker, redis: Redis
) -> None:
    today = date(2026, 5, 20)
    month_start = today.replace(day=1)
    first = add(fake_site, 1, [month_start, month_start + timedelta(days=5)])
    report = await crawl(sessionmaker, redis, fake_site, month_start, today, today=today)
    assert (report.windows_done, dict(report.counts)) == (1, {"new": 2})
    window = (await windows(sessionmaker))[(month_start, today)]
    assert window.completed_at is None  # decisions may still be dated in it
    assert window.crawled_at is not None and window.next_page == 1

    late = add(fake_site, 100, [month_start + timedelta(days=2), today])
    again = await crawl(sessionmaker, redis, fake_site, month_start, today, today=today)
    assert (again.windows_done, again.windows_skipped) == (1, 0)
    assert dict(again.counts) == {"new": 2, "unchanged": 2}
    assert set(await stored(sessionmaker)) == first | late

    # A month later the same window is over: read through, it is completed.
    next_month = date(2026, 6, 3)
    last = await crawl(sessionmaker, redis, fake_site, month_start, today, today=next_month)
    assert last.windows_done == 1
    assert (await windows(sessionmaker))[(month_start, today)].completed_at is not None


async def test_a_crawl_into_the_future_is_clamped_and_one_starting_there_refused(
    fake_site: FakeSite, sessionmaker: Maker, redis: Redis
) -> None:
    today = date(2026, 5, 20)
    add(fake_site, 1, [date(2026, 4, 30), today])
    with pytest.raises(FutureWindow, match=r"2030-01-01 is after today \(2026-05-20\)"):
        await crawl(
            sessionmaker, redis, fake_site, date(2030, 1, 1), date(2030, 12, 31), today=today
        )
    assert await windows(sessionmaker) == {}

    report = await crawl(
        sessionmaker, redis, fake_site, date(2026, 4, 1), date(2030, 12, 31), today=today
    )
    assert report.clamped_to == today
    assert dict(report.counts) == {"new": 2}
    assert set(await windows(sessionmaker)) == {
        (date(2026, 4, 1), date(2026, 4, 30)),
        (date(2026, 5, 1), today),
    }
    with pytest.raises(ValueError, match=r"'from' \(2030-01-01\) is after today"):
        CrawlRequest.model_validate({"kind": "crawl", "from": "2030-01-01", "to": "2030-02-01"})
    clamped = CrawlRequest.model_validate(
        {"kind": "crawl", "from": "2024-01-01", "to": "2030-02-01"}
    )
    assert clamped.to == today_utc()


async def requested_crawl(maker: Maker, ctx: jobs.JobContext, body: dict[str, object]) -> IngestRun:
    """A crawl requested as POST /v1/jobs records it, and carried out by the worker's job."""
    request = CrawlRequest.model_validate({"kind": "crawl", **body})
    async with maker.begin() as session:
        run, created = await runs.find_or_create(
            session,
            kind=request.run_kind,
            job_key=request.job_key(),
            params=request.model_dump(mode="json", by_alias=True),
        )
    assert created
    assert await jobs.run_ingest(ctx, run.id) == RunStatus.SUCCEEDED.value
    async with maker() as session:
        found = await session.get(IngestRun, run.id)
    assert found is not None
    return found


async def test_a_requested_crawl_that_read_nothing_says_so_and_is_not_the_last_success(
    fake_site: FakeSite, sessionmaker: Maker, ctx: jobs.JobContext
) -> None:
    from lgsco_api.jobs.schemas import run_read
    from lgsco_api.status.queries import last_success

    add(fake_site, 1, [date(2025, 10, 6), date(2025, 11, 14)])
    window = {"from": "2025-10-01", "to": "2025-11-30"}
    first = await requested_crawl(sessionmaker, ctx, window)
    assert first.counts == {
        "new": 2,
        "windows_crawled": 2,
        "windows_complete": 0,
        "windows_by_other_runs": 0,
    }
    assert run_read(first, 0)["note"] == "2 windows crawled, 0 already complete"

    late = add(fake_site, 100, [date(2025, 10, 30), date(2025, 11, 2)])
    idle = await requested_crawl(sessionmaker, ctx, window)
    assert idle.counts == {"windows_crawled": 0, "windows_complete": 2, "windows_by_other_runs": 0}
    assert run_read(idle, 0)["note"] == (
        '0 windows crawled, 2 already complete; use "refresh": true to re-read them'
    )
    async with sessionmaker() as session:
        assert (await last_success(session))[RunKind.CRAWL.value] == first.finished_at

    refreshed = await requested_crawl(sessionmaker, ctx, window | {"refresh": True})
    assert refreshed.job_key == "crawl:2025-10-01:2025-11-30::refresh"
    assert refreshed.counts == {
        "new": 2,
        "unchanged": 2,
        "windows_crawled": 2,
        "windows_complete": 0,
        "windows_by_other_runs": 0,
    }
    assert late <= set(await stored(sessionmaker))
    async with sessionmaker() as session:
        assert (await last_success(session))[RunKind.CRAWL.value] == refreshed.finished_at


def test_lgsco_crawl_says_what_it_skipped_refreshes_on_request_and_refuses_the_future(
    fake_site: FakeSite, database_url: str, redis_url: str
) -> None:
    """Synchronous: the CLI runs its own event loop, as it does for an operator."""
    import asyncio

    from typer.testing import CliRunner

    from lgsco_cli.cli import app
    from tests.conftest import truncate_all

    asyncio.run(truncate_all(database_url))
    add(fake_site, 1, [date(2024, 1, 5), date(2024, 2, 7)])
    env = {
        "LGSCO_DATABASE_URL": database_url,
        "LGSCO_REDIS_URL": redis_url,
        "LGSCO_SITE_URL": fake_site.url,
        "LGSCO_REQUESTS_PER_SECOND": "50",
        "LGSCO_LOG_FORMAT": "text",
    }
    window = ["crawl", "--from", "2024-01-01", "--to", "2024-02-29"]
    first = CliRunner().invoke(app, window, env=env)
    assert first.exit_code == 0, first.output
    assert first.output.splitlines()[-1] == "2 months: 2 windows crawled, 0 already complete; new 2"
    add(fake_site, 100, [date(2024, 2, 20)])
    again = CliRunner().invoke(app, window, env=env)
    assert again.output.splitlines()[-1] == (
        "2 months: 0 windows crawled, 2 already complete; use --refresh to re-read them; "
        "no decisions"
    )
    refreshed = CliRunner().invoke(app, [*window, "--refresh"], env=env)
    assert refreshed.exit_code == 0, refreshed.output
    assert refreshed.output.splitlines()[-1] == (
        "2 months: 2 windows crawled, 0 already complete; new 1, unchanged 2"
    )
    future = CliRunner().invoke(
        app, ["crawl", "--from", "2099-01-01", "--to", "2099-02-01"], env=env
    )
    assert future.exit_code == 2
    assert "error: --from 2099-01-01 is after today" in future.output
    clamped = CliRunner().invoke(
        app, ["crawl", "--from", "2024-02-01", "--to", "2099-02-01"], env=env
    )
    assert f"--to 2099-02-01 is after today: crawling up to {today_utc()}" in clamped.output
