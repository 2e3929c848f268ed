"""Full-text search ranks a bounded set: the newest LGSCO_SEARCH_RANKED matches, and says so.
A distinctive phrase still finds the decision that holds it, however old, because few
decisions match it; a common word is ranked among its newest matches, and `ranking` gives the
number that matched and the number ranked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.api.conftest import _client, build_app, function_loop
from tests.api.factories import make_decision

RANKED = 10
COMMON = 25


@function_loop
async def search_api(
    database_url: str, redis_url: str, session: AsyncSession
) -> AsyncIterator[AsyncClient]:
    async for client in _client(build_app(database_url, redis_url, session, search_ranked=RANKED)):
        yield client


@pytest.fixture
async def corpus(session: AsyncSession) -> dict[str, int]:
    """25 decisions about a care home, one a day from 2024-01-01; the oldest also holds a
    distinctive phrase."""
    ids: dict[str, int] = {}
    for n in range(COMMON):
        body = "The care home charged the resident. " + (
            "The council lost the deprivation of assets paperwork twice." if n == 0 else ""
        )
        decision = await make_decision(
            session,
            decided_on=date(2024, 1, 1) + timedelta(days=n),
            summary=f"Complaint {n} about a care home.",
            body_text=body,
        )
        ids[f"day{n}"] = decision.id
    return ids


async def test_a_distinctive_phrase_finds_its_decision_however_old(
    search_api: AsyncClient, corpus: dict[str, int]
) -> None:
    response = await search_api.get("/v1/decisions", params={"q": '"deprivation of assets"'})
    assert response.status_code == 200, response.text
    page = response.json()
    assert [item["id"] for item in page["items"]] == [corpus["day0"]]
    assert page["ranking"] == {"matches": 1, "ranked": 1, "note": "all 1 matches ranked"}


async def test_a_common_word_is_ranked_among_its_newest_matches_and_says_so(
    search_api: AsyncClient, corpus: dict[str, int]
) -> None:
    seen: list[int] = []
    params = {"q": "care home", "limit": "4"}
    while True:
        page = (await search_api.get("/v1/decisions", params=params)).json()
        seen += [item["id"] for item in page["items"]]
        assert page["ranking"]["matches"] == COMMON and page["ranking"]["ranked"] == RANKED
        assert "top 10 of 25" in page["ranking"]["note"]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    newest = {corpus[f"day{n}"] for n in range(COMMON - RANKED, COMMON)}
    assert len(seen) == RANKED and set(seen) == newest


async def test_sorting_by_date_reads_past_the_ranked_set(
    search_api: AsyncClient, corpus: dict[str, int]
) -> None:
    page = (
        await search_api.get(
            "/v1/decisions", params={"q": "care home", "sort": "decided_on", "limit": 200}
        )
    ).json()
    assert len(page["items"]) == COMMON and page["ranking"] is None
    assert page["items"][0]["id"] == corpus["day0"]
