"""Subscriptions and webhook delivery, against a real receiving server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import time
from collections.abc import AsyncIterator, Iterator
from datetime import date, timedelta

import httpx
import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_api.keys import service as keys
from lgsco_api.main import create_app
from lgsco_api.subscriptions.events import EventBody, EventDecision
from lgsco_ingest.deliveries import fanout, send, tick
from lgsco_ingest.fetch import SiteClient
from lgsco_ingest.pipeline import Ingestor
from lgsco_ingest.worker import webhook_config
from lgsco_shared import webhooks
from lgsco_shared.domain import RemedyStatus
from lgsco_shared.models import Delivery, DeliveryAttempt, Remedy, Subscription
from tests.conftest import settings_for
from tests.fakesite.corpus import CorpusEntry
from tests.fakesite.corpus_site import fake_decision
from tests.fakesite.server import FakeSite
from tests.webhooks.receiver import Receiver

Maker = async_sessionmaker[AsyncSession]
ALLOW = {"webhook_allow_http": True, "webhook_allowed_hosts": ["127.0.0.1"]}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.start()
    yield r
    r.stop()


@pytest.fixture
async def api(sessionmaker: Maker, database_url: str, redis_url: str) -> AsyncIterator[AsyncClient]:
    app = create_app(
        settings_for("https://www.lgo.org.uk", **ALLOW),
        database_url=database_url,
        redis_url=redis_url,
    )
    transport = ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=transport, base_url="http://test") as client,
    ):
        yield client


async def bearer(sessionmaker: Maker, name: str, *scopes: str) -> dict[str, str]:
    async with sessionmaker.begin() as session:
        _, token = await keys.create_key(session, name, scopes)
    return {"Authorization": f"Bearer {token}"}


def config(**overrides: object) -> send.WebhookConfig:
    return webhook_config(settings_for("https://www.lgo.org.uk", **(ALLOW | overrides)))


async def run(sessionmaker: Maker, **overrides: object) -> int:
    async with httpx.AsyncClient(follow_redirects=False) as http:
        return await tick.run_once(sessionmaker, http, config(**overrides))


class TestCallbackCheck:
    def test_https_only_unless_allowed(self) -> None:
        with pytest.raises(webhooks.CallbackRejected, match="must be https"):
            webhooks.check_callback("http://example.org/x", allow_http=False, allowed_hosts=())
        with pytest.raises(webhooks.CallbackRejected, match="must be https"):
            webhooks.check_callback("ftp://example.org/x", allow_http=True, allowed_hosts=())

    @pytest.mark.parametrize(
        "host", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "[::1]", "localhost"]
    )
    def test_private_loopback_and_link_local_are_refused_unless_listed(self, host: str) -> None:
        url = f"https://{host}/hook"
        with pytest.raises(webhooks.CallbackRejected, match="LGSCO_WEBHOOK_ALLOWED_HOSTS"):
            webhooks.check_callback(url, allow_http=False, allowed_hosts=())
        listed = host.strip("[]")
        webhooks.check_callback(url, allow_http=False, allowed_hosts=(listed, "::1", "127.0.0.1"))

    def test_signature_verifies_and_detects_tampering(self) -> None:
        header = webhooks.sign("whsec_x", 1700000000, b'{"a":1}')
        assert webhooks.verify("whsec_x", header, b'{"a":1}', now=1700000010)
        assert not webhooks.verify("whsec_x", header, b'{"a":2}', now=1700000010)
        assert not webhooks.verify("whsec_y", header, b'{"a":1}', now=1700000010)

    def test_an_old_signature_is_refused(self) -> None:
        header = webhooks.sign("whsec_x", 1700000000, b"{}")
        assert not webhooks.verify("whsec_x", header, b"{}", now=1700000000 + 301)
        assert webhooks.verify("whsec_x", header, b"{}", now=1700000000 + 301, tolerance=None)

    @pytest.mark.parametrize(
        "address",
        [
            "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
            "64:ff9b:1::a00:1",  # local-use NAT64 of 10.0.0.1
            "2002:7f00:1::",  # 6to4 of 127.0.0.1
            "::a9fe:a9fe",  # IPv4-compatible 169.254.169.254
            "::ffff:10.0.0.1",
            "192.0.0.8",
            "fd00::1",
        ],
    )
    def test_ipv4_carried_in_ipv6_is_checked_too(self, address: str) -> None:
        assert not webhooks.is_public(ipaddress.ip_address(address))

    @pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1::1", "64:ff9b::808:808"])
    def test_public_addresses_pass(self, address: str) -> None:
        assert webhooks.is_public(ipaddress.ip_address(address))

    def test_a_refusal_does_not_say_what_a_name_resolves_to(self) -> None:
        with pytest.raises(webhooks.CallbackRejected) as refused:
            webhooks.check_callback("https://localhost/x", allow_http=False, allowed_hosts=())
        assert "127.0.0.1" not in str(refused.value) and "::1" not in str(refused.value)


class TestSubscriptionsApi:
    async def test_create_shows_the_secret_once_and_checks_the_url(
        self, api: AsyncClient, sessionmaker: Maker, receiver: Receiver
    ) -> None:
        auth = await bearer(sessionmaker, "council", "subscriptions:write")
        body = {"callback_url": f"{receiver.url}/hook", "events": ["decision.published"]}
        created = await api.post("/v1/subscriptions", json=body, headers=auth)
        assert created.status_code == 201, created.text
        assert created.json()["secret"].startswith("whsec_")
        fetched = await api.get(created.headers["Location"], headers=auth)
        assert fetched.status_code == 200 and "secret" not in fetched.json()

        private = {**body, "callback_url": "https://10.0.0.1/hook"}
        refused = await api.post("/v1/subscriptions", json=private, headers=auth)
        assert refused.status_code == 422
        assert "callback_url" in refused.json()["detail"]

        assert (await api.post("/v1/subscriptions", json=body)).status_code == 401
        reader = await bearer(sessionmaker, "reader", "read")
        assert (await api.post("/v1/subscriptions", json=body, headers=reader)).status_code == 403
        other = await bearer(sessionmaker, "other council", "subscriptions:write")
        assert (await api.get(created.headers["Location"], headers=other)).status_code == 404

    async def test_ping_is_delivered_signed_and_recorded(
        self, api: AsyncClient, sessionmaker: Maker, receiver: Receiver
    ) -> None:
        auth = await bearer(sessionmaker, "council", "subscriptions:write")
        created = (
            await api.post(
                "/v1/subscriptions",
                headers=auth,
                json={"callback_url": f"{receiver.url}/hook", "events": ["decision.published"]},
            )
        ).json()
        ping = await api.post(f"/v1/subscriptions/{created['id']}/ping", headers=auth)
        assert ping.status_code == 202
        assert await run(sessionmaker) == 1
        [got] = receiver.received
        assert got.headers["idempotency-key"] == ping.json()["event_id"]
        assert webhooks.verify(created["secret"], got.headers["x-lgsco-signature"], got.body)
        assert json.loads(got.body)["type"] == "ping"
        log = (await api.get(f"/v1/subscriptions/{created['id']}/deliveries", headers=auth)).json()
        assert [
            (d["status"], d["attempts"], d["history"][0]["status_code"]) for d in log["items"]
        ] == [("delivered", 1, 204)]
        deleted = await api.delete(f"/v1/subscriptions/{created['id']}", headers=auth)
        assert deleted.status_code == 204
        assert (
            await api.get(f"/v1/subscriptions/{created['id']}", headers=auth)
        ).status_code == 404


async def subscribe(
    sessionmaker: Maker,
    url: str,
    events: list[str],
    filters: dict[str, object] | None = None,
    due_soon_days: int = 7,
) -> Subscription:
    async with sessionmaker.begin() as session:
        sub = Subscription(
            owner="council",
            callback_url=url,
            events=events,
            filters=filters or {},
            due_soon_days=due_soon_days,
            secret=webhooks.new_secret(),
            status="active",
        )
        session.add(sub)
    return sub


class TestDelivery:
    async def test_new_decisions_arrive_once_each_filtered_and_signed(
        self,
        decisions: list[CorpusEntry],
        fake_site: FakeSite,
        client: SiteClient,
        sessionmaker: Maker,
        receiver: Receiver,
    ) -> None:
        wanted, other = (
            decisions[0],
            next(
                e
                for e in decisions
                if e.truth["organisation"] != decisions[0].truth["organisation"]
            ),
        )
        sub = await subscribe(
            sessionmaker,
            f"{receiver.url}/hook",
            ["decision.published"],
            {"organisation": [wanted.truth["organisation"]]},
        )
        ingestor = Ingestor(sessionmaker, client)
        for entry in (wanted, other):
            fake_site.add(fake_decision(entry))
            await ingestor.ingest(entry.truth["ref"], path=entry.path)
        await run(sessionmaker)
        await run(sessionmaker)  # nothing new: nothing sent again
        assert len(receiver.received) == 1
        body = json.loads(receiver.received[0].body)
        assert body["type"] == "decision.published"
        assert body["decision"]["reference"] == wanted.truth["ref"]
        assert body["decision"]["source_url"].endswith(wanted.path)
        assert body["link"].endswith("/v1/decisions/" + wanted.truth["ref"].replace(" ", "-"))
        # the shape the OpenAPI document's `webhooks` section declares, member for member
        EventBody.model_validate(body)
        assert set(body["decision"]) == set(EventDecision.model_fields)
        assert webhooks.verify(
            sub.secret, receiver.received[0].headers["x-lgsco-signature"], receiver.received[0].body
        )

    async def test_a_failing_receiver_gets_retries_until_it_answers(
        self, sessionmaker: Maker, receiver: Receiver
    ) -> None:
        receiver.fail_first = 2
        sub = await subscribe(sessionmaker, f"{receiver.url}/hook", [])
        await _ping(sessionmaker, sub.id)
        for _ in range(3):
            await run(sessionmaker)
            await _make_due(sessionmaker)
        async with sessionmaker() as session:
            delivery = await session.scalar(select(Delivery))
            attempts = list(
                await session.scalars(
                    select(DeliveryAttempt.status_code).order_by(DeliveryAttempt.id)
                )
            )
        assert delivery is not None and (delivery.status, delivery.attempts) == ("delivered", 3)
        assert attempts == [500, 500, 204]
        keys_seen = {r.headers["idempotency-key"] for r in receiver.received}
        assert len(keys_seen) == 1  # the same event each time, so the receiver can de-duplicate

    async def test_a_slow_receiver_does_not_hold_up_others(self, sessionmaker: Maker) -> None:
        """Behaviour, not a stopwatch: the slow receiver answers only after 6 s, the timeout is
        1 s, and the bounds below are those two settings, far above any machine's overhead."""
        slow, fast = Receiver(delay=6.0), Receiver()
        slow.start()
        fast.start()
        subs = {}
        try:
            for name, r in (("slow", slow), ("fast", fast)):
                sub = await subscribe(sessionmaker, f"{r.url}/hook", [])
                await _ping(sessionmaker, sub.id)
                subs[name] = sub.id
            started = time.monotonic()
            await run(sessionmaker, webhook_timeout=1.0)
            elapsed = time.monotonic() - started
        finally:
            slow.stop()
            fast.stop()
        assert len(fast.received) == 1 and len(slow.received) == 1
        # The fast one was answered while the slow one was still being waited on ...
        assert fast.received[0].at < slow.received[0].at + slow.delay
        # ... and the run gave up on the slow one at its timeout, not at its answer.
        assert elapsed < slow.delay
        async with sessionmaker() as session:
            outcome = {
                d.subscription_id: (d.status, d.attempts)
                for d in await session.scalars(select(Delivery))
            }
            errors = list(await session.scalars(select(DeliveryAttempt.error)))
        assert outcome == {subs["fast"]: ("delivered", 1), subs["slow"]: ("pending", 1)}
        assert any(e and "Timeout" in e for e in errors), errors

    async def test_a_restarted_worker_neither_loses_nor_repeats_a_pending_delivery(
        self, sessionmaker: Maker, receiver: Receiver
    ) -> None:
        sub = await subscribe(sessionmaker, f"{receiver.url}/hook", [])
        await _ping(sessionmaker, sub.id)
        async with sessionmaker.begin() as session:
            await fanout.fan_out(session, send.datetime.now(send.UTC))
            # A worker leased it and died before sending.
            await session.execute(
                update(Delivery).values(
                    leased_until=send.datetime.now(send.UTC) + timedelta(seconds=1)
                )
            )
        assert await run(sessionmaker) == 0
        await asyncio.sleep(1.1)
        # Two workers after the restart, at once: SKIP LOCKED gives the delivery to one.
        sent = await asyncio.gather(run(sessionmaker), run(sessionmaker))
        assert sorted(sent) == [0, 1]
        assert len(receiver.received) == 1

    async def test_retries_end_by_suspending_the_subscription_with_a_reason(
        self, sessionmaker: Maker, receiver: Receiver
    ) -> None:
        receiver.fail_first = 100
        sub = await subscribe(sessionmaker, f"{receiver.url}/hook", [])
        await _ping(sessionmaker, sub.id)
        await run(sessionmaker, webhook_retry_hours=0.0002)  # a 0.72 s window
        await asyncio.sleep(0.8)
        await _make_due(sessionmaker)
        await run(sessionmaker, webhook_retry_hours=0.0002)
        async with sessionmaker() as session:
            stored = await session.get(Subscription, sub.id)
            delivery = await session.scalar(select(Delivery))
        assert delivery is not None and delivery.status == "dead"
        assert stored is not None and stored.status == "suspended"
        assert stored.suspended_reason is not None and "HTTP 500" in stored.suspended_reason


