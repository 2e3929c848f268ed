"""Real PostgreSQL and Redis for the suite: embedded by default, or the servers named by
LGSCO_TEST_DATABASE_URL / LGSCO_TEST_REDIS_URL. Each session gets its own migrated database."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import asyncpg
import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_ingest.fetch import SiteClient
from lgsco_ingest.jobs import JobContext
from lgsco_ingest.worker import site_client
from lgsco_shared import queue as jobqueue
from lgsco_shared.db import make_engine, make_sessionmaker
from lgsco_shared.migrate import upgrade
from lgsco_shared.settings import Settings
from tests.fakesite.corpus import CorpusEntry, corpus_available, load_corpus
from tests.fakesite.corpus_site import corpus_site, window_of
from tests.fakesite.invented import invented
from tests.fakesite.server import FakeSite

TABLES = (
    "schedule_run",
    "schedule",
    "delivery_attempt",
    "delivery",
    "event",
    "subscription",
    "remedy_event",
    "remedy",
    "decision_version",
    "decision_organisation",
    "decision",
    "organisation",
    "ingest_failure",
    "crawl_window",
    "listing_fetch",
    "raw_page",
    "ingest_run",
    "api_key",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-expected",
        action="store_true",
        help="rewrite tests/pages/*/*.expected.json from the current parser (review the diff)",
    )


@pytest.fixture(scope="session")
def pg_admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if url := os.environ.get("LGSCO_TEST_DATABASE_URL"):
        yield url
        return
    from lgsco_shared.embedded import EmbeddedPostgres

    server = EmbeddedPostgres(tmp_path_factory.mktemp("postgres"))
    yield server.url("postgres")
    server.stop()


def _with_database(url: str, name: str) -> str:
    """Same server, another database: replace the path of a postgresql:// URL."""
    head, _, tail = url.partition("://")
    rest, _, query = tail.partition("?")
    hostpart = rest.split("/", 1)[0]
    return f"{head}://{hostpart}/{name}" + (f"?{query}" if query else "")


async def _admin(url: str, sql: str) -> None:
    from lgsco_shared.db import async_url

    dsn = async_url(url).replace("postgresql+asyncpg://", "postgresql://")
    host = None
    if "?host=" in dsn:
        dsn, _, host = dsn.partition("?host=")
    from urllib.parse import unquote

    conn = await asyncpg.connect(dsn, host=unquote(host) if host else None)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def fresh_database(admin_url: str, label: str) -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"test_{label}_{worker}_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(admin_url, f'CREATE DATABASE "{name}"'))
    url = _with_database(admin_url, name)
    upgrade(url)
    return url


