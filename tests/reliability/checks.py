"""Read back what a crawl stored and say what differs from the truth."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from lgsco_shared.models import Decision, DecisionVersion, IngestFailure, IngestRun, RawPage
from tests.reliability.synthetic import Expected, mismatches

Maker = async_sessionmaker[AsyncSession]


async def differences(sessionmaker: Maker, truth: dict[str, Expected]) -> list[str]:
    """Every way the database differs from the truth: missing, extra, duplicated or wrong rows,
    and raw pages that are not whole pages of the site. Empty when the two agree."""
    async with sessionmaker() as session:
        decisions = list(
            await session.scalars(select(Decision).options(selectinload(Decision.organisations)))
        )
        versions = Counter(await session.scalars(select(DecisionVersion.decision_id)))
        pages = {
            page_id: (reference, sha)
            for page_id, reference, sha in await session.execute(
                select(RawPage.id, RawPage.reference, RawPage.body_sha256)
            )
        }
    out: list[str] = []
    seen = Counter(d.reference for d in decisions)
    out += [f"{ref} stored {n} times" for ref, n in seen.items() if n > 1]
    out += [f"{ref} missing" for ref in truth.keys() - seen.keys()]
    out += [f"{ref} not on the site" for ref in seen.keys() - truth.keys()]
    for d in decisions:
        if (expected := truth.get(d.reference)) is None:
            continue
        out += [f"{d.reference} {problem}" for problem in mismatches(d, expected)]
        if versions[d.id] != d.version:
            out.append(f"{d.reference} has {versions[d.id]} versions, says {d.version}")
        if d.raw_page_id is None or pages[d.raw_page_id][1] != expected.body_sha256:
            out.append(f"{d.reference} was read from a page that is not the whole page")
    whole = {e.body_sha256 for e in truth.values()}
    out += [
        f"raw page {page_id} ({ref}) is not a whole page of the site"
        for page_id, (ref, sha) in pages.items()
        if sha not in whole
    ]
    return out


async def run_record(sessionmaker: Maker, run_id: int) -> tuple[IngestRun, list[IngestFailure]]:
    async with sessionmaker() as session:
        run = await session.get(IngestRun, run_id)
        failures = list(
            await session.scalars(
                select(IngestFailure)
                .where(IngestFailure.run_id == run_id)
                .order_by(IngestFailure.id)
            )
        )
    assert run is not None
    return run, failures


async def count(sessionmaker: Maker, model: type) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def per_reference(counts: dict[str, int]) -> dict[str, int]:
    """A run's counts of decisions by result, without its counts of month windows."""
    return {k: v for k, v in counts.items() if not k.startswith("windows_")}
