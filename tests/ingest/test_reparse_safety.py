"""`lgsco reparse` is safe at any time: it rewrites what is read from a page and nothing else.

A withdrawn decision stays withdrawn (status, date, statistics, CSV, no event saying it is
published), and what a council recorded about its remedies stays as recorded.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner

from lgsco_api.keys import service as keys
from lgsco_api.main import create_app
from lgsco_cli.cli import app as cli
from lgsco_ingest.fetch import SiteClient
from lgsco_ingest.pipeline import Ingestor
from lgsco_ingest.reparse import reparse_all
from lgsco_shared.domain import FetchResult, PublicationStatus, RemedyStatus
from lgsco_shared.models import Decision, DecisionVersion, Event, Remedy, RemedyEvent
from tests.fakesite.corpus import CorpusEntry
from tests.fakesite.corpus_site import fake_decision
from tests.fakesite.server import FakeSite
from tests.reliability.conftest import api_settings

Maker = async_sessionmaker[AsyncSession]


@pytest.fixture
async def api(sessionmaker: Maker, database_url: str, redis_url: str) -> AsyncIterator[AsyncClient]:
    app = create_app(api_settings(), database_url=database_url, redis_url=redis_url)
    transport = ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=transport, base_url="http://t") as client,
    ):
        yield client


@pytest.fixture
async def make_remedy_officer(sessionmaker: Maker) -> str:
    """A key with scope remedies:write, as a council's remedy officer holds."""
    async with sessionmaker.begin() as session:
        _key, token = await keys.create_key(session, "remedy-officer", ["remedies:write"])
    return token


async def _what_the_api_says(api: AsyncClient, reference: str) -> dict[str, Any]:
    one = (await api.get(f"/v1/decisions/{reference.replace(' ', '-')}")).json()
    published = {"status": "published"}
    stats = (await api.get("/v1/stats/outcomes", params=published)).json()["overall"]
    csv = (await api.get("/v1/decisions", params=published | {"format": "csv"})).text
    return {
        "status": one["status"],
        "withdrawn_on": one["withdrawn_on"],
        "stats": stats,
        "csv_references": sorted(row.split(",")[1] for row in csv.splitlines()[1:]),
        "all": (await api.get("/v1/stats/outcomes")).json()["overall"],
    }


async def _events(sessionmaker: Maker) -> list[tuple[str, int | None]]:
    async with sessionmaker() as session:
        rows = await session.execute(select(Event.type, Event.decision_id).order_by(Event.id))
        return [(t, d) for t, d in rows]


async def _damage(sessionmaker: Maker, *references: str) -> None:
    """What an older parser might have stored: a different summary (and so content hash)."""
    async with sessionmaker.begin() as session:
        await session.execute(
            update(Decision)
            .where(Decision.reference.in_(references))
            .values(summary="read wrong by an older parser", content_hash="older")
        )


async def _ingest_all(
    entries: list[CorpusEntry], fake_site: FakeSite, client: SiteClient, sessionmaker: Maker
) -> Ingestor:
    ingestor = Ingestor(sessionmaker, client)
    for entry in entries:
        fake_site.add(fake_decision(entry))
        outcome = await ingestor.ingest(entry.truth["ref"], path=entry.path)
        assert outcome.result == FetchResult.NEW
    return ingestor


async def test_reparse_leaves_a_withdrawn_decision_withdrawn(
    decisions: list[CorpusEntry],
    fake_site: FakeSite,
    client: SiteClient,
    sessionmaker: Maker,
    api: AsyncClient,
) -> None:
    entries = [e for e in decisions if e.truth["has_header"]][:4]
    ingestor = await _ingest_all(entries, fake_site, client, sessionmaker)
    gone, kept = entries[0], entries[1]
    fake_site.gone.add(gone.path)
    withdrawn = await ingestor.ingest(gone.truth["ref"], path=gone.path)
    assert withdrawn.result == FetchResult.WITHDRAWN
    before = await _what_the_api_says(api, gone.truth["ref"])
    assert before["status"] == "withdrawn" and before["withdrawn_on"] is not None
    assert before["stats"]["decisions"] == len(entries) - 1
    assert gone.truth["ref"] not in before["csv_references"]
    assert len(before["csv_references"]) == len(entries) - 1
    events_before = await _events(sessionmaker)

    # Unchanged parse: nothing at all changes.
    assert await reparse_all(sessionmaker) == {"unchanged": len(entries)}
    assert await _what_the_api_says(api, gone.truth["ref"]) == before
    assert await _events(sessionmaker) == events_before

    # A parser fix changes what both pages read as: both get the new text, the withdrawn one
    # stays withdrawn and silent, the published one is announced as changed.
    await _damage(sessionmaker, gone.truth["ref"], kept.truth["ref"])
    counts = await reparse_all(sessionmaker)
    assert counts == {"changed": 2, "unchanged": len(entries) - 2}
    assert await _what_the_api_says(api, gone.truth["ref"]) == before
    async with sessionmaker() as session:
        ids = dict((await session.execute(select(Decision.reference, Decision.id))).all())
        stored = await session.get(Decision, ids[gone.truth["ref"]])
        assert stored is not None
        assert (stored.status, stored.summary, stored.version) == (
            PublicationStatus.WITHDRAWN,
            gone.truth["summary"],
            2,
        )
        versions = await session.scalar(
            select(DecisionVersion.version)
            .where(DecisionVersion.decision_id == stored.id)
            .order_by(DecisionVersion.version.desc())
            .limit(1)
        )
        assert versions == 2
    announced = ("decision.changed", ids[kept.truth["ref"]])
    assert await _events(sessionmaker) == [*events_before, announced]


