"""Job submission (scoped, idempotent, 503 without Redis) and run listings (schedules and
cancelling runs: test_schedules.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from httpx import AsyncClient
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_shared.domain import RunKind, RunStatus
from lgsco_shared.models import IngestFailure, IngestRun
from lgsco_shared.queue import QUEUE_NAME
from tests.api.conftest import _client, build_app

REQUEST = {"kind": "ingest_reference", "reference": "22-003-374"}


@pytest_asyncio.fixture(loop_scope="function")
async def queued(redis_url: str) -> AsyncIterator[list[int]]:
    """Run ids this test queued; removed from Redis afterwards so no worker picks them up."""
    ids: list[int] = []
    yield ids
    redis = Redis.from_url(redis_url)
    for run_id in ids:
        await redis.zrem(QUEUE_NAME, f"run:{run_id}")
        await redis.delete(f"arq:job:run:{run_id}")
    await redis.aclose()


class TestSubmitJob:
    async def test_needs_jobs_write(self, api: AsyncClient, make_key: Any) -> None:
        assert (await api.post("/v1/jobs", json=REQUEST)).status_code == 401
        reader = await make_key("read")
        response = await api.post("/v1/jobs", json=REQUEST, headers=reader)
        assert response.status_code == 403

    async def test_accepted_with_location_and_the_same_run_twice(
        self, api: AsyncClient, make_key: Any, queued: list[int], redis_url: str
    ) -> None:
        headers = await make_key("jobs:write")
        first = await api.post("/v1/jobs", json=REQUEST, headers=headers)
        assert first.status_code == 202, first.text
        run = first.json()
        queued.append(run["id"])
        assert first.headers["location"] == f"/v1/jobs/{run['id']}"
        assert run["created"] is True and run["status"] == "queued"
        assert run["params"] == {"kind": "ingest_reference", "reference": "22 003 374"}
        again = await api.post(
            "/v1/jobs", json={"kind": "ingest_reference", "reference": "22003374"}, headers=headers
        )
        assert again.status_code == 202
        assert again.json()["id"] == run["id"] and again.json()["created"] is False
        redis = Redis.from_url(redis_url)
        assert await redis.zscore(QUEUE_NAME, f"run:{run['id']}") is not None
        await redis.aclose()

    async def test_crawl_request(self, api: AsyncClient, make_key: Any, queued: list[int]) -> None:
        headers = await make_key("admin")
        body = {"kind": "crawl", "from": "2024-01-01", "to": "2024-01-31", "organisation": None}
        response = await api.post("/v1/jobs", json=body, headers=headers)
        assert response.status_code == 202, response.text
        queued.append(response.json()["id"])
        assert response.json()["kind"] == "crawl"

    @pytest.mark.parametrize(
        "body, parameter",
        [
            ({"kind": "ingest_reference", "reference": "22 003 37"}, "reference"),
            ({"kind": "crawl", "from": "2024-02-01", "to": "2024-01-01"}, "crawl"),
            ({"kind": "explode"}, "body"),
            ({"kind": "ingest_reference", "reference": "22 003 374", "x": 1}, "x"),
        ],
    )
    async def test_bad_requests_are_422_naming_the_field(
        self, api: AsyncClient, make_key: Any, body: dict[str, Any], parameter: str
    ) -> None:
        response = await api.post("/v1/jobs", json=body, headers=await make_key("jobs:write"))
        assert response.status_code == 422
        problem = response.json()
        assert response.headers["content-type"] == "application/problem+json"
        assert any(parameter in e["parameter"] for e in problem["errors"]), problem

    async def test_redis_down_is_503_and_nothing_is_recorded(
        self, database_url: str, session: AsyncSession, make_key: Any
    ) -> None:
        headers = await make_key("jobs:write")
        runs_before = await session.scalar(select(func.count()).select_from(IngestRun))
        app = build_app(database_url, "redis://127.0.0.1:1/0", session)
        async for api in _client(app):
            response = await api.post("/v1/jobs", json=REQUEST, headers=headers)
            assert response.status_code == 503
            assert response.json()["unavailable"] == ["queue"]
            assert "retry-after" in response.headers
            ready = await api.get("/readyz")
            assert ready.status_code == 503
            assert "queue" in ready.json()["detail"]
        assert await session.scalar(select(func.count()).select_from(IngestRun)) == runs_before


class TestRuns:
    async def test_detail_has_counts_timings_and_failures(
        self, api: AsyncClient, council_api: AsyncClient, session: AsyncSession
    ) -> None:
        run = IngestRun(
            kind=RunKind.CRAWL,
            job_key="crawl:test",
            params={"kind": "crawl"},
            status=RunStatus.SUCCEEDED,
            counts={"new": 3, "failed": 1},
        )
        session.add(run)
        await session.flush()
        session.add(
            IngestFailure(
                run_id=run.id, reference="22 003 374", url="/x", kind="parse", reason="no article"
            )
        )
        await session.flush()
        listing = (await council_api.get("/v1/jobs", params={"kind": "crawl"})).json()
        assert listing["items"][0]["id"] == run.id
        assert listing["items"][0]["failures_count"] == 1
        detail = (await council_api.get(f"/v1/jobs/{run.id}")).json()
        assert detail["counts"] == {"new": 3, "failed": 1}
        assert detail["failures"][0]["reason"] == "no article"
        assert (await council_api.get("/v1/jobs/2147483000")).status_code == 404
