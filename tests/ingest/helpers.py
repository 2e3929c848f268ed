"""Shared steps of the ingest tests: crawl a fake site and read back what was stored."""

from __future__ import annotations

from datetime import date

from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from lgsco_ingest.crawl import Crawler, CrawlReport, Progress
from lgsco_ingest.worker import site_client
from lgsco_shared.models import Decision
from tests.conftest import settings_for
from tests.fakesite.server import FakeSite


async def crawl(
    sessionmaker: async_sessionmaker[AsyncSession],
    redis: Redis,
    site: FakeSite,
    start: date,
    end: date,
    *,
    concurrency: int = 4,
    progress: Progress | None = None,
    **settings: object,
) -> CrawlReport:
    client = site_client(settings_for(site.url, **settings), redis)
    try:
        return await Crawler(sessionmaker, client, concurrency=concurrency).crawl(
            start, end, progress=progress
        )
    finally:
        await client.aclose()


async def stored(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, Decision]:
    async with sessionmaker() as session:
        rows = await session.scalars(select(Decision).options(selectinload(Decision.organisations)))
        return {d.reference: d for d in rows}


async def count(sessionmaker: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)
