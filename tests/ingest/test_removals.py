"""Why a page went: taken down at about five years is `archived` (the LGSCO's rule, not a
retraction), sooner is `withdrawn`, and a page back after being taken down is republished (a
new version saying what changed). Records stay and are served; the API filters by these
states; statistics count every decision whatever happened to its page; webhooks say which."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_ingest.fetch import SiteClient
from lgsco_ingest.pipeline import Ingestor
from lgsco_shared.domain import ARCHIVE_AFTER_DAYS, FetchResult, PublicationStatus
from lgsco_shared.models import DecisionVersion, Event
from tests.api.conftest import _client, build_app
from tests.fakesite.made_up import invented_decision
from tests.fakesite.server import FakeSite
from tests.ingest.helpers import stored

Maker = async_sessionmaker[AsyncSession]


async def test_five_year_removals_are_archived_sooner_ones_withdrawn_and_returns_republished(
    fake_site: FakeSite,
    client: SiteClient,
    sessionmaker: Maker,
    database_url: str,
    redis_url: str,
) -> None:
    today = datetime.now(UTC).date()
    aged = invented_decision("20 000 001", today - timedelta(days=5 * 365 + 20))
    # Just inside the margin before five years: still taken down as aged out.
    nearly = invented_decision("21 000 002", today - timedelta(days=ARCHIVE_AFTER_DAYS))
    recent = invented_decision("25 000 003", today - timedelta(days=400))
    recoded = invented_decision("25 000 004", today - timedelta(days=300))
    returned = invented_decision("25 000 005", today - timedelta(days=200))
    kept = invented_decision("25 000 006", today - timedelta(days=100))
    every = [aged, nearly, recent, recoded, returned, kept]
    ingestor = Ingestor(sessionmaker, client)
    for decision in every:
        fake_site.add(decision)
        assert (await ingestor.ingest(decision.reference)).result == FetchResult.NEW

    for decision in (aged, nearly, recent, recoded, returned):
        fake_site.gone.add(decision.path)
    results = {d.reference: (await ingestor.ingest(d.reference)).result for d in every}
    assert results == {
        aged.reference: FetchResult.ARCHIVED,
        nearly.reference: FetchResult.ARCHIVED,
        recent.reference: FetchResult.WITHDRAWN,
        recoded.reference: FetchResult.WITHDRAWN,
        returned.reference: FetchResult.WITHDRAWN,
        kept.reference: FetchResult.UNCHANGED,
    }
    # Gone again: nothing more happens.
    assert (await ingestor.ingest(aged.reference)).result == FetchResult.UNCHANGED

    # After a review, one comes back recoded; another comes back as it was.
    fake_site.gone -= {recoded.path, returned.path}
    fake_site.add(invented_decision(recoded.reference, recoded.decided_on, outcome="Not upheld"))
    assert (await ingestor.ingest(recoded.reference)).result == FetchResult.REPUBLISHED
    assert (await ingestor.ingest(returned.reference)).result == FetchResult.REPUBLISHED

    decisions = await stored(sessionmaker)
    status = {ref: (d.status, d.withdrawn_on, d.republished_on) for ref, d in decisions.items()}
    assert status == {
        aged.reference: (PublicationStatus.ARCHIVED, today, None),
        nearly.reference: (PublicationStatus.ARCHIVED, today, None),
        recent.reference: (PublicationStatus.WITHDRAWN, today, None),
        recoded.reference: (PublicationStatus.PUBLISHED, today, today),
        returned.reference: (PublicationStatus.PUBLISHED, today, today),
        kept.reference: (PublicationStatus.PUBLISHED, None, None),
    }
    assert decisions[aged.reference].summary == aged.summary  # the record stays whole
    assert decisions[recoded.reference].outcome_label == "Not upheld"
    assert (decisions[recoded.reference].version, decisions[returned.reference].version) == (2, 1)
    async with sessionmaker() as session:
        changed = await session.scalar(
            select(DecisionVersion.changed_fields).where(
                DecisionVersion.decision_id == decisions[recoded.reference].id,
                DecisionVersion.version == 2,
            )
        )
        events = sorted(
            (e.type, e.decision_id)
            for e in await session.scalars(select(Event).where(Event.type != "decision.published"))
        )
    assert changed == ["outcome_label"]
    ids = {ref: d.id for ref, d in decisions.items()}
    assert events == sorted(
        [
            ("decision.archived", ids[aged.reference]),
            ("decision.archived", ids[nearly.reference]),
            ("decision.withdrawn", ids[recent.reference]),
            ("decision.withdrawn", ids[recoded.reference]),
            ("decision.withdrawn", ids[returned.reference]),
            ("decision.republished", ids[recoded.reference]),
            ("decision.republished", ids[returned.reference]),
        ]
    )

    async for api in _client(build_app(database_url, redis_url)):
        await check_api(
            api, aged.reference, nearly.reference, recoded.reference, returned.reference
        )


async def check_api(api: AsyncClient, aged: str, nearly: str, recoded: str, returned: str) -> None:
    async def references(**params: str) -> set[str]:
        response = await api.get("/v1/decisions", params=params | {"limit": "50"})
        assert response.status_code == 200, response.text
        return {item["reference"] for item in response.json()["items"]}

    assert await references(status="archived") == {aged, nearly}
    assert len(await references(status="withdrawn")) == 1
    assert await references(republished="true") == {recoded, returned}
    assert len(await references(republished="false")) == 4
    one = (await api.get(f"/v1/decisions/{aged.replace(' ', '-')}")).json()
    assert (one["status"], one["withdrawn_on"], one["republished_on"]) == (
        "archived",
        datetime.now(UTC).date().isoformat(),
        None,
    )
    assert one["summary"]
    # Statistics count every decision, whatever happened to its page later.
    overall = (await api.get("/v1/stats/outcomes")).json()["overall"]
    assert overall["decisions"] == 6
    assert (overall["upheld"], overall["not_upheld"]) == (5, 1)
    status = (await api.get("/v1/status")).json()
    assert (status["decisions_archived"], status["decisions_withdrawn"]) == (2, 1)
    assert (status["decisions_published"], status["decisions_republished"]) == (3, 2)
