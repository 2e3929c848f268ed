"""Stored raw pages re-parse without the network; councils' tracking data survives re-ingest."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_ingest.fetch import SiteClient
from lgsco_ingest.pipeline import Ingestor
from lgsco_ingest.reparse import reparse_all
from lgsco_shared.domain import FetchResult, Provenance, RemedyStatus, RemedyType
from lgsco_shared.models import Decision, Remedy
from tests.fakesite.corpus import CorpusEntry
from tests.fakesite.corpus_site import fake_decision
from tests.fakesite.server import FakeSite
from tests.ingest.helpers import stored

Maker = async_sessionmaker[AsyncSession]


def with_remedies(entries: list[CorpusEntry]) -> list[CorpusEntry]:
    return [e for e in entries if (e.remedies or {}).get("apology")][:5]


async def test_reparse_restores_what_the_raw_page_says_without_fetching(
    decisions: list[CorpusEntry], fake_site: FakeSite, client: SiteClient, sessionmaker: Maker
) -> None:
    entries = decisions[:6]
    for entry in entries:
        fake_site.add(fake_decision(entry))
        await Ingestor(sessionmaker, client).ingest(entry.truth["ref"], path=entry.path)
    damaged = entries[0].truth["ref"]
    async with sessionmaker.begin() as session:
        await session.execute(
            update(Decision)
            .where(Decision.reference == damaged)
            .values(summary="overwritten", content_hash="x")
        )
    fake_site.stop()  # no network from here on
    reported: list[tuple[str, str]] = []
    counts = await reparse_all(sessionmaker, report=lambda ref, what: reported.append((ref, what)))
    assert dict(counts) == {"changed": 1, "unchanged": len(entries) - 1}
    assert reported == [(damaged, "changed")]
    assert (await stored(sessionmaker))[damaged].summary == entries[0].truth["summary"]
    fake_site.start()  # the fixture stops it again


async def test_reingesting_a_changed_decision_keeps_remedy_tracking(
    decisions: list[CorpusEntry], fake_site: FakeSite, client: SiteClient, sessionmaker: Maker
) -> None:
    entry = with_remedies(decisions)[0]
    fake_site.add(fake_decision(entry))
    ingestor = Ingestor(sessionmaker, client)
    await ingestor.ingest(entry.truth["ref"], path=entry.path)
    async with sessionmaker.begin() as session:
        apology = await session.scalar(
            select(Remedy)
            .join(Decision)
            .where(Decision.reference == entry.truth["ref"], Remedy.type == RemedyType.APOLOGY)
        )
        assert apology is not None
        apology.status = RemedyStatus.COMPLETED
        apology.status_source = Provenance.RECORDED  # as PATCH /v1/remedies/{id} records it
        apology.completed_on = date(2025, 1, 6)
        apology.evidence_note = "Letter of apology sent"
        apology_id = apology.id

    changed = fake_decision(entry)
    changed.html = changed.html.replace("The complaint", "The complaint (amended)", 1)
    fake_site.add(changed)
    assert (
        await ingestor.ingest(entry.truth["ref"], path=entry.path)
    ).result == FetchResult.CHANGED
    async with sessionmaker() as session:
        kept = await session.get(Remedy, apology_id)
    assert kept is not None and kept.current
    assert (kept.status, kept.completed_on, kept.evidence_note) == (
        RemedyStatus.COMPLETED,
        date(2025, 1, 6),
        "Letter of apology sent",
    )


async def test_remedy_already_given_before_the_decision_is_stored_completed(
    corpus: list[CorpusEntry], fake_site: FakeSite, client: SiteClient, sessionmaker: Maker
) -> None:
    # "It has already apologised for this which is a suitable remedy" (20 004 695)
    entry = next(e for e in corpus if "already apologised" in (e.truth["summary"] or ""))
    fake_site.add(fake_decision(entry))
    await Ingestor(sessionmaker, client).ingest(entry.truth["ref"], path=entry.path)
    async with sessionmaker() as session:
        statuses = {
            r.type: r.status
            for r in await session.scalars(
                select(Remedy).join(Decision).where(Decision.reference == entry.truth["ref"])
            )
        }
    assert statuses[RemedyType.APOLOGY] == RemedyStatus.COMPLETED
