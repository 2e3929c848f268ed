"""No redirect names the host the client claimed: a `Host` header is the client's to choose, so a
Location built from it would send a victim (or a cache) anywhere. Redirects are relative, or use
LGSCO_PUBLIC_URL."""

from __future__ import annotations

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.api.conftest import _client, build_app

EVIL = "evil.example"
PATHS = [
    "/v1/decisions/",
    "/v1/organisations/",
    "/v1/stats/outcomes/",
    "/v1/jobs/",
    "/console/",
    "/console/runs/",
    "/console/decisions/",
    "/docs/",
    "/healthz/",
    "/",
]


@pytest.mark.parametrize("path", PATHS)
async def test_a_redirect_never_names_the_claimed_host(api: AsyncClient, path: str) -> None:
    response = await api.get(path, headers={"Host": EVIL})
    location = response.headers.get("location", "")
    assert EVIL not in location, f"{path} -> {response.status_code} {location}"
    if response.is_redirect:
        assert location.startswith("/") and not location.startswith("//"), location


async def test_a_trailing_slash_redirect_goes_to_the_path_without_it(api: AsyncClient) -> None:
    response = await api.get("/v1/decisions/?limit=1", headers={"Host": EVIL})
    assert response.status_code in (307, 308)
    assert response.headers["location"] == "/v1/decisions?limit=1"
    followed = await api.get(response.headers["location"])
    assert followed.status_code == 200


async def test_with_a_public_url_redirects_use_it(
    database_url: str, redis_url: str, session: AsyncSession
) -> None:
    app = build_app(database_url, redis_url, session, public_url="https://decisions.example.gov.uk")
    async for api in _client(app):
        response = await api.get("/v1/decisions/", headers={"Host": EVIL})
        assert response.headers["location"] == "https://decisions.example.gov.uk/v1/decisions"
