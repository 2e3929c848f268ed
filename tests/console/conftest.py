"""Console test fixtures: the API app (main.py wires the console in), over the crawled
invented decisions (read-only) or over the test transaction (factory rows), and helpers to
read pages (selectolax) and to send the console's forms with their CSRF token."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from fastapi import FastAPI
from httpx import AsyncClient, Response
from redis.asyncio import Redis
from selectolax.lexbor import LexborHTMLParser, LexborNode
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_shared.queue import QUEUE_NAME
from tests.api import conftest as api_fixtures
from tests.api.conftest import _client, build_app

function_loop = pytest_asyncio.fixture(loop_scope="function")
# The API tests' fixtures, shared: `session` (a rolled-back transaction) and `make_key`.
session = api_fixtures.session
make_key = api_fixtures.make_key
reader = api_fixtures.reader  # a council's `read` key: runs and remedies need one


def console_app(
    database_url: str, redis_url: str, session: AsyncSession | None = None, **settings: Any
) -> FastAPI:
    return build_app(database_url, redis_url, session, **settings)


@function_loop
async def site(crawled_database_url: str, redis_url: str) -> AsyncIterator[AsyncClient]:
    """Console and API over the crawled decisions: one client for both, as a browser sees them."""
    async for c in _client(console_app(crawled_database_url, redis_url)):
        yield c


@function_loop
async def own_site(
    database_url: str, redis_url: str, session: AsyncSession
) -> AsyncIterator[AsyncClient]:
    """Console and API over the test transaction: factory rows made with `session` show."""
    async for c in _client(console_app(database_url, redis_url, session)):
        yield c


@function_loop
async def queued(redis_url: str) -> AsyncIterator[list[int]]:
    """Run ids a test queued; taken out of Redis afterwards so no worker picks them up."""
    ids: list[int] = []
    yield ids
    redis = Redis.from_url(redis_url)
    for run_id in ids:
        await redis.zrem(QUEUE_NAME, f"run:{run_id}")
        await redis.delete(f"arq:job:run:{run_id}")
    await redis.aclose()


def page(response: Response) -> LexborHTMLParser:
    assert response.headers["content-type"].startswith("text/html"), response.text[:300]
    return LexborHTMLParser(response.text)


def text(node: LexborNode | None) -> str:
    assert node is not None
    return " ".join(node.text(strip=False).split())


def number(value: str) -> int:
    """'1,234' -> 1234 as the console prints counts."""
    return int(value.replace(",", ""))


def rate(value: float | None) -> str:
    """The API's uphold rate as the console prints it."""
    return "—" if value is None else f"{value * 100:.1f}%"


def cells(tree: LexborHTMLParser, table_id: str) -> dict[str, dict[str, str]]:
    """{row header: {data-field: cell text}} of a console table's body."""
    rows: dict[str, dict[str, str]] = {}
    for tr in tree.css(f"#{table_id} tbody tr"):
        header = text(tr.css_first("th"))
        rows[header] = {
            str(td.attributes["data-field"]): text(td) for td in tr.css("td[data-field]")
        }
    return rows


def csrf(tree: LexborHTMLParser, form_selector: str) -> str:
    node = tree.css_first(f"{form_selector} input[name=csrf]")
    assert node is not None, f"no CSRF field in {form_selector}"
    return str(node.attributes["value"])


async def send_form(
    client: AsyncClient, path: str, data: dict[str, str], **kwargs: Any
) -> Response:
    """POST a form as a browser does from one of the site's pages (with the page's Origin)."""
    origin = str(client.base_url).rstrip("/")
    return await client.post(
        path,
        content="&".join(f"{k}={_quote(v)}" for k, v in data.items()),
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "origin": origin,
            **kwargs.pop("headers", {}),
        },
        **kwargs,
    )


def _quote(value: str) -> str:
    from urllib.parse import quote_plus

    return quote_plus(value)


RUN_PATH = re.compile(r"^/console/runs/(\d+)\?submitted=(new|existing)$")
