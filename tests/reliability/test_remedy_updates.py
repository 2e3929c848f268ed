"""Remedy tracking is never lost: concurrent PATCHes to one remedy (If-Match on its ETag) end
with exactly one winner and 412 for the rest, one audit entry per change, and re-ingesting the
decision while officers edit keeps what they recorded."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy import select

from lgsco_api.keys import service as keys
from lgsco_api.main import create_app
from lgsco_ingest.fetch import SiteClient
from lgsco_ingest.pipeline import Ingestor
from lgsco_shared.domain import FetchResult, RemedyStatus
from lgsco_shared.models import Decision, Remedy, RemedyEvent
from tests.fakesite.corpus import CorpusEntry
from tests.fakesite.corpus_site import fake_decision
from tests.fakesite.server import FakeSite
from tests.reliability.conftest import Maker, api_settings

OFFICERS = 8


@pytest.fixture
async def api(pooled: Maker, database_url: str, redis_url: str) -> AsyncIterator[AsyncClient]:
    async with pooled.begin() as session:
        _key, token = await keys.create_key(session, "remedy-officers", ["remedies:write"])
    app = create_app(api_settings(), database_url=database_url, redis_url=redis_url)
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {token}"}
        async with AsyncClient(transport=transport, base_url="http://t", headers=headers) as c:
            yield c


async def patch_all(api: AsyncClient, remedy_id: int, etag: str, round_: int) -> list[Response]:
    """Every officer sends a different note, all holding the same ETag, at once. Notes name the
    round too, so each round's win is a change even when the same officer wins twice."""

    async def one(n: int) -> Response:
        note = f"round {round_}, officer {n}"
        body: dict[str, Any] = {"evidence_note": note, "status": "completed"}
        return await api.patch(f"/v1/remedies/{remedy_id}", json=body, headers={"If-Match": etag})

    return list(await asyncio.gather(*(one(n) for n in range(OFFICERS))))


async def test_concurrent_updates_have_one_winner_and_survive_reingest(
    decisions: list[CorpusEntry],
    fake_site: FakeSite,
    client: SiteClient,
    pooled: Maker,
    api: AsyncClient,
) -> None:
    entry = next(e for e in decisions if (e.remedies or {}).get("apology"))
    fake_site.add(fake_decision(entry))
    ingestor = Ingestor(pooled, client)
    assert (await ingestor.ingest(entry.truth["ref"], path=entry.path)).result == FetchResult.NEW
    async with pooled() as session:
        remedy = await session.scalar(
            select(Remedy).join(Decision).where(Decision.reference == entry.truth["ref"]).limit(1)
        )
    assert remedy is not None
    remedy_id = remedy.id

    winners: list[str] = []
    for round_ in range(4):
        etag = (await api.get(f"/v1/remedies/{remedy_id}")).headers["ETag"]
        pending = patch_all(api, remedy_id, etag, round_)
        if round_ == 2:  # the page changes and is re-ingested while officers edit
            changed = fake_decision(entry)
            changed.html = changed.html.replace("The complaint", "The complaint (amended)", 1)
            fake_site.add(changed)
            responses, reingest = await asyncio.gather(
                pending, ingestor.ingest(entry.truth["ref"], path=entry.path)
            )
            assert reingest.result == FetchResult.CHANGED
        else:
            responses = await pending
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] + [412] * (OFFICERS - 1), statuses
        won = next(r for r in responses if r.status_code == 200)
        assert won.headers["ETag"] == f'"{round_ + 2}"'
        winners.append(won.json()["evidence_note"])
        lost = next(r for r in responses if r.status_code == 412)
        assert lost.headers["content-type"].startswith("application/problem+json")

    final = (await api.get(f"/v1/remedies/{remedy_id}")).json()
    assert (final["evidence_note"], final["status"], final["revision"]) == (
        winners[-1],
        "completed",
        5,
    )
    assert final["current"] is True
    history = (await api.get(f"/v1/remedies/{remedy_id}/history")).json()
    assert len(history) == 4  # one entry per successful change, none for the 412s
    notes = [event["changes"]["evidence_note"]["to"] for event in history]
    assert notes == winners
    async with pooled() as session:
        kept = await session.get(Remedy, remedy_id)
        events = await session.scalars(
            select(RemedyEvent).where(RemedyEvent.remedy_id == remedy_id)
        )
        assert kept is not None and len(list(events)) == 4
        assert (kept.status, kept.evidence_note, kept.revision) == (
            RemedyStatus.COMPLETED,
            winners[-1],
            5,
        )
        decision = await session.get(Decision, kept.decision_id)
    assert decision is not None and decision.version == 2  # the re-ingest did change the page
