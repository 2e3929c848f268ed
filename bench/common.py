"""What every benchmark shares: where PostgreSQL and Redis are, scratch databases, child processes
that answer in JSON, and median/spread of repeated measurements."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import asyncpg
import httpx

from lgsco_shared.db import RANDOM_PAGE_COST

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "bench" / ".work"  # git-ignored: embedded servers' data, logs, raw results
PYTHON = str(REPO / ".venv" / "bin" / "python") if (REPO / ".venv").is_dir() else sys.executable


_STARTED = time.monotonic()


def say(message: str) -> None:
    """A progress line on stderr, with the minutes and seconds since the run began."""
    elapsed = int(time.monotonic() - _STARTED)
    print(f"[{elapsed // 60:02}:{elapsed % 60:02}] {message}", file=sys.stderr, flush=True)


# --- Numbers ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Spread:
    """The median of repeated measurements and their range."""

    median: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(statistics.median(values), min(values), max(values), len(values))

    def show(self, fmt: str = "{:.1f}") -> str:
        if self.n == 1:
            return fmt.format(self.median)
        return f"{fmt.format(self.median)} ({fmt.format(self.low)}–{fmt.format(self.high)})"


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), nearest rank."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


# --- Processes -------------------------------------------------------------------------------


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a child: the repo importable (bench, tests), LGSCO_* of ours only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LGSCO_")}
    if corpus := os.environ.get("LGSCO_CORPUS_DIR"):
        env["LGSCO_CORPUS_DIR"] = corpus
    env["PYTHONPATH"] = str(REPO)
    return env | extra


def run_json(args: Sequence[str], *, timeout: float = 3600) -> dict[str, Any]:
    """Run `python -m ...args` from the repo and return the JSON object it prints last."""
    done = subprocess.run(
        [PYTHON, *args],
        cwd=REPO,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args[:2])} failed ({done.returncode}):\n{done.stderr[-4000:]}"
        )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def lgsco_command() -> str:
    """The `lgsco` console script of this checkout's virtualenv (else the one on PATH)."""
    script = Path(PYTHON).parent / "lgsco"
    return str(script) if script.exists() else "lgsco"


def wait_ready(base_url: str, process: subprocess.Popen[Any], timeout: float = 120) -> float:
    """Poll GET /readyz until 200; seconds waited. Raises if the process exits or time runs out."""
    began = time.perf_counter()
    with httpx.Client(timeout=2) as client:
        while time.perf_counter() - began < timeout:
            if process.poll() is not None:
                raise RuntimeError(f"the service exited ({process.returncode}) before it was ready")
            try:
                if client.get(base_url + "/readyz").status_code == 200:
                    return time.perf_counter() - began
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
    raise RuntimeError(f"{base_url}/readyz not ready after {timeout:.0f} s")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# --- PostgreSQL and Redis --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Services:
    postgres_admin_url: str  # a database on the server we may create databases from
    redis_url: str
    embedded: bool


@contextmanager
def services() -> Iterator[Services]:
    """LGSCO_BENCH_DATABASE_URL / LGSCO_BENCH_REDIS_URL if set, else embedded servers."""
    database_url = os.environ.get("LGSCO_BENCH_DATABASE_URL") or None
    redis_url = os.environ.get("LGSCO_BENCH_REDIS_URL") or None
    from lgsco_shared.embedded import service_urls

    WORK.mkdir(parents=True, exist_ok=True)
    with service_urls(database_url, redis_url, WORK / "services") as urls:
        yield Services(urls.database_url, urls.redis_url, embedded=database_url is None)


def asyncpg_args(url: str) -> dict[str, Any]:
    """connect() keyword arguments for a postgresql:// URL, including `?host=/socket/dir`."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    args: dict[str, Any] = {
        # The planner costs the service's own connections use (lgsco_shared.db), so the SQL
        # floor and EXPLAIN see the plans the API gets.
        "server_settings": {"random_page_cost": RANDOM_PAGE_COST},
        "user": unquote(parts.username or "postgres"),
        "database": parts.path.lstrip("/") or "postgres",
        "host": query["host"][0] if "host" in query else parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
    }
    if parts.password:
        args["password"] = unquote(parts.password)
    return args


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return parts._replace(path="/" + name).geturl()


async def _admin(admin_url: str, sql: str) -> None:
    conn = await asyncpg.connect(**asyncpg_args(admin_url))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_database(admin_url: str, label: str) -> str:
    """A new, migrated database; template0, so nothing else on a shared server leaks in."""
    from lgsco_shared.migrate import upgrade

    name = f"bench_{label}_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(admin_url, f'CREATE DATABASE "{name}" TEMPLATE template0'))
    url = with_database(admin_url, name)
    upgrade(url)
    return url


def drop_database(admin_url: str, url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    asyncio.run(_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def fetch(url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(**asyncpg_args(url))
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


async def database_sizes(url: str) -> dict[str, int]:
    """Bytes on disk: the whole database, and each table with its indexes and TOAST."""
    rows = await fetch(
        url,
        "SELECT tablename, pg_total_relation_size(quote_ident(tablename)) AS bytes"
        " FROM pg_tables WHERE schemaname = 'public'",
    )
    total = await fetch(url, "SELECT pg_database_size(current_database()) AS bytes")
    return {"(database)": int(total[0]["bytes"])} | {r["tablename"]: int(r["bytes"]) for r in rows}
