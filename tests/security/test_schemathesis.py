"""Schemathesis against the app's own OpenAPI: every operation, with no key and with a key that
holds every scope. No answer may be a 5xx, and every answer must match the schema (status code
documented, content type, headers, body). Bounded: a few examples per operation, well under the
suite's time budget."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, settings
from redis import Redis
from schemathesis.config import SchemathesisConfig
from schemathesis.python import asgi as schemathesis_asgi
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_api.keys import service as keys
from lgsco_shared.db import make_engine
from lgsco_shared.domain import Outcome, RemedyType
from lgsco_shared.queue import QUEUE_NAME
from tests.api.conftest import build_app
from tests.api.factories import make_decision, make_remedy
from tests.conftest import drop_database, fresh_database

MAX_EXAMPLES = 5
CONFIG = SchemathesisConfig.from_dict(
    {"phases": {"coverage": {"generation": {"mode": "positive"}}}}
)
# Two checks judge requests rather than responses, and both misjudge this API:
# - positive_data_acceptance expects every schema-valid request to succeed, but some rules
#   cannot be written in JSON Schema: a financial year's second half must follow its first
#   (2023-24, not 2023-79), cursors are opaque tokens this API issued, `table` goes only with
#   `format=csv`, PATCH needs If-Match (428). Each is refused with a 422/428 naming the parameter,
#   as tests/api/test_conventions.py and test_hostile_input.py check.
# - negative_data_rejection counts a single `organisation=...` as "not an array", but a query
#   string cannot tell a one-item list from a string. The real lapses it found (`decided_to=0`
#   read as 1970-01-01) are now refused and kept as tests in test_hostile_input.py.
EXCLUDED = [
    schemathesis.checks.positive_data_acceptance,
    schemathesis.checks.negative_data_rejection,
]


async def _seed(database_url: str) -> str:
    """A few decisions, remedies and an all-scopes key, committed; returns the key's token."""
    engine = make_engine(database_url, pool=False)
    async with AsyncSession(engine, expire_on_commit=False) as session:
        for i, outcome in enumerate(
            (Outcome.UPHELD, Outcome.NOT_UPHELD, Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES)
        ):
            decision = await make_decision(
                session,
                reference=f"22 003 37{i}",
                outcome=outcome,
                organisations=("Kent County Council", "Testshire County Council"),
                decided_on=date(2023, 6, 1 + i),
            )
            await make_remedy(session, decision, type=RemedyType.APOLOGY, due_on=date(2023, 7, 1))
        _key, token = await keys.create_key(session, "schemathesis", ["admin"])
        await session.commit()
    await engine.dispose()
    return token


@pytest.fixture(scope="module")
def seeded(pg_admin_url: str) -> Iterator[tuple[str, str]]:
    """Its own database: requests below commit (PATCH, POST) and no other test may see that."""
    url = fresh_database(pg_admin_url, "schemathesis")
    token = asyncio.run(_seed(url))
    yield url, token
    drop_database(pg_admin_url, url)


@pytest.fixture(scope="module")
def app(seeded: tuple[str, str], redis_url: str) -> Iterator[FastAPI]:
    database_url, _token = seeded
    redis = Redis.from_url(redis_url)
    queued_before = set(redis.zrange(QUEUE_NAME, 0, -1))
    application = build_app(database_url, redis_url)
    yield application
    # The lifespan schemathesis started runs in its own thread; end it, then take the runs it
    # queued off the shared queue so no worker test picks them up.
    schemathesis_asgi.shutdown_lifespans()
    for job in set(redis.zrange(QUEUE_NAME, 0, -1)) - queued_before:
        redis.zrem(QUEUE_NAME, job)
        redis.delete(b"arq:job:" + job)
    redis.close()


@pytest.fixture(scope="module")
def api_schema(app: FastAPI) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG)


@pytest.fixture(scope="module")
def token(seeded: tuple[str, str]) -> str:
    return seeded[1]


schema = schemathesis.pytest.from_fixture("api_schema")


HYPOTHESIS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


@schema.parametrize()
@HYPOTHESIS
def test_without_a_key(case: schemathesis.Case) -> None:
    case.call_and_validate(excluded_checks=EXCLUDED)


@schema.parametrize()
@HYPOTHESIS
def test_with_a_key_holding_every_scope(case: schemathesis.Case, token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, excluded_checks=EXCLUDED)
