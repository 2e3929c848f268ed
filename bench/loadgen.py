"""Load from a process of its own: GET the API's URLs over loopback (mode "http"), the same URLs
from the bare FastAPI app (mode "bare", bench/bare.py), or run the SQL the API ran for them
directly on asyncpg (mode "sql", the floor), at a fixed concurrency for a fixed time. Prints one
JSON object: per step, requests, errors, p50/p99 ms and requests/s.

Run: python -m bench.loadgen PLAN.pickle   (written by bench/api.py: URLs, statements, schedule)
"""

from __future__ import annotations

import asyncio
import itertools
import json
import pickle
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import uvloop

from bench.common import asyncpg_args, percentile
from bench.workload import headers_for

Statement = tuple[str, tuple[Any, ...]]
WARMUP_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class Step:
    endpoint: str
    mode: str  # "http", "bare" or "sql"
    concurrency: int
    seconds: float


@dataclass(frozen=True, slots=True)
class Plan:
    base_url: str  # the API, http://127.0.0.1:PORT
    bare_url: str  # bench/bare.py
    database_url: str
    urls: dict[str, list[str]]  # endpoint -> paths with query
    statements: dict[str, list[list[Statement]]]  # endpoint -> per URL, the SQL the API ran
    steps: list[Step]
    token: str  # an API key, sent where the endpoint needs one (workload.headers_for)


async def _drive(
    one: Callable[[int], Awaitable[bool]], concurrency: int, seconds: float
) -> dict[str, Any]:
    """Call `one(i)` from `concurrency` tasks for `seconds` after a warm-up; time each call."""
    counter = itertools.count()
    latencies: list[float] = []
    errors = 0
    recording = False
    stop_at = time.perf_counter() + WARMUP_SECONDS + seconds

    async def worker() -> None:
        nonlocal errors
        while (began := time.perf_counter()) < stop_at:
            try:
                ok = await one(next(counter))
            except (OSError, httpx.HTTPError, asyncpg.PostgresError, TimeoutError):
                ok = False
            if recording:
                latencies.append(time.perf_counter() - began)
                errors += not ok

    async def start_recording() -> float:
        nonlocal recording
        await asyncio.sleep(WARMUP_SECONDS)
        recording = True
        return time.perf_counter()

    started, *_ = await asyncio.gather(start_recording(), *(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    ms = [s * 1000 for s in latencies] or [float("nan")]
    return {
        "requests": len(latencies),
        "errors": errors,
        "p50_ms": percentile(ms, 50),
        "p99_ms": percentile(ms, 99),
        "per_second": len(latencies) / elapsed,
    }


async def run_http(plan: Plan, step: Step) -> dict[str, Any]:
    urls = plan.urls[step.endpoint]
    limits = httpx.Limits(max_connections=step.concurrency, max_keepalive_connections=64)
    base_url = plan.bare_url if step.mode == "bare" else plan.base_url
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:

        async def one(i: int) -> bool:
            path = urls[i % len(urls)]
            response = await client.get(path, headers=headers_for(path, plan.token))
            return response.status_code == 200

        return await _drive(one, step.concurrency, step.seconds)


async def run_sql(plan: Plan, step: Step) -> dict[str, Any]:
    requests = plan.statements[step.endpoint]
    # As many connections as the API's pool can hold (pool_size 10 + max_overflow 10).
    size = min(step.concurrency, 20)
    args = asyncpg_args(plan.database_url)
    pool = await asyncpg.create_pool(**args, min_size=size, max_size=size)
    try:

        async def one(i: int) -> bool:
            async with pool.acquire() as conn:
                for sql, params in requests[i % len(requests)]:
                    await conn.fetch(sql, *params)
            return True

        return await _drive(one, step.concurrency, step.seconds)
    finally:
        await pool.close()


async def main(plan: Plan) -> list[dict[str, Any]]:
    out = []
    for step in plan.steps:
        runner = run_sql if step.mode == "sql" else run_http
        result = await runner(plan, step)
        out.append(
            {"endpoint": step.endpoint, "mode": step.mode, "concurrency": step.concurrency} | result
        )
    return out


if __name__ == "__main__":
    loaded: Plan = pickle.loads(Path(sys.argv[1]).read_bytes())
    print(json.dumps({"steps": uvloop.run(main(loaded))}))