async def test_reparse_keeps_a_councils_remedy_tracking(
    decisions: list[CorpusEntry],
    fake_site: FakeSite,
    client: SiteClient,
    sessionmaker: Maker,
    api: AsyncClient,
    make_remedy_officer: str,
) -> None:
    entry = next(e for e in decisions if (e.remedies or {}).get("payments"))
    await _ingest_all([entry], fake_site, client, sessionmaker)
    async with sessionmaker() as session:
        remedy_ids = list(
            await session.scalars(
                select(Remedy.id)
                .join(Decision)
                .where(Decision.reference == entry.truth["ref"])
                .order_by(Remedy.id)
            )
        )
    assert len(remedy_ids) >= 2
    headers = {"Authorization": f"Bearer {make_remedy_officer}"}
    done = remedy_ids[0]
    etag = (await api.get(f"/v1/remedies/{done}", headers=headers)).headers["ETag"]
    patched = await api.patch(
        f"/v1/remedies/{done}",
        json={"status": "completed", "completed_on": "2025-01-06", "evidence_note": "Letter sent"},
        headers=headers | {"If-Match": etag},
    )
    assert patched.status_code == 200, patched.text

    async def tracking() -> list[tuple[Any, ...]]:
        async with sessionmaker() as session:
            rows = await session.scalars(select(Remedy).where(Remedy.id.in_(remedy_ids)))
            history = await session.scalar(
                select(RemedyEvent.id).where(RemedyEvent.remedy_id == done).limit(1)
            )
            assert history is not None
            return sorted(
                (r.id, r.status, r.completed_on, r.evidence_note, r.revision, r.updated_by)
                for r in rows
            )

    before = await tracking()
    assert (RemedyStatus.COMPLETED, date(2025, 1, 6), "Letter sent") in {r[1:4] for r in before}
    await reparse_all(sessionmaker)
    await _damage(sessionmaker, entry.truth["ref"])
    assert await reparse_all(sessionmaker) == {"changed": 1}
    assert await tracking() == before


def test_the_reparse_command_reports_and_changes_no_status(
    decisions: list[CorpusEntry], emptied_database_url: str, redis_url: str
) -> None:
    """The command an operator runs, on a database holding a withdrawn decision."""
    database_url = emptied_database_url
    import asyncio

    from lgsco_shared.db import make_engine, make_sessionmaker

    async def seed() -> None:
        engine = make_engine(database_url, pool=False)
        from redis.asyncio import Redis

        from lgsco_ingest.worker import site_client
        from tests.conftest import settings_for

        site = FakeSite()
        site.start()
        redis = Redis.from_url(redis_url)
        client = site_client(settings_for(site.url), redis)
        try:
            maker = make_sessionmaker(engine)
            ingestor = await _ingest_all(decisions[:2], site, client, maker)
            site.gone.add(decisions[0].path)
            await ingestor.ingest(decisions[0].truth["ref"], path=decisions[0].path)
            await _damage(maker, decisions[0].truth["ref"])
        finally:
            await client.aclose()
            await redis.aclose()
            await engine.dispose()
            site.stop()

    async def status() -> PublicationStatus:
        engine = make_engine(database_url, pool=False)
        async with make_sessionmaker(engine)() as session:
            found = await session.scalar(
                select(Decision.status).where(Decision.reference == decisions[0].truth["ref"])
            )
        await engine.dispose()
        assert found is not None
        return found

    asyncio.run(seed())
    env = {"LGSCO_DATABASE_URL": database_url, "LGSCO_REDIS_URL": redis_url}
    result = CliRunner().invoke(cli, ["reparse"], env=env)
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines == [f"{decisions[0].truth['ref']}  changed", "changed 1, unchanged 1"]
    assert asyncio.run(status()) == PublicationStatus.WITHDRAWN