def drop_database(admin_url: str, url: str) -> None:
    name = url.split("://", 1)[1].split("/", 1)[1].split("?", 1)[0]
    asyncio.run(_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def database_url(pg_admin_url: str) -> Iterator[str]:
    url = fresh_database(pg_admin_url, "suite")
    yield url
    drop_database(pg_admin_url, url)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if url := os.environ.get("LGSCO_TEST_REDIS_URL"):
        yield url
        return
    from lgsco_shared.embedded import EmbeddedRedis

    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    yield server.url()
    server.stop()


async def truncate_all(database_url: str) -> None:
    engine = make_engine(database_url, pool=False)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    await engine.dispose()


@pytest.fixture
async def sessionmaker(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A clean database for each test (tables truncated), so code that commits is still isolated."""
    await truncate_all(database_url)
    engine = make_engine(database_url, pool=False)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def emptied_database_url(database_url: str) -> Iterator[str]:
    """The suite's database, empty before the test and emptied after it: for tests that run a
    command writing committed rows (crawl windows, runs), which later tests would otherwise see."""
    asyncio.run(truncate_all(database_url))
    yield database_url
    asyncio.run(truncate_all(database_url))


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture(scope="session")
def corpus() -> list[CorpusEntry]:
    if not corpus_available():
        pytest.skip(
            "the LGSCO corpus (../shared/corpus) is absent: it is not part of the "
            "repository; set LGSCO_CORPUS_DIR to run the corpus tests"
        )
    return load_corpus()


@pytest.fixture(scope="session")
def decisions() -> list[CorpusEntry]:
    """Decisions the project writes itself (tests/fakesite/invented.py), with their truth, in
    the corpus's form: what the reliability and console tests run on, with or without the
    external corpus."""
    return invented()


def settings_for(site_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "site_url": site_url,
        "requests_per_second": 50,
        "request_timeout": 1.0,
        "max_retries": 6,
        "retry_backoff": 0.01,
        "contact": "tests@example.org",
    }
    return Settings(**(values | overrides))  # type: ignore[arg-type]


@pytest.fixture
def fake_site() -> Iterator[FakeSite]:
    """An empty fake site; tests add decisions and faults before crawling it."""
    site = FakeSite()
    site.start()
    yield site
    site.stop()


@pytest.fixture
async def client(fake_site: FakeSite, redis: Redis) -> AsyncIterator[SiteClient]:
    site = site_client(settings_for(fake_site.url), redis)
    yield site
    await site.aclose()


async def crawl_corpus_into(
    database_url: str, redis_url: str, entries: list[CorpusEntry], shape: str = "site"
) -> None:
    from lgsco_ingest.crawl import Crawler

    site = corpus_site(entries, shape=shape)
    site.start()
    engine = make_engine(database_url, pool=False)
    redis = Redis.from_url(redis_url)
    client = site_client(settings_for(site.url), redis, rate_limited=False)
    try:
        start, end = window_of(entries)
        await Crawler(make_sessionmaker(engine), client, concurrency=4).crawl(start, end)
    finally:
        await client.aclose()
        await redis.aclose()
        await engine.dispose()
        site.stop()


@pytest.fixture(scope="session")
def crawled_database_url(
    pg_admin_url: str, redis_url: str, decisions: list[CorpusEntry]
) -> Iterator[str]:
    """A database holding the invented decisions, crawled by the ingest worker from the fake
    site: what the console's read tests run on, with or without the external corpus."""
    url = fresh_database(pg_admin_url, "crawled")
    asyncio.run(crawl_corpus_into(url, redis_url, decisions))
    yield url
    drop_database(pg_admin_url, url)


@pytest.fixture(scope="session")
def corpus_database_url(
    pg_admin_url: str, redis_url: str, corpus: list[CorpusEntry]
) -> Iterator[str]:
    """A database holding the whole real corpus, crawled by the ingest worker from the fake site
    (the corpus tests of the API check it against the corpus truth)."""
    url = fresh_database(pg_admin_url, "corpus")
    asyncio.run(crawl_corpus_into(url, redis_url, corpus))
    yield url
    drop_database(pg_admin_url, url)


@asynccontextmanager
async def job_context(
    site_url: str, sessionmaker: async_sessionmaker[AsyncSession], redis: Redis, redis_url: str
) -> AsyncIterator[JobContext]:
    """What the worker hands a job: the fetcher for `site_url`, the store, the queue."""
    client = site_client(settings_for(site_url), redis, rate_limited=False)
    queue = await jobqueue.connect(redis_url)
    try:
        yield {
            "sessionmaker": sessionmaker,
            "client": client,
            "queue": queue,
            "crawl_concurrency": 4,
            "recheck_days": 30,
        }
    finally:
        await client.aclose()
        await queue.aclose()


@pytest.fixture
async def ctx(
    fake_site: FakeSite,
    sessionmaker: async_sessionmaker[AsyncSession],
    redis: Redis,
    redis_url: str,
) -> AsyncIterator[JobContext]:
    """A job context over the fake site and the test database."""
    async with job_context(fake_site.url, sessionmaker, redis, redis_url) as context:
        yield context
