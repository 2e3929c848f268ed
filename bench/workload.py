"""What the API benchmark asks: the URLs of each endpoint, chosen from the database's contents,
and the SQL the API runs for each (captured in-process, for the asyncpg floor and EXPLAIN)."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy import event

from bench.common import fetch
from lgsco_api.keys import service as keys
from lgsco_api.main import create_app
from lgsco_shared.db import make_engine, make_sessionmaker
from lgsco_shared.settings import Settings

PRIVATE = ("/v1/remedies",)  # council data: a key is needed even where reads are open


def headers_for(path: str, token: str) -> dict[str, str]:
    """The Authorization a council system would send for `path` (none for public data)."""
    return {"Authorization": f"Bearer {token}"} if path.startswith(PRIVATE) else {}


async def bench_key(database_url: str) -> str:
    """A key with scope read, for the endpoints that need one."""
    engine = make_engine(database_url)
    async with make_sessionmaker(engine)() as session:
        _key, token = await keys.create_key(session, f"bench-{random.randrange(10**9)}", ["read"])
        await session.commit()
    await engine.dispose()
    return token


Statement = tuple[str, tuple[Any, ...]]
TERMS = (
    "homelessness", "council tax", "parking", "care home", "school transport", "planning",
    "apologise", "noise", "direct payments", "safeguarding", "housing benefit", "complaint delay",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Endpoint:
    name: str
    label: str  # as shown in the results
    target_p99_ms: float
    list_or_stat: bool  # EXPLAIN it and note the scans


ENDPOINTS = (
    Endpoint("by_reference", "decision by reference", 15, False),
    Endpoint("filtered_list", "filtered list", 40, True),
    Endpoint("full_text", "full-text query", 80, True),
    Endpoint("stats_all_years", "stats/outcomes by organisation, all years", 100, True),
    Endpoint("stats_one_year", "stats/outcomes by organisation, one year", 100, True),
    Endpoint("annual_report", "reports/annual", 100, True),
    Endpoint("remedies", "remedies list", 40, True),
)


def _url(path: str, **params: object) -> str:
    return f"{path}?{urlencode(params)}" if params else path


async def urls(database_url: str, seed: int = 1) -> dict[str, list[str]]:
    """Per endpoint, the URLs to cycle through (real references, busy organisations, etc.)."""
    rng = random.Random(seed)
    refs = [r["reference"] for r in await fetch(database_url, "SELECT reference FROM decision")]
    orgs = [
        r["name"]
        for r in await fetch(
            database_url,
            "SELECT o.name FROM organisation o JOIN decision_organisation l"
            " ON l.organisation_id = o.id GROUP BY o.name ORDER BY count(*) DESC, o.name LIMIT 10",
        )
    ]
    categories = [
        r["category"]
        for r in await fetch(
            database_url,
            "SELECT category FROM decision WHERE category IS NOT NULL"
            " GROUP BY category ORDER BY count(*) DESC LIMIT 4",
        )
    ]
    years = ["2022-23", "2023-24", "2024-25"]
    lists = "/v1/decisions"
    return {
        "by_reference": [
            f"{lists}/{ref.replace(' ', '-')}" for ref in rng.sample(refs, min(300, len(refs)))
        ],
        "filtered_list": [
            *(
                _url(lists, category=c, outcome="upheld", financial_year=y)
                for c in categories
                for y in years
            ),
            *(_url(lists, organisation=o) for o in orgs[:4]),
            _url(lists, has_remedy="true", decided_from="2019-01-01", decided_to="2019-12-31"),
            _url(lists, outcome="not_upheld", decided_from="2024-01-01"),
        ],
        "full_text": [_url(lists, q=term) for term in TERMS],
        "stats_all_years": [_url("/v1/stats/outcomes", group_by="organisation")],
        "stats_one_year": [
            _url("/v1/stats/outcomes", group_by="organisation", financial_year=y) for y in years
        ],
        "annual_report": [
            _url("/v1/reports/annual", organisation=o, financial_year=y)
            for o in orgs
            for y in years[1:]
        ],
        "remedies": [
            "/v1/remedies",
            _url("/v1/remedies", type="financial_payment"),
            _url("/v1/remedies", status="overdue"),
            _url("/v1/remedies", financial_year="2023-24"),
            *(_url("/v1/remedies", organisation=o) for o in orgs[:3]),
            _url("/v1/remedies", organisation=orgs[0], type="apology"),
        ],
    }


async def capture(
    database_url: str, redis_url: str, plan_urls: dict[str, list[str]], token: str
) -> dict[str, list[list[Statement]]]:
    """Call every URL on the app in-process; the SQL it sent, per URL. Non-200 is an error."""
    settings = Settings(_env_file=None, rate_limit_per_minute=0, log_level="WARNING")  # type: ignore[call-arg]
    app = create_app(settings, database_url=database_url, redis_url=redis_url)
    captured: list[Statement] = []

    def record(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        captured.append((sql, tuple(params or ())))

    out: dict[str, list[list[Statement]]] = {}
    async with app.router.lifespan_context(app):
        event.listen(app.state.engine.sync_engine, "before_cursor_execute", record)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for endpoint, paths in plan_urls.items():
                out[endpoint] = []
                for path in paths:
                    captured.clear()
                    response = await client.get(path, headers=headers_for(path, token))
                    if response.status_code != 200:
                        said = f"{response.status_code}: {response.text[:500]}"
                        raise RuntimeError(f"{path} answered {said}")
                    out[endpoint].append(list(captured))
    return out


def plan(
    database_url: str, redis_url: str, token: str
) -> tuple[dict[str, list[str]], dict[str, Any]]:
    plan_urls = asyncio.run(urls(database_url))
    return plan_urls, asyncio.run(capture(database_url, redis_url, plan_urls, token))
