"""One rule for unknown organisations: every endpoint that takes `organisation` answers 404
problem+json naming the stored names most like it, never 200 with zeros."""

from __future__ import annotations

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.api.factories import make_decision

ENDPOINTS = [
    ("/v1/decisions", {}),
    ("/v1/categories", {}),
    ("/v1/stats/outcomes", {}),
    ("/v1/stats/compare", {}),
    ("/v1/reports/annual", {"financial_year": "2023-24"}),
    ("/v1/remedies", {}),
    ("/v1/stats/remedies", {}),
    ("/v1/stats/compliance", {}),
]


@pytest.mark.parametrize(("path", "params"), ENDPOINTS)
async def test_a_typo_is_404_with_similar_names(
    council_api: AsyncClient, session: AsyncSession, path: str, params: dict[str, str]
) -> None:
    api = council_api  # remedy tracking is council data: sent with a council's key
    await make_decision(session, organisations=("Kent County Council",))
    await make_decision(session, organisations=("Kensington Care Homes Ltd",))
    known = await api.get(path, params=params | {"organisation": "kent county council"})
    assert known.status_code == 200, known.text

    response = await api.get(path, params=params | {"organisation": "Kent Conty Council"})
    assert response.status_code == 404, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["parameter"] == "organisation"
    assert problem["value"] == "Kent Conty Council"
    assert problem["similar"][0] == "Kent County Council"
    assert "Kent County Council" in problem["detail"]


@pytest.mark.parametrize(("path", "params"), ENDPOINTS)
async def test_an_unknown_id_is_404_too(
    council_api: AsyncClient, session: AsyncSession, path: str, params: dict[str, str]
) -> None:
    api = council_api  # remedy tracking is council data: sent with a council's key
    await make_decision(session, organisations=("Kent County Council",))
    response = await api.get(path, params=params | {"organisation": "999999"})
    assert response.status_code == 404
    assert response.json()["similar"] == []


async def test_one_unknown_among_several_is_404(api: AsyncClient, session: AsyncSession) -> None:
    await make_decision(session, organisations=("Kent County Council",))
    response = await api.get(
        "/v1/decisions", params=[("organisation", "Kent County Council"), ("organisation", "Kint")]
    )
    assert response.status_code == 404
    assert response.json()["value"] == "Kint"
