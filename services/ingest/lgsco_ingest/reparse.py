"""Re-parse every stored raw page with the current parser: no network, a report of what changed.

Safe at any time: it rewrites only what is read from a page (`decisions.reparsed`), so a withdrawn
decision stays withdrawn and councils' remedy tracking stays as they recorded it.

Pages are parsed as the ingest parses them, in a child process with limits
(lgsco_ingest.parsebox). A page that trips a limit is quarantined (an `ingest_failure` of kind
`limit` naming the raw page) and later re-parses skip it, unless `include_quarantined`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_ingest.parsebox import ParseLimit, Parser
from lgsco_ingest.site.records import ParseError
from lgsco_ingest.store import decisions, pages, state
from lgsco_shared.models import Decision, RawPage

_QUARANTINED = text(
    "SELECT DISTINCT raw_page_id FROM ingest_failure"
    " WHERE kind = 'limit' AND raw_page_id IS NOT NULL"
)

Report = Callable[[str, str], None]


async def reparse_all(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    report: Report | None = None,
    include_quarantined: bool = False,
    parser: Parser | None = None,
) -> Counter[str]:
    """Return counts of changed / unchanged / failed / quarantined (newly) / skipped (quarantined
    before); `report(reference, what)` per change."""
    parser = parser or Parser()
    async with sessionmaker() as session:
        rows = (
            await session.execute(
                select(Decision.reference, Decision.raw_page_id).order_by(Decision.id)
            )
        ).all()
        quarantined = set((await session.execute(_QUARANTINED)).scalars().all())
    counts: Counter[str] = Counter()
    for reference, raw_page_id in rows:
        if raw_page_id is None:
            counts["no_raw_page"] += 1
            continue
        if raw_page_id in quarantined and not include_quarantined:
            counts["skipped"] += 1
            continue
        async with sessionmaker.begin() as session:
            conn = await session.connection()
            await state.lock_reference(conn, reference)
            # Read under the lock: an ingest may have stored a newer page since the list was read.
            current = (await state.known(conn, [reference])).get(reference)
            if current is None or current.raw_page_id is None:
                continue
            raw = await session.get(RawPage, current.raw_page_id)
            if raw is None:
                continue
            try:
                record = await parser.decision(
                    raw.body(), url=raw.url, reference=None, permalink=current.permalink
                )
            except ParseLimit as exc:
                counts["quarantined"] += 1
                if raw.id not in quarantined:
                    await pages.record_failure(
                        conn,
                        run_id=None,
                        reference=reference,
                        url=raw.url,
                        kind="limit",
                        reason=exc.reason,
                        raw_page_id=raw.id,
                    )
                if report:
                    report(reference, f"quarantined: {exc.reason}")
                continue
            except ParseError as exc:
                counts["failed"] += 1
                if report:
                    report(reference, f"failed: {exc.reason}")
                continue
            changed = await decisions.reparsed(conn, record, current=current, at=datetime.now(UTC))
            counts["changed" if changed else "unchanged"] += 1
            if changed and report:
                report(reference, "changed")
    return counts
