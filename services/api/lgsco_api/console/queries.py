"""The few reads only the console makes: a quarantined page, and a crawl's window checkpoints.
Every figure the API also shows comes from lgsco_api.queries, never from here."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_shared.models import CrawlWindow, IngestFailure, RawPage


async def get_failure(session: AsyncSession, failure_id: int) -> IngestFailure | None:
    return await session.get(IngestFailure, failure_id)


async def get_raw_page(session: AsyncSession, raw_page_id: int) -> RawPage | None:
    return await session.get(RawPage, raw_page_id)


async def windows_of(session: AsyncSession, run_id: int) -> list[CrawlWindow]:
    """The date windows a crawl run has checkpointed, in date order."""
    query = (
        select(CrawlWindow)
        .where(CrawlWindow.run_id == run_id)
        .order_by(CrawlWindow.starts_on, CrawlWindow.id)
        .limit(500)
    )
    return list((await session.scalars(query)).all())
