"""Re-parse every stored raw page with the current parser: no network, a report of what changed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from sqlalchemy import select, update
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
            conn = await session.connection()
            await store.lock_reference(conn, reference)
            raw = await session.get(RawPage, raw_page_id)
            current = (await store.known(conn, [reference])).get(reference)
            if raw is None or current is None:
                continue
            try:
                parsed = parse_decision(raw.body(), url=raw.url)
            except ParseError as exc:
                counts["failed"] += 1
                if report:
                    report(reference, f"failed: {exc.reason}")
                continue
            record = normalise.decision(parsed, permalink=current.permalink)
            await store.upsert_decision(
                conn,
                record,
                raw_page_id=raw.id,
                seen_at=current.last_fetched_at,  # a re-parse fetches nothing
                current=current,
            )
            await conn.execute(
                update(Decision)
                .where(Decision.id == current.id)
                .values(parser_version=record.parser_version)
            )
            changed = current.content_hash != record.content_hash
            counts["changed" if changed else "unchanged"] += 1
            if changed and report:
                report(reference, "changed")
    return counts
