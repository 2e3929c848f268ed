"""A newer parser reading the same page re-reads its remedies, and councils' tracking stays with
the remedy it belongs to (decisions written for this test, stored through the real store)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_ingest.extract import normalise
from lgsco_ingest.extract.remedies import RemedyItem
from lgsco_ingest.site.records import ParsedDecision, Section
from lgsco_ingest.store import decisions, state
from lgsco_shared.domain import Provenance, RemedyCommitment, RemedyStatus, RemedyType
from lgsco_shared.models import Decision, Remedy

Maker = async_sessionmaker[AsyncSession]
REFERENCE = "23 900 001"
SUMMARY = (
    "Mrs X complained the Council delayed her mother's financial assessment. We found fault. "
    "The Council should apologise to Mrs X, pay her £200 for the time and trouble she has been "
    "put to, reassess her mother's contribution and remind its staff to record contacts."
)


def record(parser_version: str = normalise.PARSER_VERSION) -> normalise.DecisionRecord:
    parsed = ParsedDecision(
        url=f"/decisions/adult-care-services/charging/{REFERENCE.replace(' ', '-')}",
        reference=REFERENCE,
        organisations=("Testshire County Council",),
        category="Adult care services",
        subcategory="Charging",
        outcome_label="Upheld",
        decided_on=date(2024, 3, 1),
        summary=SUMMARY,
        sections=(Section("The complaint", ("Mrs X complained.",)),),
        body_text=SUMMARY,
    )
    found = normalise.decision(parsed, permalink=parsed.url)
    return dataclasses.replace(found, parser_version=parser_version)


async def store_record(maker: Maker, rec: normalise.DecisionRecord) -> None:
    async with maker.begin() as session:
        conn = await session.connection()
        current = (await state.known(conn, [rec.reference])).get(rec.reference)
        await decisions.upsert_decision(
            conn, rec, raw_page_id=None, seen_at=datetime.now(UTC), current=current
        )


async def remedies(maker: Maker) -> dict[RemedyType, Remedy]:
    async with maker() as session:
        rows = await session.scalars(
            select(Remedy).join(Decision).where(Decision.reference == REFERENCE)
        )
        return {r.type: r for r in rows}


def as_an_old_parser_read_it(items: tuple[RemedyItem, ...]) -> tuple[RemedyItem, ...]:
    """What an older extractor stored: everything done, the payment without its payee."""
    return tuple(
        dataclasses.replace(
            i, commitment=RemedyCommitment.ALREADY_DONE, payee=None, sentence=i.sentence + " "
        )
        for i in items
    )


async def test_a_newer_parser_corrects_inferred_statuses_and_keeps_recorded_ones(
    sessionmaker: Maker,
) -> None:
    new = record()
    old = dataclasses.replace(
        new, parser_version="2000.1", remedies=as_an_old_parser_read_it(new.remedies)
    )
    await store_record(sessionmaker, old)
    before = await remedies(sessionmaker)
    assert {r.status for r in before.values()} == {RemedyStatus.COMPLETED}
    async with sessionmaker.begin() as session:  # a council records the apology as done
        apology = await session.get(Remedy, before[RemedyType.APOLOGY].id)
        assert apology is not None
        apology.status_source = Provenance.RECORDED
        apology.evidence_note = "Letter sent"

    await store_record(sessionmaker, new)  # same page, current parser

    after = await remedies(sessionmaker)
    assert {t: r.id for t, r in after.items()} == {t: r.id for t, r in before.items()}
    assert all(r.current for r in after.values())
    assert (after[RemedyType.APOLOGY].status, after[RemedyType.APOLOGY].evidence_note) == (
        RemedyStatus.COMPLETED,
        "Letter sent",
    )
    for kind in (RemedyType.FINANCIAL_PAYMENT, RemedyType.REASSESSMENT, RemedyType.STAFF_TRAINING):
        assert (after[kind].status, after[kind].commitment) == (
            RemedyStatus.PENDING,
            RemedyCommitment.RECOMMENDED,
        ), kind
    assert after[RemedyType.FINANCIAL_PAYMENT].payee == "Mrs X"
    async with sessionmaker() as session:
        decision = await session.scalar(select(Decision).where(Decision.reference == REFERENCE))
        assert decision is not None
        assert (decision.version, decision.parser_version) == (1, normalise.PARSER_VERSION)


async def test_the_same_parser_changes_nothing(sessionmaker: Maker) -> None:
    await store_record(sessionmaker, record())
    first = {t: (r.id, r.status, r.revision) for t, r in (await remedies(sessionmaker)).items()}
    await store_record(sessionmaker, record())
    again = {t: (r.id, r.status, r.revision) for t, r in (await remedies(sessionmaker)).items()}
    assert first == again
    assert len(first) == 4


async def test_lgsco_reparse_rereads_remedies_of_an_unchanged_page(sessionmaker: Maker) -> None:
    """The path `lgsco reparse` takes: same page, newer parser, statuses read again."""
    new = record()
    old = dataclasses.replace(
        new, parser_version="2000.1", remedies=as_an_old_parser_read_it(new.remedies)
    )
    await store_record(sessionmaker, old)
    async with sessionmaker.begin() as session:
        conn = await session.connection()
        current = (await state.known(conn, [REFERENCE]))[REFERENCE]
        changed = await decisions.reparsed(conn, new, current=current, at=datetime.now(UTC))
    assert changed is False  # the page is the same: no new version
    after = await remedies(sessionmaker)
    assert after[RemedyType.STAFF_TRAINING].commitment is RemedyCommitment.RECOMMENDED
    assert after[RemedyType.STAFF_TRAINING].status is RemedyStatus.PENDING
