"""Re-parse every stored raw page with the current parser: no network, a report of what changed.

Safe at any time: it rewrites only what is read from a page (`store.reparsed`), so a withdrawn
decision stays withdrawn and councils' remedy tracking stays as they recorded it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_ingest import store
from lgsco_ingest.extract import normalise
from lgsco_ingest.site.parse import parse_decision
from lgsco_ingest.site.records import ParseError
from lgsco_shared.models import Decision, RawPage

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
            # Read under the lock: an ingest may have stored a newer page since the list was read.
            current = (await store.known(conn, [reference])).get(reference)
            if current is None or current.raw_page_id is None:
                continue
            raw = await session.get(RawPage, current.raw_page_id)
            if raw is None:
                continue
            try:
                parsed = parse_decision(raw.body(), url=raw.url)
            except ParseError as exc:
                counts["failed"] += 1
                if report:
                    report(reference, f"failed: {exc.reason}")
                continue
            record = normalise.decision(parsed, permalink=current.permalink)
            changed = await store.reparsed(conn, record, current=current, at=datetime.now(UTC))
            counts["changed" if changed else "unchanged"] += 1
            if changed and report:
                report(reference, "changed")
    return counts
