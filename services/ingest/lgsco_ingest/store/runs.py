"""Counts of what a run did, added in SQL (several tasks share a run)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from lgsco_shared.domain import FetchResult

_COUNT = text(
    "UPDATE ingest_run SET counts = jsonb_set(counts, ARRAY[CAST(:k AS text)], "
    "to_jsonb(coalesce(CAST(counts->>CAST(:k AS text) AS int), 0) + CAST(:n AS int))) "
    "WHERE id = :id"
)


async def count_result(conn: AsyncConnection, run_id: int, result: FetchResult, n: int = 1) -> None:
    """Add `n` to the run's count for `result`, atomically in SQL (several tasks share a run)."""
    await conn.execute(_COUNT, {"id": run_id, "k": result.value, "n": n})


_ADD_COUNTS = text(
    "UPDATE ingest_run SET counts = counts || coalesce(("
    "SELECT jsonb_object_agg(t.k, coalesce(CAST(counts->>t.k AS int), 0) + t.n) "
    "FROM unnest(CAST(:ks AS text[]), CAST(:ns AS int[])) AS t(k, n)), '{}'::jsonb) "
    "WHERE id = :id"
)


async def add_counts(conn: AsyncConnection, run_id: int, counts: Mapping[str, int]) -> None:
    """Add several counts to the run in one statement (a crawl's tally, with its checkpoint)."""
    items = [(k, n) for k, n in counts.items() if n]
    if not items:
        return
    await conn.execute(
        _ADD_COUNTS, {"id": run_id, "ks": [k for k, _ in items], "ns": [n for _, n in items]}
    )
