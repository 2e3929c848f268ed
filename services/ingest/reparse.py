"""Re-parse every stored raw page with the current parser: no network, a report of what changed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco.ingest import normalise, store
from lgsco.ingest.sources.base import ParseError
from lgsco.ingest.sources.lgsco import parse_decision
from lgsco.shared.models import Decision, RawPage

Report = Callable[[str, str], None]


async def reparse_all(
    sessionmaker: async_sessionmaker[AsyncSession], *, report: Report | None = None
) -> Counter[str]:
    """Return counts of changed / unchanged / failed; `report(reference, what)` per change."""
    async with sessionmaker() as session:
        rows = (
            await session.execute(
                select(Decision.reference, Decision.raw_page_id).order_by(Decision.id)
            )
        ).all()
    counts: Counter[str] = Counter()
    for reference, raw_page_id in rows:
        if raw_page_id is None:
            counts["no_raw_page"] += 1
            continue
        async with sessionmaker.begin() as session:
            await store.lock_reference(session, reference)
            raw = await session.get(RawPage, raw_page_id)
            decision = await store.get_decision(session, reference)
            if raw is None or decision is None:
                continue
            try:
                parsed = parse_decision(raw.body(), url=raw.url)
            except ParseError as exc:
                counts["failed"] += 1
                if report:
                    report(reference, f"failed: {exc.reason}")
                continue
            record = normalise.decision(parsed, permalink=decision.permalink)
            before = decision.content_hash
            await store.upsert_decision(
                session, record, raw_page_id=raw.id, seen_at=decision.last_fetched_at
            )
            decision.parser_version = record.parser_version
            changed = before != record.content_hash
            counts["changed" if changed else "unchanged"] += 1
            if changed and report:
                report(reference, "changed")
    return counts
