"""A person at the console meets console pages, never raw problem+json: refused for going too
fast, they get a page saying when to try again; a form with several mistakes names them all."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.api.test_rate_limit import client, started, unique_address
from tests.console.conftest import console_app, csrf, page, send_form, text
from tests.console.test_act import run_count, sign_in, token_of


async def test_a_rate_limited_console_page_is_an_html_page(
    database_url: str, redis_url: str
) -> None:
    app = console_app(database_url, redis_url, rate_limit_per_minute=2)
    async with started(app), client(app, unique_address()) as http:
        for _ in range(2):
            assert (await http.get("/console/runs")).status_code == 200
        refused = await http.get("/console/runs")
        api = await http.get("/v1/decisions")
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("text/html")
    assert int(refused.headers["retry-after"]) > 0
    tree = page(refused)
    assert text(tree.css_first("h1")) == "Too many requests"
    message = text(tree.css_first("#message"))
    assert "the limit is 2 a minute" in message and "retry after" in message
    assert tree.css_first("a[href='/console']") is not None
    # The API's own answer stays problem+json for programs.
    assert api.status_code == 429
    assert api.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        (
            {"decided_from": "2024-13-01", "financial_year": "2023-25"},
            {"decided_from", "financial_year"},
        ),
        (
            {
                "decided_from": "2024-02-01",
                "decided_to": "2024-01-01",
                "financial_year": "2023-25",
                "changed_since": "yesterday",
            },
            {"decided_to", "financial_year", "changed_since"},
        ),
    ],
)
async def test_a_search_form_shows_every_error_at_once(
    own_site: AsyncClient, session: AsyncSession, query: dict[str, Any], fields: set[str]
) -> None:
    response = await own_site.get("/console/decisions", params=query)
    assert response.status_code == 422
    tree = page(response)
    shown = {
        str(node.attributes["id"]).removeprefix("field-").removesuffix("-error")
        for node in tree.css("[id^=field-][id$=-error]")
    }
    assert shown == fields
    summary = tree.css_first("#error-summary")
    assert summary is not None and len(summary.css("li")) == len(fields)


async def test_the_api_names_every_bad_filter_too(own_site: AsyncClient) -> None:
    query = {"decided_from": "2024-02-01", "decided_to": "2024-01-01", "financial_year": "2023-25"}
    response = await own_site.get("/v1/decisions", params=query)
    assert response.status_code == 422
    errors = {e["parameter"] for e in response.json()["errors"]}
    assert errors == {"decided_to", "financial_year"}


async def test_a_crawl_form_shows_every_error_at_once(
    own_site: AsyncClient, make_key: Any, session: AsyncSession
) -> None:
    await sign_in(own_site, await token_of(make_key, "jobs:write"))
    before = await run_count(session)
    tree = page(await own_site.get("/console/jobs"))
    data = {"kind": "crawl", "from": "", "to": "2024-13-01", "organisation": "x" * 301}
    response = await send_form(
        own_site, "/console/jobs", {"csrf": csrf(tree, "#crawl-form"), **data}
    )
    assert response.status_code == 422
    shown = page(response)
    for field in ("from", "to", "organisation"):
        assert shown.css_first(f"#error-summary a[href='#field-{field}']") is not None, field
    assert "Enter the first decision date" in text(shown.css_first("#error-summary"))
    assert await run_count(session) == before


async def test_a_database_outage_on_a_console_page_is_an_html_page(redis_url: str) -> None:
    app = console_app("postgresql://postgres@127.0.0.1:9/nowhere", redis_url)
    async with started(app), client(app, unique_address()) as http:
        shown = await http.get("/console/decisions")
        api = await http.get("/v1/decisions")
    assert api.status_code == 503
    assert api.headers["content-type"].startswith("application/problem+json")
    assert shown.status_code == 503
    assert shown.headers["content-type"].startswith("text/html")
    tree = page(shown)
    assert text(tree.css_first("#message")) == api.json()["detail"]
    assert shown.headers.get("retry-after") == api.headers.get("retry-after")
    assert tree.css_first("a[href='/console']") is not None
