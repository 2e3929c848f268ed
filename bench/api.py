"""Benchmark 3: the API on `total` decisions, loaded from another process, against asyncpg.

The crawled database is topped up to `total` (bench/topup.py), the URLs of each endpoint are
chosen and the SQL the API runs for them captured (bench/workload.py), each statement is
EXPLAINed (bench/explain.py), then `lgsco api` serves on 127.0.0.1 while bench/loadgen.py, in a
process of its own, alternates per endpoint and concurrency between the API over HTTP, a bare
FastAPI + asyncpg app serving the same SQL (bench/bare.py, the framework floor) and the same SQL
straight on asyncpg (the database floor), round after round.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bench import explain, topup, workload
from bench.common import (
    PYTHON,
    REPO,
    WORK,
    Services,
    Spread,
    child_env,
    fetch,
    free_port,
    lgsco_command,
    run_json,
    say,
    wait_ready,
)
from bench.loadgen import Plan, Step
from bench.workload import ENDPOINTS

CONCURRENCY = (1, 32)
EXPLAINED = 6  # URLs per endpoint whose SQL is EXPLAINed
UNLIMITED = str(10**9)  # requests a minute: the rate limiter still counts, never refuses


@dataclass
class Measured:
    """One endpoint at one concurrency, over the rounds."""

    p50_ms: Spread
    p99_ms: Spread
    per_second: Spread
    requests: int
    errors: int


@dataclass
class ApiResult:
    decisions: int
    remedies: int
    copied: int  # decisions added by bench/topup.py rather than crawled
    rounds: int
    seconds: float  # per measurement
    http: dict[tuple[str, int], Measured] = field(default_factory=dict)
    bare: dict[tuple[str, int], Measured] = field(default_factory=dict)
    sql: dict[tuple[str, int], Measured] = field(default_factory=dict)
    ratio: dict[str, Spread] = field(default_factory=dict)  # API p50 / SQL p50, concurrency 1
    # API p50 / bare p50 at concurrency 1; API req/s / bare req/s at the highest concurrency
    bare_ratio: dict[str, Spread] = field(default_factory=dict)
    bare_throughput: dict[str, Spread] = field(default_factory=dict)
    explained: list[explain.Explained] = field(default_factory=list)


@contextmanager
def _serving(process: subprocess.Popen[bytes], port: int) -> Iterator[str]:
    """The base URL of `process` once it answers /readyz; it is stopped on leaving."""
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base_url, process)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def api_process(database_url: str, redis_url: str, pids: list[int] | None = None) -> Iterator[str]:
    """`lgsco api` on a free port, with its access log going to bench/.work/api.log (its pid
    appended to `pids`, for its memory)."""
    port = free_port()
    env = child_env(
        LGSCO_DATABASE_URL=database_url,
        LGSCO_REDIS_URL=redis_url,
        LGSCO_API_HOST="127.0.0.1",
        LGSCO_API_PORT=str(port),
        LGSCO_RATE_LIMIT_PER_MINUTE=UNLIMITED,
        LGSCO_RATE_LIMIT_PER_KEY_PER_MINUTE=UNLIMITED,
        # How many matches a search ranks: set it to measure search at another bound.
        LGSCO_SEARCH_RANKED=os.environ.get("LGSCO_SEARCH_RANKED", "1000"),
    )
    with (WORK / "api.log").open("w") as log:
        process = subprocess.Popen(
            [lgsco_command(), "api"], cwd=WORK, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        if pids is not None:
            pids.append(process.pid)
        with _serving(process, port) as base_url:
            yield base_url


@contextmanager
def bare_process(database_url: str, plan: tuple[Any, ...]) -> Iterator[str]:
    """bench/bare.py on a free port, answering the plan's URLs with their captured SQL."""
    port = free_port()
    plan_file = WORK / "bare-plan.pickle"
    plan_file.write_bytes(pickle.dumps((database_url, *plan)))
    with (WORK / "bare.log").open("w") as log:
        process = subprocess.Popen(
            [PYTHON, "-m", "bench.bare", str(plan_file), str(port)],
            cwd=REPO,
            env=child_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        with _serving(process, port) as base_url:
            yield base_url


MODES = ("http", "bare", "sql")


def _steps(round_: int, seconds: float) -> list[Step]:
    shift = round_ % len(MODES)  # each mode goes first in turn
    modes = MODES[shift:] + MODES[:shift]
    return [
        Step(endpoint.name, mode, concurrency, seconds)
        for endpoint in ENDPOINTS
        for concurrency in CONCURRENCY
        for mode in modes
    ]


def _measured(runs: list[dict[str, Any]]) -> Measured:
    return Measured(
        p50_ms=Spread.of([r["p50_ms"] for r in runs]),
        p99_ms=Spread.of([r["p99_ms"] for r in runs]),
        per_second=Spread.of([r["per_second"] for r in runs]),
        requests=sum(r["requests"] for r in runs),
        errors=sum(r["errors"] for r in runs),
    )


def run(svc: Services, database_url: str, *, total: int, rounds: int, seconds: float) -> ApiResult:
    say(f"api: topping the database up to {total:,} decisions")
    copied = asyncio.run(topup.fill(database_url, total))
    decisions, remedies = asyncio.run(_counts(database_url))
    say("api: choosing URLs and capturing the SQL the API runs for them")
    token = asyncio.run(workload.bench_key(database_url))
    urls, statements = workload.plan(database_url, svc.redis_url, token)
    say("api: EXPLAIN ANALYZE")
    explained = [
        e
        for endpoint in ENDPOINTS
        for e in asyncio.run(
            explain.explain(database_url, endpoint.name, statements[endpoint.name][:EXPLAINED])
        )
    ]
    runs: list[dict[str, Any]] = []
    plan_file = WORK / "loadgen-plan.pickle"
    with (
        api_process(database_url, svc.redis_url) as base_url,
        bare_process(database_url, (urls, statements)) as bare_url,
    ):
        for r in range(rounds):
            say(f"api: load round {r + 1}/{rounds} (API, bare FastAPI, asyncpg; concurrency 1, 32)")
            steps = _steps(r, seconds)
            plan = Plan(base_url, bare_url, database_url, urls, statements, steps, token)
            plan_file.write_bytes(pickle.dumps(plan))
            runs += run_json(["-m", "bench.loadgen", str(plan_file)])["steps"]
    result = ApiResult(decisions, remedies, copied, rounds, seconds, explained=explained)
    for name in (endpoint.name for endpoint in ENDPOINTS):
        for concurrency in CONCURRENCY:
            result.http[(name, concurrency)] = _measured(_select(runs, name, "http", concurrency))
            result.bare[(name, concurrency)] = _measured(_select(runs, name, "bare", concurrency))
            result.sql[(name, concurrency)] = _measured(_select(runs, name, "sql", concurrency))
        api, bare, sql = (_select(runs, name, mode, 1) for mode in MODES)
        result.ratio[name] = Spread.of(
            [a["p50_ms"] / s["p50_ms"] for a, s in zip(api, sql, strict=True)]
        )
        result.bare_ratio[name] = Spread.of(
            [a["p50_ms"] / b["p50_ms"] for a, b in zip(api, bare, strict=True)]
        )
        high = CONCURRENCY[-1]
        api_high, bare_high = _select(runs, name, "http", high), _select(runs, name, "bare", high)
        result.bare_throughput[name] = Spread.of(
            [a["per_second"] / b["per_second"] for a, b in zip(api_high, bare_high, strict=True)]
        )
    return result


def _select(runs: list[dict[str, Any]], name: str, mode: str, concurrency: int) -> list[Any]:
    """The runs of one endpoint, mode and concurrency, in round order."""
    return [
        r for r in runs if (r["endpoint"], r["mode"], r["concurrency"]) == (name, mode, concurrency)
    ]


async def _counts(database_url: str) -> tuple[int, int]:
    rows = await fetch(
        database_url,
        "SELECT (SELECT count(*) FROM decision) AS d, (SELECT count(*) FROM remedy) AS r",
    )
    return int(rows[0]["d"]), int(rows[0]["r"])
