"""Backing services go away under load. PostgreSQL stopped: every request gets a 503
problem+json within a second and /readyz names the database; started again: the same API
process serves normally within 5 s; never a 500. Redis stopped: reads go on, job submission
answers 503. Each test runs its own PostgreSQL or Redis, so stopping it disturbs no other test."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import httpx
import psutil
import pytest
import uvicorn
from fastapi import FastAPI

from lgsco_api.keys import service as keys
from lgsco_api.main import create_app
from lgsco_shared import queue as jobqueue
from lgsco_shared.db import CONNECT_TIMEOUT, make_engine, make_sessionmaker
from lgsco_shared.embedded import EmbeddedPostgres, EmbeddedRedis
from lgsco_shared.migrate import upgrade
from tests.api.factories import make_decision
from tests.reliability.conftest import api_settings

pytestmark = pytest.mark.timeout(180)


class PostgresSwitch:
    """A dedicated embedded PostgreSQL that can be stopped and started on the same socket."""

    def __init__(self, data_dir: Path) -> None:
        self.embedded = EmbeddedPostgres(data_dir)
        self.url = self.embedded.url("lgsco")
        self._server = self.embedded._server
        self._socket_dir = unquote(self.url.split("host=", 1)[1])

    def _pg_ctl(self, *args: str) -> None:
        from pgserver._commands import pg_ctl

        pg_ctl(list(args), pgdata=self._server.pgdata, user=self._server.system_user, timeout=30)

    def stop(self) -> None:
        self._pg_ctl("-w", "-m", "fast", "stop")  # what a restart or failover does to clients

    def start(self) -> None:
        log = str(self._server.log)
        self._pg_ctl("-w", "-o", '-h ""', "-o", f"-k {self._socket_dir}", "-l", log, "start")

    def close(self) -> None:
        try:
            self.stop()
        finally:
            self.embedded.stop()


class ApiServer:
    """The API in a uvicorn server on 127.0.0.1, in a thread of this process."""

    def __init__(self, app: FastAPI) -> None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )

    def __enter__(self) -> ApiServer:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            assert time.monotonic() < deadline, "the API did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)


@dataclass(frozen=True, slots=True)
class Answer:
    sent: float
    took: float
    status: int
    problem: bool  # application/problem+json


class Load:
    """Clients reading decisions in a loop, every answer kept with when it was asked."""

    def __init__(self, url: str, references: list[str], clients: int = 4) -> None:
        self.url = url
        self.paths = ["/v1/decisions?limit=5"] + [
            f"/v1/decisions/{r.replace(' ', '-')}" for r in references
        ]
        self.clients = clients
        self.answers: list[Answer] = []
        self.errors: list[str] = []
        self._stop = asyncio.Event()

    async def __aenter__(self) -> Load:
        self._tasks = [asyncio.create_task(self._client(n)) for n in range(self.clients)]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)

    async def _client(self, n: int) -> None:
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            i = n
            while not self._stop.is_set():
                sent = time.monotonic()
                try:
                    response = await client.get(self.paths[i % len(self.paths)])
                except httpx.TransportError as exc:  # no HTTP answer at all: status 0
                    self.errors.append(f"{time.monotonic() - sent:.3f}s {exc!r}")
                    self.answers.append(Answer(sent, time.monotonic() - sent, 0, False))
                    continue
                took = time.monotonic() - sent
                kind = response.headers.get("content-type", "")
                self.answers.append(
                    Answer(sent, took, response.status_code, kind == "application/problem+json")
                )
                i += 1
                await asyncio.sleep(0.02)

    def between(self, start: float, end: float) -> list[Answer]:
        return [a for a in self.answers if start <= a.sent < end]


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresSwitch]:
    # Not under pytest's basetemp: another pytest starting meanwhile makes that 0700 again,
    # and this server's initdb runs as the `pgserver` user when the suite runs as root.
    home = Path(tempfile.mkdtemp(prefix="lgsco-outage-"))
    try:
        server = PostgresSwitch(home / "postgres")
        upgrade(server.url)
        yield server
        server.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def own_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path_factory.mktemp("outage-redis"))
    yield server
    with contextlib.suppress(Exception):  # already killed by the test
        server.stop()


def kill_redis(server: EmbeddedRedis) -> None:
    """SIGKILL the Redis server (a crash: clients' connections break, nothing answers)."""
    process = psutil.Process(server._client.pid)
    process.kill()
    process.wait(10)


async def seed(database_url: str, n: int = 5) -> tuple[list[str], str]:
    """n decisions and a key that may submit jobs: (references, bearer token)."""
    engine = make_engine(database_url, pool=False)
    try:
        async with make_sessionmaker(engine).begin() as session:
            references = [(await make_decision(session)).reference for _ in range(n)]
            _key, token = await keys.create_key(
                session, f"ops-{uuid.uuid4().hex[:8]}", ["jobs:write"]
            )
    finally:
        await engine.dispose()
    return references, token


async def readyz(url: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        return await client.get("/readyz")


async def test_database_outage_gives_quick_503s_and_recovers_without_restart(
    postgres: PostgresSwitch, own_redis: EmbeddedRedis
) -> None:
    references, _token = await seed(postgres.url)
    app = create_app(api_settings(), database_url=postgres.url, redis_url=own_redis.url())
    with ApiServer(app) as api:
        async with Load(api.url, references) as load:
            await asyncio.sleep(1.5)
            stopping = time.monotonic()
            await asyncio.to_thread(postgres.stop)
            down = time.monotonic()
            await asyncio.sleep(3)
            ready_down = await readyz(api.url)
            starting = time.monotonic()
            await asyncio.to_thread(postgres.start)
            up = time.monotonic()
            await asyncio.sleep(6)
            ready_up = await readyz(api.url)
            end = time.monotonic()

    statuses = Counter(a.status for a in load.answers)
    assert statuses.keys() <= {0, 200, 500, 503}, f"{statuses}; {load.errors}"
    before = [a for a in load.answers if a.sent + a.took < stopping]  # answered before the stop
    assert before and {a.status for a in before} == {200}
    during = load.between(down, starting)
    assert len(during) > 20
    assert all(a.status == 503 and a.problem for a in during)
    # No request waited on the dead server: each was answered within the engine's connect
    # timeout (lgsco_shared/db.py), a bound from configuration, not from this machine's speed.
    assert max(a.took for a in during) <= CONNECT_TIMEOUT
    assert all(a.problem for a in load.answers if a.status == 503)
    assert ready_down.status_code == 503
    body = ready_down.json()
    assert "database" in body["unavailable"] and body["checks"]["database"].startswith("unreach")
    after = load.between(up + 5, end)
    assert after and {a.status for a in after} == {200}, "not serving 5 s after the database"
    first_ok = min(a.sent for a in load.between(up, end) if a.status == 200)
    assert first_ok - up < 5
    assert ready_up.status_code == 200
    # 500 or a dropped connection (0): the database going away was taken for a bug.
    assert not (statuses[500] or statuses[0]), f"{statuses}; {load.errors}"
    print(
        f"\nrecovered {first_ok - up:.2f} s after the database; slowest 503 "
        f"{max(a.took for a in during):.3f} s; {len(load.answers)} requests"
    )


async def test_redis_outage_keeps_reads_and_refuses_job_submission(
    postgres: PostgresSwitch, own_redis: EmbeddedRedis
) -> None:
    references, token = await seed(postgres.url)
    app = create_app(api_settings(), database_url=postgres.url, redis_url=own_redis.url())
    job = {"kind": "ingest_reference", "reference": references[0]}
    auth = {"Authorization": f"Bearer {token}"}
    with ApiServer(app) as api:
        async with httpx.AsyncClient(base_url=api.url, timeout=10) as client:
            assert (await client.post("/v1/jobs", json=job, headers=auth)).status_code == 202
            await asyncio.to_thread(kill_redis, own_redis)
            async with Load(api.url, references, clients=2) as load:
                await asyncio.sleep(1.0)
                asked = time.monotonic()
                other = {"kind": "ingest_reference", "reference": references[1]}
                refused = await client.post("/v1/jobs", json=other, headers=auth)
                took = time.monotonic() - asked
                ready = await client.get("/readyz")
                await asyncio.sleep(0.5)
    assert load.answers and {a.status for a in load.answers} == {200}
    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["unavailable"] == ["queue"] and "Retry-After" in refused.headers
    # Refused without waiting on the dead Redis longer than its connect timeout allows.
    assert took <= 2 * jobqueue.redis_settings(own_redis.url()).conn_timeout
    assert ready.status_code == 503 and ready.json()["unavailable"] == ["queue"]
