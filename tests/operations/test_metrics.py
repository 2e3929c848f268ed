"""/metrics shows what the workers did at the site and what became of webhook deliveries, as
counted by the other side (the fake site, the receiver), and a scraper is never rate-limited."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from httpx import ASGITransport, AsyncClient
from prometheus_client.parser import text_string_to_metric_families
from redis.asyncio import Redis
from sqlalchemy import update

from lgsco_api.main import create_app
from lgsco_ingest.pipeline import Ingestor
from lgsco_ingest.worker import site_client
from lgsco_shared.models import Subscription
from tests.conftest import settings_for
from tests.fakesite.corpus import CorpusEntry
from tests.fakesite.corpus_site import fake_decision
from tests.fakesite.server import FakeSite, Faults
from tests.reliability.conftest import Maker, api_settings
from tests.webhooks.receiver import Receiver
from tests.webhooks.test_webhooks import _ping, run, subscribe


@pytest.fixture
async def metrics_api(
    sessionmaker: Maker, database_url: str, redis_url: str
) -> AsyncIterator[AsyncClient]:
    app = create_app(
        api_settings(rate_limit_per_minute=1), database_url=database_url, redis_url=redis_url
    )
    transport = ASGITransport(app=app, client=("198.51.100.7", 1))
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=transport, base_url="http://t") as client,
    ):
        yield client


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_site_requests_retries_and_latency_match_what_the_site_served(
    decisions: list[CorpusEntry],
    fake_site: FakeSite,
    sessionmaker: Maker,
    redis: Redis,
    metrics_api: AsyncClient,
) -> None:
    entries = decisions[:12]
    for entry in entries:
        fake_site.add(fake_decision(entry))
    fake_site.gone.add(entries[-1].path)
    fake_site.faults = Faults(error_500=0.3, throttle_429=0.1, retry_after=0, seed=7)
    client = site_client(settings_for(fake_site.url, max_retries=12), redis)
    try:
        ingestor = Ingestor(sessionmaker, client)
        for entry in entries:
            await ingestor.ingest(entry.truth["ref"], path=entry.path)
    finally:
        await client.aclose()
    served = fake_site.statuses
    assert served[500] > 0 and served[429] > 0  # the faults did happen

    samples = _samples((await metrics_api.get("/metrics")).text)

    def requests(outcome: str) -> float:
        return samples[("lgsco_site_requests_total", (("outcome", outcome),))]

    assert requests("2xx") == served[200]
    assert requests("4xx") == served[429] + served[410]
    assert requests("5xx") == served[500]
    assert requests("timeout") == requests("connection_error") == 0
    # Every 500 and 429 was tried again; nothing else was.
    assert samples[("lgsco_site_retries_total", ())] == served[500] + served[429]
    total = sum(served.values())
    assert samples[("lgsco_site_request_duration_seconds_count", ())] == total
    assert samples[("lgsco_site_request_duration_seconds_bucket", (("le", "+Inf"),))] == total
    # Each answer came within the client's timeout (settings_for: 1 s), or it would be a timeout.
    assert 0 < samples[("lgsco_site_request_duration_seconds_sum", ())] <= total * 1.0


async def test_webhook_deliveries_by_status_and_failures(
    sessionmaker: Maker, metrics_api: AsyncClient
) -> None:
    good, failing = Receiver(), Receiver(fail_first=100)
    good.start()
    failing.start()
    try:
        ids = {}
        for name, receiver in (("good", good), ("failing", failing)):
            sub = await subscribe(sessionmaker, f"{receiver.url}/hook", [])
            await _ping(sessionmaker, sub.id)
            ids[name] = sub.id
        idle = await subscribe(sessionmaker, f"{good.url}/idle", [])
        async with sessionmaker.begin() as session:
            await session.execute(
                update(Subscription).where(Subscription.id == idle.id).values(status="suspended")
            )
        await run(sessionmaker)
    finally:
        good.stop()
        failing.stop()
    assert len(good.received) == 1 and len(failing.received) == 1

    samples = _samples((await metrics_api.get("/metrics")).text)
    deliveries = {
        status: samples[("lgsco_webhook_deliveries", (("status", status),))]
        for status in ("pending", "delivered", "dead")
    }
    assert deliveries == {"pending": 1, "delivered": 1, "dead": 0}
    assert samples[("lgsco_webhook_failed_attempts_last_24h", ())] == 1
    subscriptions = {
        status: samples[("lgsco_webhook_subscriptions", (("status", status),))]
        for status in ("active", "suspended")
    }
    assert subscriptions == {"active": 2, "suspended": 1}


async def test_metrics_are_never_rate_limited(metrics_api: AsyncClient) -> None:
    """The API allows this address one request a minute; the scraper polls far more often."""
    assert [(await metrics_api.get("/metrics")).status_code for _ in range(5)] == [200] * 5
    assert [(await metrics_api.get("/openapi.json")).status_code for _ in range(2)] == [200, 429]
