"""EXPLAIN ANALYZE the SQL the API ran, and say how each statement reads its tables.

A statement "uses an index" when every table of more than SMALL_TABLE rows is read through an
index (Index, Index Only or Bitmap scans); a sequential scan of such a table is "bounded" when a
LIMIT stopped it after reading under a tenth of the table, and a "full scan" otherwise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import asyncpg

from bench.common import asyncpg_args

SMALL_TABLE = 1_000
_INDEXED = {"Index Scan", "Index Only Scan", "Bitmap Heap Scan", "Bitmap Index Scan"}


@dataclass(frozen=True, slots=True)
class Access:
    table: str
    node: str  # "Seq Scan", "Index Scan using ix_decision_decided_on_id", ...
    rows_read: int  # rows the node produced plus those its filter removed, over all loops
    under_limit: bool


@dataclass(frozen=True, slots=True)
class Explained:
    endpoint: str
    statement: int  # position among the statements of one request
    sql: str
    milliseconds: float  # execution time EXPLAIN ANALYZE reports
    accesses: tuple[Access, ...]
    verdict: str  # "index", "bounded", "full scan"

    @property
    def scans(self) -> str:
        """'decision: Index Scan using ix_..., remedy: Seq Scan (12,345 rows)' (big tables)."""
        return ", ".join(
            f"{a.table}: {a.node}" + (f" ({a.rows_read:,} rows)" if a.node == "Seq Scan" else "")
            for a in self.accesses
        )


def _accesses(node: dict[str, Any], under_limit: bool = False) -> list[Access]:
    under_limit = under_limit or node["Node Type"] == "Limit"
    found = []
    if "Relation Name" in node:
        loops = int(node.get("Actual Loops", 1))
        produced = int(node.get("Actual Rows", 0)) + int(node.get("Rows Removed by Filter", 0))
        rows = produced * loops
        name = node["Node Type"] + (f" using {node['Index Name']}" if "Index Name" in node else "")
        found.append(Access(node["Relation Name"], name, rows, under_limit))
    for child in node.get("Plans", []):
        found += _accesses(child, under_limit)
    return found


def _verdict(accesses: list[Access], sizes: dict[str, int]) -> str:
    verdict = "index"
    for a in accesses:
        if a.node.split(" using ")[0] in _INDEXED:
            continue
        if a.under_limit and a.rows_read < sizes[a.table] / 10:
            verdict = "bounded" if verdict == "index" else verdict
        else:
            return "full scan"
    return verdict


async def explain(
    database_url: str, endpoint: str, requests: list[list[tuple[str, tuple[Any, ...]]]]
) -> list[Explained]:
    """Every statement of the given requests; for each position, the worst plan seen."""
    conn = await asyncpg.connect(**asyncpg_args(database_url))
    try:
        sizes = {
            r["relname"]: int(r["reltuples"])
            for r in await conn.fetch("SELECT relname, reltuples FROM pg_class WHERE relkind = 'r'")
        }
        worst: dict[int, Explained] = {}
        order = {"index": 0, "bounded": 1, "full scan": 2}
        for statements in requests:
            for i, (sql, params) in enumerate(statements):
                raw = await conn.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", *params)
                plan = json.loads(raw)[0]
                accesses = [
                    a for a in _accesses(plan["Plan"]) if sizes.get(a.table, 0) > SMALL_TABLE
                ]
                found = Explained(
                    endpoint,
                    i + 1,
                    sql,
                    float(plan["Execution Time"]),
                    tuple(accesses),
                    _verdict(accesses, sizes),
                )
                seen = worst.get(i)
                if seen is None or (order[found.verdict], found.milliseconds) > (
                    order[seen.verdict],
                    seen.milliseconds,
                ):
                    worst[i] = found
        return [worst[i] for i in sorted(worst)]
    finally:
        await conn.close()
