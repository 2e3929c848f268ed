"""A crawl cannot ask for an unbounded amount of work: a window starting before the LGSCO's
earliest decisions, or longer than LGSCO_MAX_CRAWL_MONTHS, is refused by the API (422), the
console's form (tests/console/test_crawl_range.py) and `lgsco crawl`, and no run is recorded;
`0001-01-01..9999-12-31` (119,987 month windows) included. A worker given such a run anyway
starts at the earliest date."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner

from lgsco_cli.cli import app
from lgsco_ingest.crawl import Crawler
from lgsco_ingest.fetch import SiteClient
from lgsco_shared import crawlrange
from lgsco_shared.models import IngestRun
from tests.api.conftest import _client, build_app
from tests.fakesite.server import FakeSite

WHOLE_CALENDAR = {"kind": "crawl", "from": "0001-01-01", "to": "9999-12-31"}


async def runs(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(IngestRun)) or 0)


def test_the_limits() -> None:
    assert crawlrange.months_spanned(date(2024, 1, 31), date(2024, 2, 1)) == 2
    assert crawlrange.refusal(date(2015, 1, 1), date(2024, 12, 31)) is None  # 120 months
    assert crawlrange.refusal(date(2014, 12, 31), date(2024, 12, 31)) == (
        "'to' (2024-12-31) is 121 months after 'from' (2014-12-31); one crawl covers at most "
        "120 months (LGSCO_MAX_CRAWL_MONTHS): request several shorter windows"
    )
    assert crawlrange.refusal(date(1, 1, 1), date(9999, 12, 31)) == (
        "'from' (0001-01-01) is before 2010-01-01, the earliest date a crawl may start (the LGSCO "
        "keeps decisions on its website for five years): start on 2010-01-01 or later"
    )


class TestApi:
    @pytest.mark.parametrize(
        ("body", "field", "words"),
        [
            (WHOLE_CALENDAR, "from", "earliest date a crawl may start"),
            ({"kind": "crawl", "from": "2009-12-31", "to": "2010-01-31"}, "from", "earliest"),
            ({"kind": "crawl", "from": "2012-01-01", "to": "2024-12-31"}, "to", "156 months"),
        ],
    )
    async def test_an_unbounded_window_is_422_and_records_nothing(
        self,
        api: AsyncClient,
        session: AsyncSession,
        make_key: Any,
        body: dict[str, str],
        field: str,
        words: str,
    ) -> None:
        before = await runs(session)
        response = await api.post("/v1/jobs", json=body, headers=await make_key("jobs:write"))
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert field in str(response.json()["errors"]) and words in response.json()["detail"]
        assert await runs(session) == before

    async def test_the_ceiling_is_a_setting(
        self, database_url: str, redis_url: str, session: AsyncSession, make_key: Any
    ) -> None:
        app_ = build_app(database_url, redis_url, session, max_crawl_months=3)
        body = {"kind": "crawl", "from": "2024-01-01", "to": "2024-04-30"}
        async for api in _client(app_):
            response = await api.post("/v1/jobs", json=body, headers=await make_key("jobs:write"))
            assert response.status_code == 422
            assert "at most 3 months" in response.json()["detail"]


def test_the_cli_refuses_it(emptied_database_url: str, redis_url: str) -> None:
    env = {
        "LGSCO_DATABASE_URL": emptied_database_url,
        "LGSCO_REDIS_URL": redis_url,
        "LGSCO_SITE_URL": "http://127.0.0.1:9",  # nothing is fetched
        "LGSCO_LOG_FORMAT": "text",
    }
    result = CliRunner().invoke(
        app, ["crawl", "--from", "0001-01-01", "--to", "9999-12-31"], env=env
    )
    assert result.exit_code != 0
    assert "error: --from 'from' (0001-01-01) is before 2010-01-01, the earliest" in result.output
    long = CliRunner().invoke(
        app,
        ["crawl", "--from", "2012-01-01", "--to", "2024-12-31"],
        env=env | {"LGSCO_MAX_CRAWL_MONTHS": "24"},
    )
    assert long.exit_code != 0 and "at most 24 months" in long.output


async def test_a_worker_given_such_a_run_starts_at_the_earliest_date(
    fake_site: FakeSite, sessionmaker: async_sessionmaker[AsyncSession], client: SiteClient
) -> None:
    crawler = Crawler(sessionmaker, client, today=lambda: date(2010, 2, 15))
    report = await crawler.crawl(date(1, 1, 1), date(9999, 12, 31))
    assert report.windows_done == 2  # January and February 2010, not 119,987 windows
    assert report.clamped_to == date(2010, 2, 15)
