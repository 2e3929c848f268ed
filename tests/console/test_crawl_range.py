"""The console's crawl form refuses the windows the API refuses (tests/api/test_crawl_ranges.py):
before the LGSCO's earliest decisions, or longer than LGSCO_MAX_CRAWL_MONTHS."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_shared.models import IngestRun
from tests.console.conftest import csrf, page, send_form
from tests.console.test_act import sign_in, token_of

WHOLE_CALENDAR = {"kind": "crawl", "from": "0001-01-01", "to": "9999-12-31"}


async def runs(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(IngestRun)) or 0)


async def test_the_console_form_refuses_it(
    own_site: AsyncClient, make_key: Any, session: AsyncSession
) -> None:
    await sign_in(own_site, await token_of(make_key, "jobs:write"))
    tree = page(await own_site.get("/console/jobs"))
    before = await runs(session)
    response = await send_form(
        own_site, "/console/jobs", {"csrf": csrf(tree, "#crawl-form"), **WHOLE_CALENDAR}
    )
    assert response.status_code == 422
    assert "earliest date a crawl may start" in response.text
    assert await runs(session) == before


async def test_the_console_form_refuses_a_window_too_long(
    own_site: AsyncClient, make_key: Any, session: AsyncSession
) -> None:
    await sign_in(own_site, await token_of(make_key, "jobs:write"))
    tree = page(await own_site.get("/console/jobs"))
    before = await runs(session)
    body = {"kind": "crawl", "from": "2011-01-01", "to": "2024-12-31"}
    response = await send_form(
        own_site, "/console/jobs", {"csrf": csrf(tree, "#crawl-form"), **body}
    )
    assert response.status_code == 422
    assert "168 months" in response.text and "at most 120 months" in response.text
    assert await runs(session) == before
