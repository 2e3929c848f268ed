"""A decision the database refuses fails alone: the rest of its window is stored, the run
succeeds and counts the failure, the refused page is kept in `ingest_failure` (kind `store`)
with the error, and a later ingest stores it once the page can be stored."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_ingest import jobs
from lgsco_ingest.pipeline import STORE_ATTEMPTS, Ingestor
from lgsco_ingest.store import decisions
from lgsco_shared import runs
from lgsco_shared.domain import FetchResult, RunStatus
from lgsco_shared.jobs import CrawlRequest
from lgsco_shared.models import Decision, IngestFailure, IngestRun, RawPage
from tests.fakesite.made_up import invented_decision
from tests.fakesite.server import FakeSite
from tests.ingest.helpers import count, stored

Maker = async_sessionmaker[AsyncSession]
# organisation.name holds 300 characters: a page naming a longer body trips the column's limit.
TOO_LONG = "The Council of the Royal Borough of " + "Very Long Name " * 20 + "Council"


async def test_a_decision_that_trips_a_constraint_fails_alone(
    fake_site: FakeSite, sessionmaker: Maker, ctx: jobs.JobContext
) -> None:
    assert len(TOO_LONG) > 300
    good = [invented_decision(f"25 000 {i:03}", date(2025, 3, 2 + i)) for i in range(1, 13)]
    bad = invented_decision("25 000 500", date(2025, 3, 7), organisation=TOO_LONG)
    for decision in [*good, bad]:
        fake_site.add(decision)
    request = CrawlRequest.model_validate(
        {"kind": "crawl", "from": "2025-03-01", "to": "2025-03-31"}
    )
    async with sessionmaker.begin() as session:
        run, _ = await runs.find_or_create(
            session,
            kind=request.run_kind,
            job_key=request.job_key(),
            params=request.model_dump(mode="json", by_alias=True),
        )
    assert await jobs.run_ingest(ctx, run.id) == RunStatus.SUCCEEDED.value

    async with sessionmaker() as session:
        finished = await session.get(IngestRun, run.id)
        failures = list(await session.scalars(select(IngestFailure)))
        assert finished is not None and finished.error is None
        assert finished.counts["new"] == 12 and finished.counts["failed"] == 1
        assert [(f.reference, f.kind, f.run_id) for f in failures] == [
            ("25 000 500", "store", run.id)
        ]
        assert failures[0].reason == (
            "not stored: StringDataRightTruncationError (22001): "
            "value too long for type character varying(300)"
        )
        assert failures[0].url == bad.path
        raw = await session.get(RawPage, failures[0].raw_page_id)
        assert raw is not None and raw.body() == bad.html  # the page as fetched, kept
    decisions = await stored(sessionmaker)
    assert set(decisions) == {d.reference for d in good}  # nothing half-stored of the bad one
    assert await count(sessionmaker, Decision) == 12

    # The site corrects the page: an ingest of the reference stores it.
    fixed = invented_decision("25 000 500", date(2025, 3, 7), organisation="Eastmere Council")
    fake_site.add(fixed)
    outcome = await Ingestor(sessionmaker, ctx["client"]).ingest("25 000 500")
    assert outcome.result == FetchResult.NEW
    assert (await stored(sessionmaker))["25 000 500"].organisations[0].name == "Eastmere Council"


class _Deadlock(Exception):
    sqlstate = "40P01"  # as asyncpg's DeadlockDetectedError carries it


async def test_a_deadlock_is_stored_again_and_one_that_persists_fails_alone(
    fake_site: FakeSite, sessionmaker: Maker, ctx: jobs.JobContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deadlock cannot be provoked on cue, so the store's statement raises one (a mock)."""
    real = decisions.upsert_decision
    calls: list[str] = []
    failing = {"25 000 601": 1, "25 000 602": 99}

    async def deadlocking(conn: Any, record: Any, **kwargs: Any) -> Any:
        calls.append(record.reference)
        if calls.count(record.reference) <= failing.get(record.reference, 0):
            raise DBAPIError("UPDATE decision ...", {}, _Deadlock("deadlock detected"))
        return await real(conn, record, **kwargs)

    monkeypatch.setattr(decisions, "upsert_decision", deadlocking)
    for reference in failing:
        fake_site.add(invented_decision(reference, date(2025, 4, 1)))
    ingestor = Ingestor(sessionmaker, ctx["client"])
    once = await ingestor.ingest("25 000 601")
    always = await ingestor.ingest("25 000 602")
    assert once.result == FetchResult.NEW and calls.count("25 000 601") == 2
    assert always.result == FetchResult.FAILED
    assert calls.count("25 000 602") == STORE_ATTEMPTS
    assert always.reason == "not stored: _Deadlock (40P01): deadlock detected"
    async with sessionmaker() as session:
        failures = [(f.reference, f.kind) for f in await session.scalars(select(IngestFailure))]
    assert failures == [("25 000 602", "store")]
    assert set(await stored(sessionmaker)) == {"25 000 601"}
