"""Rate limits: per client address and per API key, counted in Redis so replicas share them,
429 problem+json with Retry-After, and open (with a metric) when Redis is down."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_api.keys import service as keys
from lgsco_api.kit.ratelimit import client_address
from tests.api.conftest import build_app

PROBLEM = "application/problem+json"


def unique_address() -> str:
    """A fresh documentation-range /64, so no earlier window in the shared Redis counts for it."""
    return f"2001:db8:{secrets.token_hex(2)}:{secrets.token_hex(2)}::1"


@asynccontextmanager
async def started(app: FastAPI) -> AsyncIterator[FastAPI]:
    async with app.router.lifespan_context(app):
        yield app


def client(app: FastAPI, address: str) -> AsyncClient:
    return AsyncClient(
        transport=ASGITransport(app=app, client=(address, 50000)), base_url="http://test"
    )


async def statuses(http: AsyncClient, path: str, n: int, **kwargs: Any) -> list[int]:
    return [(await http.get(path, **kwargs)).status_code for _ in range(n)]


class TestClientAddress:
    def test_ipv6_counts_by_64_and_mapped_ipv4_as_ipv4(self) -> None:
        first = client_address({"client": ("2001:db8:1:2::1", 1)})
        other_host = client_address({"client": ("2001:db8:1:2:ffff::9", 1)})
        assert first == other_host == "2001:db8:1:2::/64"
        assert client_address({"client": ("::ffff:192.0.2.1", 1)}) == "192.0.2.1"
        assert client_address({"client": None}) == "unknown"


class TestAddressLimit:
    async def test_over_the_limit_is_429_with_retry_after(
        self, database_url: str, redis_url: str, session: AsyncSession
    ) -> None:
        app = build_app(database_url, redis_url, session, rate_limit_per_minute=3)
        address = unique_address()
        async with started(app), client(app, address) as http:
            first = await http.get("/v1/decisions")
            assert first.status_code == 200
            assert first.headers["ratelimit-limit"] == "3"
            assert first.headers["ratelimit-remaining"] == "2"
            assert await statuses(http, "/v1/decisions", 2) == [200, 200]
            refused = await http.get("/v1/decisions")
            assert refused.status_code == 429
            assert refused.headers["content-type"] == PROBLEM
            assert 1 <= int(refused.headers["retry-after"]) <= 60
            assert refused.json()["retry_after"] == int(refused.headers["retry-after"])
            assert "this address" in refused.json()["detail"]
            assert refused.headers["x-request-id"] and refused.json()["request_id"]
            async with client(app, unique_address()) as neighbour:
                assert (await neighbour.get("/v1/decisions")).status_code == 200

    async def test_replicas_share_one_count(
        self, database_url: str, redis_url: str, session: AsyncSession
    ) -> None:
        one = build_app(database_url, redis_url, session, rate_limit_per_minute=4)
        two = build_app(database_url, redis_url, session, rate_limit_per_minute=4)
        address = unique_address()
        async with started(one), started(two), client(one, address) as a, client(two, address) as b:
            seen = [(await (a, b)[i % 2].get("/v1/organisations")).status_code for i in range(6)]
        assert seen == [200, 200, 200, 200, 429, 429]

    async def test_concurrent_requests_are_counted_exactly(
        self, database_url: str, redis_url: str
    ) -> None:
        app = build_app(database_url, redis_url, rate_limit_per_minute=10)
        async with started(app), client(app, unique_address()) as http:
            answers = await asyncio.gather(*(http.get("/openapi.json") for _ in range(25)))
        codes = sorted(r.status_code for r in answers)
        assert codes.count(200) == 10 and codes.count(429) == 15

    async def test_a_new_window_lets_requests_through_again(
        self, database_url: str, redis_url: str
    ) -> None:
        app = build_app(database_url, redis_url, rate_limit_per_minute=1)
        address = unique_address()
        redis = Redis.from_url(redis_url)
        try:
            async with started(app), client(app, address) as http:
                assert await statuses(http, "/openapi.json", 2) == [200, 429]
                # End the window now instead of waiting a minute for it.
                counted = client_address({"client": (address, 1)})
                assert await redis.pexpire(f"lgsco:ratelimit:address:{counted}", 1)
                await asyncio.sleep(0.05)
                assert (await http.get("/openapi.json")).status_code == 200
        finally:
            await redis.aclose()

    async def test_health_probes_are_never_limited(self, database_url: str, redis_url: str) -> None:
        app = build_app(database_url, redis_url, rate_limit_per_minute=1)
        async with started(app), client(app, unique_address()) as http:
            assert await statuses(http, "/healthz", 5) == [200] * 5
            assert (await http.get("/readyz")).status_code == 200


class TestKeyLimit:
    async def test_a_genuine_key_is_counted_by_key_from_any_address(
        self, database_url: str, redis_url: str, session: AsyncSession
    ) -> None:
        app = build_app(
            database_url,
            redis_url,
            session,
            rate_limit_per_minute=2,
            rate_limit_per_key_per_minute=4,
        )
        _key, token = await keys.create_key(session, "busy-sync", ["read"])
        keyed = {"Authorization": f"Bearer {token}"}
        home, away = unique_address(), unique_address()
        async with started(app), client(app, home) as http, client(app, away) as other:
            # Past the address limit of 2, within the key's 4.
            assert await statuses(http, "/v1/decisions", 3, headers=keyed) == [200] * 3
            assert (await http.get("/v1/decisions")).status_code == 200  # address still unspent
            assert (await other.get("/v1/status", headers=keyed)).status_code == 200
            refused = await other.get("/v1/decisions", headers=keyed)
            assert refused.status_code == 429
            assert "this API key" in refused.json()["detail"]
            assert int(refused.headers["retry-after"]) >= 1
            assert await statuses(http, "/v1/decisions", 2) == [200, 429]  # address: 2 a minute

    async def test_made_up_tokens_are_counted_by_address(
        self, database_url: str, redis_url: str, session: AsyncSession
    ) -> None:
        app = build_app(database_url, redis_url, session, rate_limit_per_minute=3)
        async with started(app), client(app, unique_address()) as http:
            seen = []
            for _ in range(5):
                forged = f"lgsco_{secrets.token_hex(6)}_{secrets.token_urlsafe(32)}"
                headers = {"Authorization": f"Bearer {forged}"}
                seen.append((await http.get("/v1/decisions", headers=headers)).status_code)
            assert seen == [401, 401, 401, 429, 429]
            basic = await http.get("/v1/decisions", headers={"Authorization": "Basic eDp5"})
            assert basic.status_code == 429
            unknown_path = await http.get("/v1/nothing", headers={"Authorization": "Bearer x"})
            assert unknown_path.status_code == 429
            assert unknown_path.headers["content-type"] == PROBLEM

    async def test_a_token_on_an_unrouted_path_is_still_counted(
        self, database_url: str, redis_url: str
    ) -> None:
        app = build_app(database_url, redis_url, rate_limit_per_minute=2)
        headers = {"Authorization": "Bearer lgsco_000000000000_" + "x" * 43}
        async with started(app), client(app, unique_address()) as http:
            assert await statuses(http, "/v1/nothing", 3, headers=headers) == [404, 404, 429]


class TestRedisDown:
    async def test_reads_keep_working_and_metrics_say_unchecked(
        self, database_url: str, session: AsyncSession
    ) -> None:
        app = build_app(database_url, "redis://127.0.0.1:1/0", session, rate_limit_per_minute=2)
        async with started(app), client(app, unique_address()) as http:
            began = time.perf_counter()
            assert await statuses(http, "/v1/decisions", 6) == [200] * 6
            assert time.perf_counter() - began < 3.0
            metrics = (await http.get("/metrics")).text
        assert 'lgsco_backend_up{service="rate_limiter"} 0.0' in metrics
        unchecked = next(
            line for line in metrics.splitlines() if line.startswith("lgsco_rate_limit_unchecked")
        )
        assert float(unchecked.split()[-1]) >= 6
