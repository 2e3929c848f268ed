"""API test fixtures, built on the session fixtures of tests/conftest.py: `database_url` (a
migrated database for factory rows, each test inside a transaction that is rolled back),
`redis_url`, `corpus_database_url` (the corpus crawled from the fake site by the ingest worker,
read-only here) and `corpus` (its truth)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_api.keys import service as keys
from lgsco_api.kit.deps import get_session
from lgsco_api.main import create_app
from lgsco_shared.db import make_engine
from lgsco_shared.settings import Settings

# Each test runs in its own event loop (pytest-asyncio's default); the async fixtures here hold
# connections into the test, so they must run in that same loop, not the session loop that
# pyproject makes the default for fixtures.
function_loop = pytest_asyncio.fixture(loop_scope="function")


def make_settings(**overrides: Any) -> Settings:
    """Settings for a test app. Rate limits are off unless a test turns them on: every test
    client shares one address and one Redis, so a suite-wide count would refuse at random."""
    values: dict[str, Any] = {
        "site_url": "https://www.lgo.org.uk",
        "log_level": "WARNING",
        "rate_limit_per_minute": 0,
        "rate_limit_per_key_per_minute": 0,
    }
    return Settings(**(values | overrides))


@function_loop
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    """A session inside a transaction that is rolled back, even if the code under test commits."""
    engine = make_engine(database_url, pool=False)
    async with engine.connect() as conn:
        transaction = await conn.begin()
        async with AsyncSession(
            bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False
        ) as s:
            yield s
        await transaction.rollback()
    await engine.dispose()


async def _client(
    app: FastAPI, client: tuple[str, int] = ("127.0.0.1", 123)
) -> AsyncIterator[AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app, client=client)
        async with AsyncClient(transport=transport, base_url="http://test") as http:
            yield http


def build_app(
    database_url: str, redis_url: str, session: AsyncSession | None = None, **settings: Any
) -> FastAPI:
    app = create_app(make_settings(**settings), database_url=database_url, redis_url=redis_url)
    if session is not None:

        async def override() -> AsyncIterator[AsyncSession]:
            yield session

        app.dependency_overrides[get_session] = override
    return app


@function_loop
async def api(
    database_url: str, redis_url: str, session: AsyncSession
) -> AsyncIterator[AsyncClient]:
    """The API over the test transaction: factory rows made with `session` are visible."""
    async for c in _client(build_app(database_url, redis_url, session)):
        yield c


@function_loop
async def corpus_api(corpus_database_url: str, redis_url: str) -> AsyncIterator[AsyncClient]:
    """The API over the crawled corpus (read-only tests)."""
    async for c in _client(build_app(corpus_database_url, redis_url)):
        yield c


@pytest.fixture
def make_key(session: AsyncSession) -> Callable[..., Any]:
    """`token = await make_key("jobs:write")`: a key in the test transaction, its bearer header."""

    async def make(*scopes: str, name: str | None = None) -> dict[str, str]:
        _key, token = await keys.create_key(session, name or f"test-{'-'.join(scopes)}", scopes)
        return {"Authorization": f"Bearer {token}"}

    return make


@function_loop
async def reader(make_key: Callable[..., Any]) -> dict[str, str]:
    """A council's key with scope `read`: council data (remedy tracking, runs) needs one even
    when public decision data is open."""
    headers: dict[str, str] = await make_key("read", name="council reader")
    return headers


@function_loop
async def council_api(
    database_url: str, redis_url: str, session: AsyncSession, reader: dict[str, str]
) -> AsyncIterator[AsyncClient]:
    """The API over the test transaction, every request sent with a council's `read` key."""
    async for c in _client(build_app(database_url, redis_url, session)):
        c.headers.update(reader)
        yield c
