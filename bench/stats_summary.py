"""Outcome statistics read from the summary table against the same statistics counted over the
decisions, side by side on one synthetic corpus, at each size given.

    .venv/bin/python -m bench.stats_summary 60000 240000

Each size gets its own database: organisations, then decisions spread over five years and
linked to one or two organisations each, inserted in SQL with the summary's triggers on (the
time that takes is printed: it is the triggers' cost at ingest). Each statistic then runs
`--repeats` times each way, alternating, and the table gives p50 and p99 of each and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bench.common import create_database, drop_database, services
from lgsco_api.decisions.criteria import DecisionFilters
from lgsco_api.statistics import queries
from lgsco_api.statistics.criteria import GroupBy
from lgsco_shared.db import make_engine, make_sessionmaker

ORGANISATIONS = 400
FILL = """
INSERT INTO organisation (name, kind)
SELECT 'Council ' || n, 'unknown' FROM generate_series(1, :orgs) n;
---
INSERT INTO decision (reference, permalink, category, subcategory, outcome, decided_on, summary,
    sections, body_text, parse_warnings, has_remedy, status, content_hash, parser_version,
    version, first_seen_at, last_fetched_at, last_changed_at)
SELECT lpad((n / 1000000)::text, 2, '0') || ' ' || lpad((n / 1000 % 1000)::text, 3, '0') || ' '
       || lpad((n % 1000)::text, 3, '0'),
    '/decisions/x/' || n, 'Category ' || (n % 12), 'Subcategory ' || (n % 40),
    (ARRAY['upheld', 'not_upheld', 'closed_after_initial_enquiries', NULL])[1 + n % 4],
    date '2021-01-01' + (n * 7919 % 1826), 'Summary', '[]', '', '[]', n % 3 = 0,
    CASE WHEN n % 50 = 0 THEN 'withdrawn' ELSE 'published' END, md5(n::text), 'bench', 1,
    now(), now(), now()
FROM generate_series(1, :decisions) n;
---
INSERT INTO decision_organisation (decision_id, organisation_id, position)
SELECT d.id, 1 + (d.id * 31 % :orgs), 0 FROM decision d;
---
INSERT INTO decision_organisation (decision_id, organisation_id, position)
SELECT d.id, 1 + ((d.id * 31 + 7) % :orgs), 1 FROM decision d WHERE d.id % 5 = 0;
---
ANALYZE
"""

Statistic = Callable[[AsyncSession], Awaitable[Any]]
ALL_YEARS = DecisionFilters()
ONE_YEAR = DecisionFilters(financial_year="2023-24")
ONE_COUNCIL = DecisionFilters(organisation=("Council 7",), financial_year="2023-24")
CASES: list[tuple[str, Statistic, Statistic]] = [
    (
        "by organisation, all years",
        lambda s: queries.grouped(s, ALL_YEARS, GroupBy.ORGANISATION),
        lambda s: queries.counted_grouped(s, ALL_YEARS, GroupBy.ORGANISATION),
    ),
    (
        "by organisation, one year",
        lambda s: queries.grouped(s, ONE_YEAR, GroupBy.ORGANISATION),
        lambda s: queries.counted_grouped(s, ONE_YEAR, GroupBy.ORGANISATION),
    ),
    (
        "one council's year by category",
        lambda s: queries.grouped(s, ONE_COUNCIL, GroupBy.CATEGORY),
        lambda s: queries.counted_grouped(s, ONE_COUNCIL, GroupBy.CATEGORY),
    ),
    (
        "all decisions, by month",
        lambda s: queries.grouped(s, ALL_YEARS, GroupBy.MONTH),
        lambda s: queries.counted_grouped(s, ALL_YEARS, GroupBy.MONTH),
    ),
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure(url: str, repeats: int) -> list[tuple[str, list[float], list[float], bool]]:
    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    results = []
    try:
        for name, summarised, counted in CASES:
            fast: list[float] = []
            slow: list[float] = []
            async with sessionmaker() as session:
                same = [dict(r) for r in await summarised(session)] == [
                    dict(r) for r in await counted(session)
                ]
                for _ in range(repeats):
                    for way, into in ((summarised, fast), (counted, slow)):
                        began = time.perf_counter()
                        await way(session)
                        into.append((time.perf_counter() - began) * 1000)
            results.append((name, fast, slow, same))
    finally:
        await engine.dispose()
    return results


async def fill(url: str, decisions: int) -> float:
    engine = make_engine(url)
    began = time.perf_counter()
    async with engine.begin() as conn:
        await conn.execute(text("SET LOCAL statement_timeout = 0"))  # a bulk load, not a request
        for statement in FILL.split("\n---\n"):
            await conn.execute(text(statement), {"orgs": ORGANISATIONS, "decisions": decisions})
    await engine.dispose()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sizes", type=int, nargs="+", help="decisions in each database")
    parser.add_argument("--repeats", type=int, default=40)
    args = parser.parse_args()
    with services() as svc:
        for size in args.sizes:
            url = create_database(svc.postgres_admin_url, "summary")
            try:
                seconds = asyncio.run(fill(url, size))
                print(f"\n{size:,} decisions: inserted with the triggers on in {seconds:.1f} s")
                print(
                    "| Statistic | summary p50 | summary p99 | counted p50 | counted p99 "
                    "| counted ÷ summary, p50 | same numbers |"
                )
                print("| --- | --- | --- | --- | --- | --- | --- |")
                for name, fast, slow, same in asyncio.run(measure(url, args.repeats)):
                    f50, f99 = statistics.median(fast), percentile(fast, 0.99)
                    s50, s99 = statistics.median(slow), percentile(slow, 0.99)
                    print(
                        f"| {name} | {f50:.1f} ms | {f99:.1f} ms | {s50:.1f} ms | {s99:.1f} ms "
                        f"| {s50 / f50:.1f}× | {'yes' if same else 'NO'} |"
                    )
            finally:
                drop_database(svc.postgres_admin_url, url)


if __name__ == "__main__":
    main()
