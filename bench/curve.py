"""The growth curve: every endpoint's p50 and p99 as the database grows from the site's 60,000
decisions to 240,000 and 600,000, with the disk and the API's memory at each size.

The API stage's database grows by copies of its first 60,000 decisions: each copy has a new
reference (leading digits 40 and up, one generation per 60,000), the same text, date,
organisations, remedies and first version, and no raw page. So the corpus grows denser, not
longer: the same councils over the same years with more decisions each, which is the harder
case for search (a common word matches proportionally more) and for one council's lists and
statistics. Inserts go through the summary's triggers, as a crawl's do. At each size `lgsco api`
starts afresh and the load process measures each endpoint at concurrency 1 (bench/loadgen.py).
"""

from __future__ import annotations

import asyncio
import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from bench import workload
from bench.api import api_process
from bench.common import WORK, Services, asyncpg_args, run_json, say
from bench.loadgen import Plan, Step
from bench.workload import ENDPOINTS

SIZES = (60_000, 240_000, 600_000)
GENERATION = 60_000  # decisions copied per generation at most: the originals
FIRST_COPY = 40  # leading digits of the first generation's references (originals are below)
# Growth targets, 600k ÷ 60k at p99: search may grow with its matches, the rest should not.
TARGET_RATIO = {"full_text": 3.0}
DEFAULT_TARGET = 1.5

_ORIGINALS = f"s.reference < '{FIRST_COPY}'"
_COPY = (
    f"""
INSERT INTO decision (reference, permalink, category, subcategory, outcome, outcome_label,
    finding, fine_outcome, decided_on, summary, sections, body_text, parse_warnings, has_remedy,
    status, content_hash, parser_version, version, first_seen_at, last_fetched_at,
    last_changed_at)
SELECT $1 || substr(s.reference, 3), s.permalink || '-' || $1, s.category, s.subcategory,
    s.outcome, s.outcome_label, s.finding, s.fine_outcome, s.decided_on, s.summary, s.sections,
    s.body_text, s.parse_warnings, s.has_remedy, s.status, s.content_hash, s.parser_version, 1,
    s.first_seen_at, s.last_fetched_at, s.last_changed_at
FROM decision s WHERE {_ORIGINALS} ORDER BY s.id LIMIT $2
""",
    f"""
INSERT INTO decision_organisation (decision_id, organisation_id, position, kind)
SELECT d.id, l.organisation_id, l.position, l.kind
FROM decision s JOIN decision d ON d.reference = $1 || substr(s.reference, 3)
JOIN decision_organisation l ON l.decision_id = s.id WHERE {_ORIGINALS}
""",
    f"""
INSERT INTO remedy (decision_id, fingerprint, position, type, sentence, amount, payee,
    deadline_text, due_on, current, status, revision, commitment, status_source)
SELECT d.id, r.fingerprint, r.position, r.type, r.sentence, r.amount, r.payee, r.deadline_text,
    r.due_on, r.current, r.status, 1, r.commitment, r.status_source
FROM decision s JOIN decision d ON d.reference = $1 || substr(s.reference, 3)
JOIN remedy r ON r.decision_id = s.id WHERE {_ORIGINALS}
""",
    f"""
INSERT INTO decision_version (decision_id, version, content_hash, parser_version, changed_fields)
SELECT d.id, 1, d.content_hash, d.parser_version, v.changed_fields
FROM decision s JOIN decision d ON d.reference = $1 || substr(s.reference, 3)
JOIN decision_version v ON v.decision_id = s.id AND v.version = 1 WHERE {_ORIGINALS}
""",
)


@dataclass
class Size:
    decisions: int
    grow_seconds: float  # copying up to this size (inserts, triggers, indexes, VACUUM ANALYZE)
    database_mb: float
    api_rss_mb: float  # the API process after its measurements
    p50_ms: dict[str, float] = field(default_factory=dict)
    p99_ms: dict[str, float] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)


@dataclass
class CurveResult:
    seconds: float  # per measurement
    sizes: list[Size] = field(default_factory=list)

    def ratio(self, endpoint: str) -> float:
        """p99 at the largest size ÷ p99 at the smallest."""
        return self.sizes[-1].p99_ms[endpoint] / self.sizes[0].p99_ms[endpoint]


async def _count(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM decision"))


async def grow(database_url: str, size: int) -> float:
    """Copy decisions in until the database holds `size`; the seconds it took."""
    began = time.perf_counter()
    conn = await asyncpg.connect(**asyncpg_args(database_url))
    try:
        while (count := await _count(conn)) < size:
            generation = FIRST_COPY + (count // GENERATION) - 1
            prefix = f"{generation:02d}"
            taken = await conn.fetchval(
                "SELECT count(*) FROM decision WHERE reference LIKE $1", prefix + " %"
            )
            if taken:
                raise RuntimeError(f"generation {prefix} is partly there: grow from a clean copy")
            async with conn.transaction():
                await conn.execute(_COPY[0], prefix, min(GENERATION, size - count))
                for sql in _COPY[1:]:
                    await conn.execute(sql, prefix)
            say(f"curve: {await _count(conn):,} decisions")
        await conn.execute("VACUUM ANALYZE")
        return time.perf_counter() - began
    finally:
        await conn.close()


async def _database_mb(database_url: str) -> float:
    conn = await asyncpg.connect(**asyncpg_args(database_url))
    try:
        return float(await conn.fetchval("SELECT pg_database_size(current_database())")) / 2**20
    finally:
        await conn.close()


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(svc: Services, database_url: str, size: int, grown: float, seconds: float) -> Size:
    token = asyncio.run(workload.bench_key(database_url))
    urls = asyncio.run(workload.urls(database_url))
    steps = [Step(e.name, "http", 1, seconds) for e in ENDPOINTS]
    pids: list[int] = []
    with api_process(database_url, svc.redis_url, pids) as base_url:
        plan = Plan(base_url, "", database_url, urls, {}, steps, token)
        plan_file = WORK / "curve-plan.pickle"
        plan_file.write_bytes(pickle.dumps(plan))
        runs = run_json(["-m", "bench.loadgen", str(plan_file)])["steps"]
        rss = _rss_mb(pids[0])
    result = Size(size, grown, asyncio.run(_database_mb(database_url)), rss)
    for r in runs:
        result.p50_ms[r["endpoint"]] = r["p50_ms"]
        result.p99_ms[r["endpoint"]] = r["p99_ms"]
        result.errors[r["endpoint"]] = r["errors"]
    return result


def run(
    svc: Services, database_url: str, *, sizes: tuple[int, ...] = SIZES, seconds: float
) -> CurveResult:
    result = CurveResult(seconds)
    for size in sizes:
        say(f"curve: growing to {size:,} decisions")
        grown = asyncio.run(grow(database_url, size))
        say(f"curve: measuring at {size:,}")
        result.sizes.append(measure(svc, database_url, size, grown, seconds))
    return result
