"""Every bomb at once in one fresh process, as `lgsco up` runs the API and the worker: a
decompression bomb page, a parser bomb page (through the pre-checks, and past them to the child's
CPU limit), and webhook receivers sending an endless answer, a gzip bomb and a slow drip; while
a thread asks the API's /healthz every 50 ms. Prints one JSON object: the peak RSS of this
process, the slowest /healthz, and what became of each bomb.

Run by tests/security/test_bombs_rss.py in a subprocess of its own, so that the RSS measured is
that of a worker-sized process, not of the test session: `python -m tests.security.bombs
DATABASE_URL REDIS_URL`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket
import sys
import threading
import time
from typing import Any

import httpx
import psutil
import uvicorn
from redis.asyncio import Redis
from sqlalchemy import select

from lgsco_api.main import create_app
from lgsco_ingest import parsebox
from lgsco_ingest.deliveries import tick
from lgsco_ingest.fetch import FetchError
from lgsco_ingest.parsebox import Limits, ParseLimit, Parser
from lgsco_ingest.worker import site_client, webhook_config
from lgsco_shared import events, webhooks
from lgsco_shared.db import make_engine, make_sessionmaker
from lgsco_shared.models import Delivery, DeliveryAttempt, Subscription
from tests.conftest import settings_for
from tests.security.rss import Sampler
from tests.security.test_hostile_pages import bomb, head, hostile
from tests.security.test_parser_bombs import parser_bomb
from tests.webhooks.hostile import bomb_answer, drip, endless, gzip_bomb, hostile_receiver


class Health:
    """GET /healthz every 50 ms from a thread; the slowest answer (a timeout counts as 10 s)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.slowest = 0.0
        self.asked = 0
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=10) as http:
            while not self._stop.is_set():
                started = time.monotonic()
                try:
                    status = http.get(self.url + "/healthz").status_code
                    ok = status == 200
                    if not ok:
                        self.failures.append(f"HTTP {status}")
                except httpx.HTTPError as exc:
                    ok = False
                    self.failures.append(f"{type(exc).__name__}: {exc}")
                took = time.monotonic() - started
                self.slowest = max(self.slowest, took if ok else 10.0)
                self.asked += 1
                time.sleep(0.05)

    def __enter__(self) -> Health:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


async def page_bomb(redis: Redis, body: bytes) -> str:

    async def answer(writer: asyncio.StreamWriter) -> None:
        writer.write(head(Content_Encoding="gzip", Content_Length=str(len(body))) + body)

    async for url in hostile(answer):
        client = site_client(settings_for(url, max_retries=1), redis, rate_limited=False)
        try:
            await client.get("/decisions/x/y/25-000-001")
        except FetchError as exc:
            return str(exc)
        finally:
            await client.aclose()
    return "fetched"


async def parse_bombs() -> list[str]:
    found = []
    for limits in (
        Limits(),  # the pre-checks refuse it
        Limits(
            max_formatting=0, max_unclosed_formatting=0, max_depth=0, cpu_seconds=2, memory_mb=2048
        ),  # the child's CPU limit stops it
    ):
        try:
            await Parser(limits).decision(parser_bomb(), url="/decisions/x/y/1", reference=None)
            found.append("parsed")
        except ParseLimit as exc:
            found.append(exc.reason)
    return found


async def receiver_bombs(database_url: str, gzipped: bytes) -> dict[str, Any]:
    engine = make_engine(database_url, pool=False)
    sessionmaker = make_sessionmaker(engine)
    answers = {"endless": endless, "gzip": bomb_answer(gzipped), "drip": drip(0.2)}
    try:
        async with (
            hostile_receiver(answers["endless"]) as one,
            hostile_receiver(answers["gzip"]) as two,
            hostile_receiver(answers["drip"]) as three,
        ):
            names = {}
            async with sessionmaker.begin() as session:
                for name, receiver in (("endless", one), ("gzip", two), ("drip", three)):
                    sub = Subscription(
                        owner="bombs",
                        callback_url=f"{receiver.url}/hook",
                        events=[],
                        filters={},
                        due_soon_days=7,
                        secret=webhooks.new_secret(),
                        status="active",
                    )
                    session.add(sub)
                    await session.flush()
                    names[sub.id] = name
                    await events.ping(session, sub.id)
            config = webhook_config(
                settings_for(
                    "https://www.lgo.org.uk",
                    webhook_allow_http=True,
                    webhook_allowed_hosts=["127.0.0.1"],
                    webhook_timeout=2.0,
                )
            )
            started = time.monotonic()
            async with httpx.AsyncClient(follow_redirects=False) as http:
                await tick.run_once(sessionmaker, http, config)
            took = time.monotonic() - started
        async with sessionmaker() as session:
            rows = await session.execute(
                select(Delivery.subscription_id, Delivery.status, DeliveryAttempt.error).join(
                    DeliveryAttempt, DeliveryAttempt.delivery_id == Delivery.id
                )
            )
            outcome = {names[s]: [status, error] for s, status, error in rows}
        return {"seconds": round(took, 2), "deliveries": outcome}
    finally:
        await engine.dispose()


async def scenario(database_url: str, redis_url: str) -> dict[str, Any]:
    # The bombs are made first: making them is the test's work, not the service's.
    page_body, receiver_body = bomb(2_000_000_000), gzip_bomb(2_000_000_000)
    settings = settings_for("https://www.lgo.org.uk")
    app = create_app(settings, database_url=database_url, redis_url=redis_url)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    )
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.02)
    redis = Redis.from_url(redis_url)
    baseline = psutil.Process().memory_info().rss  # with the bombs' 4 MB of bytes held
    try:
        with Sampler() as rss, Health(f"http://127.0.0.1:{port}") as health:
            await asyncio.sleep(0.3)
            page, parsed, webhooks_ = await asyncio.gather(
                page_bomb(redis, page_body),
                parse_bombs(),
                receiver_bombs(database_url, receiver_body),
            )
            await asyncio.sleep(0.3)
    finally:
        await redis.aclose()
        server.should_exit = True
        await serving
        parsebox.close_all()
    return {
        "baseline_rss_mb": round(baseline / 2**20, 1),
        "peak_rss_mb": round(rss.peak / 2**20, 1),
        "slowest_healthz_s": round(health.slowest, 3),
        "healthz_asked": health.asked,
        "healthz_failures": health.failures[:5],
        "page": page,
        "parse": parsed,
        "webhooks": webhooks_,
        "parser_limits": dataclasses.asdict(Limits()),
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(scenario(sys.argv[1], sys.argv[2]))))
