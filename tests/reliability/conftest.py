"""Fixtures of the reliability tests: a pooled engine on a clean database (the crawls here are
large and concurrent, like the worker's), and the run record a crawl is carried out under."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_shared import runs
from lgsco_shared.db import make_engine, make_sessionmaker
from lgsco_shared.domain import RunKind
from lgsco_shared.jobs import CrawlRequest
from lgsco_shared.settings import Settings
from tests.conftest import truncate_all

Maker = async_sessionmaker[AsyncSession]


@pytest.fixture
async def pooled(database_url: str) -> AsyncIterator[Maker]:
    """A clean database behind a connection pool (the worker's own engine settings)."""
    await truncate_all(database_url)
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def create_crawl_run(sessionmaker: Maker, start: date, end: date) -> int:
    """Record a crawl run as `POST /v1/jobs` does (committed, not yet queued); its id."""
    request = CrawlRequest.model_validate({"kind": "crawl", "from": start, "to": end})
    async with sessionmaker.begin() as session:
        run, _created = await runs.find_or_create(
            session,
            kind=RunKind.CRAWL,
            job_key=request.job_key(),
            params=request.model_dump(mode="json", by_alias=True),
        )
    return run.id


def api_settings(**overrides: object) -> Settings:
    """Settings for an API under test: no rate limits (the tests send bursts on purpose)."""
    values: dict[str, object] = {
        "site_url": "https://www.lgo.org.uk",
        "log_level": "WARNING",
        "rate_limit_per_minute": 0,
        "rate_limit_per_key_per_minute": 0,
    }
    known = {k: v for k, v in (values | overrides).items() if k in Settings.model_fields}
    return Settings(**known)  # type: ignore[arg-type]