class TestRemedyReminders:
    async def test_due_soon_and_overdue_are_raised_once_and_sent_to_who_asked(
        self,
        decisions: list[CorpusEntry],
        fake_site: FakeSite,
        client: SiteClient,
        sessionmaker: Maker,
        receiver: Receiver,
    ) -> None:
        entry = next(
            e for e in decisions if (e.remedies or {}).get("apology") and e.remedies["payments"]
        )
        fake_site.add(fake_decision(entry))
        await Ingestor(sessionmaker, client).ingest(entry.truth["ref"], path=entry.path)
        today = date.today()
        async with sessionmaker.begin() as session:
            remedies = list(await session.scalars(select(Remedy).order_by(Remedy.id)))
            assert len(remedies) >= 2
            remedies[0].due_on, remedies[0].status = today - timedelta(days=3), RemedyStatus.PENDING
            remedies[1].due_on, remedies[1].status = today + timedelta(days=5), RemedyStatus.PENDING
            for r in remedies[2:]:
                r.status = RemedyStatus.COMPLETED
        await subscribe(
            sessionmaker,
            f"{receiver.url}/hook",
            ["remedy.due_soon", "remedy.overdue"],
            due_soon_days=7,
        )
        await subscribe(sessionmaker, f"{receiver.url}/short", ["remedy.due_soon"], due_soon_days=2)
        await run(sessionmaker)
        await run(sessionmaker)
        got = sorted(
            (r.path, json.loads(r.body)["type"], json.loads(r.body)["remedy"]["id"])
            for r in receiver.received
        )
        assert got == sorted(
            [
                ("/hook", "remedy.overdue", remedies[0].id),
                ("/hook", "remedy.due_soon", remedies[1].id),
            ]
        )


async def _ping(sessionmaker: Maker, subscription_id: int) -> None:
    from lgsco_shared import events

    async with sessionmaker.begin() as session:
        await events.ping(session, subscription_id)


async def _make_due(sessionmaker: Maker) -> None:
    async with sessionmaker.begin() as session:
        await session.execute(
            update(Delivery)
            .where(Delivery.status == "pending")
            .values(next_attempt_at=send.datetime.now(send.UTC))
        )
