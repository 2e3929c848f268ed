"""A request that cannot get a database connection in time is shed with a 503 that says the
service is busy (not that the database is down), with Retry-After. Exhausting the real pool
needs twenty slow requests, so the pool's own exception is raised from a route instead."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from httpx import AsyncClient
from sqlalchemy.exc import TimeoutError as PoolTimeout

from tests.api.conftest import _client, build_app

function_loop = pytest_asyncio.fixture(loop_scope="function")


@function_loop
async def busy_api(database_url: str, redis_url: str) -> AsyncIterator[AsyncClient]:
    app = build_app(database_url, redis_url)

    @app.get("/busy-probe", include_in_schema=False)
    async def busy() -> None:
        raise PoolTimeout("QueuePool limit of size 10 overflow 10 reached")

    async for client in _client(app):
        yield client


async def test_an_exhausted_pool_answers_503_busy(busy_api: AsyncClient) -> None:
    response = await busy_api.get("/busy-probe")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "5"
    body = response.json()
    assert body["unavailable"] == ["database"]
    assert body["detail"].startswith("The service is busy")
