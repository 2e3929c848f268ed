"""A hostile or broken receiver costs a few kilobytes and one deadline, and nothing else: an
endless answer or a gzip bomb is read up to MAX_RESPONSE_BYTES and never decoded, a dripped
answer is cut at the delivery's total deadline, one subscription has one delivery in flight,
deliveries hold at most one of the worker's job slots, deleted or suspended subscriptions get
nothing more, one key or one host cannot hold unlimited subscriptions, and a callback name that
resolves elsewhere the second time is not asked twice (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_api.main import create_app
from lgsco_ingest import worker
from lgsco_ingest.deliveries import fanout, send
from lgsco_shared import webhooks
from lgsco_shared.models import Delivery, DeliveryAttempt, Subscription
from tests.conftest import settings_for
from tests.security.rss import MB, Sampler
from tests.webhooks.hostile import bomb_answer, drip, endless, gzip_bomb, hostile_receiver
from tests.webhooks.receiver import Receiver
from tests.webhooks.test_webhooks import _ping, bearer, config, run, subscribe

Maker = async_sessionmaker[AsyncSession]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.start()
    yield r
    r.stop()


async def outcomes(sessionmaker: Maker) -> list[tuple[str, int]]:
    async with sessionmaker() as session:
        rows = await session.scalars(select(Delivery).order_by(Delivery.id))
        return [(d.status, d.attempts) for d in rows]


async def attempt_errors(sessionmaker: Maker) -> list[str | None]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(DeliveryAttempt.error)))


class TestHostileAnswers:
    @pytest.mark.parametrize("kind", ["endless", "gzip bomb"])
    async def test_an_endless_or_bomb_answer_is_read_a_few_kilobytes_deep(
        self, sessionmaker: Maker, kind: str
    ) -> None:
        answer = endless if kind == "endless" else bomb_answer(gzip_bomb(2_000_000_000))
        async with hostile_receiver(answer) as receiver:
            sub = await subscribe(sessionmaker, f"{receiver.url}/hook", [])
            await _ping(sessionmaker, sub.id)
            started = time.monotonic()
            with Sampler() as rss:
                assert await run(sessionmaker, webhook_timeout=5.0) == 1
            took = time.monotonic() - started
        assert took < 3
        assert await outcomes(sessionmaker) == [("delivered", 1)]  # a 200 is a 200
        assert receiver.heads[0]["accept-encoding"] == "identity"
        assert rss.growth < 50 * MB  # the whole process: 300 MB in tests/security/test_bombs_rss.py

    async def test_a_dripping_answer_is_cut_at_the_total_deadline(
        self, sessionmaker: Maker
    ) -> None:
        async with hostile_receiver(drip(every=0.2)) as receiver:
            sub = await subscribe(sessionmaker, f"{receiver.url}/hook", [])
            await _ping(sessionmaker, sub.id)
            started = time.monotonic()
            await run(sessionmaker, webhook_timeout=1.0)
            took = time.monotonic() - started
        # each read was quick (0.2 s), so only a total deadline stops it (the drip lasts 20 s)
        assert 1.0 <= took < 3.0
        assert await outcomes(sessionmaker) == [("pending", 1)]
        assert await attempt_errors(sessionmaker) == ["Timeout: no complete answer within 1 s"]
        async with sessionmaker() as session:
            delivery = await session.scalar(select(Delivery))
            assert delivery is not None and delivery.leased_until is None  # free for a retry


class TestInFlight:
    async def test_one_delivery_in_flight_per_subscription(self, sessionmaker: Maker) -> None:
        one = await subscribe(sessionmaker, "http://127.0.0.1:9/one", [])
        two = await subscribe(sessionmaker, "http://127.0.0.1:9/two", [])
        for sub in (one, one, one, two):
            await _ping(sessionmaker, sub.id)
        async with sessionmaker.begin() as session:
            await fanout.fan_out(session, send.datetime.now(send.UTC))
        cfg = config()
        # Two workers leasing at once: each subscription's oldest delivery, once.
        first, second = await asyncio.gather(
            send.lease_due(sessionmaker, cfg, 10), send.lease_due(sessionmaker, cfg, 10)
        )
        assert len(first) + len(second) == 2
        async with sessionmaker() as session:
            leased = {
                d.subscription_id
                for d in await session.scalars(
                    select(Delivery).where(Delivery.leased_until.is_not(None))
                )
            }
        assert leased == {one.id, two.id}
        assert await send.lease_due(sessionmaker, cfg, 10) == []  # both in flight
        # Once one's delivery is done (its lease cleared), its next one may go.
        async with sessionmaker.begin() as session:
            await session.execute(
                update(Delivery)
                .where(Delivery.id == min([*first, *second]))
                .values(status="delivered", leased_until=None)
            )
        assert len(await send.lease_due(sessionmaker, cfg, 10)) == 1

    async def test_at_most_the_configured_deliveries_at_once(self, sessionmaker: Maker) -> None:
        for i in range(6):
            sub = await subscribe(sessionmaker, f"http://127.0.0.1:9/{i}", [])
            await _ping(sessionmaker, sub.id)
        async with sessionmaker.begin() as session:
            await fanout.fan_out(session, send.datetime.now(send.UTC))
        cfg = config(webhook_concurrency=4)
        assert cfg.concurrency == 4 and cfg.lease_seconds == cfg.timeout * 3
        assert len(await send.lease_due(sessionmaker, cfg, cfg.concurrency)) == 4

    async def test_a_tick_still_sending_keeps_the_next_out_of_the_job_slots(
        self, sessionmaker: Maker
    ) -> None:
        async with hostile_receiver(drip(every=0.2)) as receiver:
            sub = await subscribe(sessionmaker, f"{receiver.url}/hook", [])
            await _ping(sessionmaker, sub.id)
            async with httpx.AsyncClient() as http:
                ctx: dict[str, Any] = {
                    "sessionmaker": sessionmaker,
                    "webhook_http": http,
                    "webhooks": config(webhook_timeout=1.5),
                }
                first = asyncio.create_task(worker.dispatch_webhooks(ctx))
                await asyncio.sleep(0.5)
                started = time.monotonic()
                assert await worker.dispatch_webhooks(ctx) == 0  # returns at once
                assert time.monotonic() - started < 0.2
                assert await first == 1


class TestStoppedSubscriptions:
    async def test_deleted_and_suspended_subscriptions_get_nothing_more(
        self, sessionmaker: Maker, receiver: Receiver
    ) -> None:
        deleted = await subscribe(sessionmaker, f"{receiver.url}/a", [])
        suspended = await subscribe(sessionmaker, f"{receiver.url}/b", [])
        live = await subscribe(sessionmaker, f"{receiver.url}/c", [])
        for sub in (deleted, suspended, live):
            await _ping(sessionmaker, sub.id)
        async with sessionmaker.begin() as session:
            await fanout.fan_out(session, send.datetime.now(send.UTC))
            await session.execute(
                update(Subscription).where(Subscription.id == deleted.id).values(status="deleted")
            )
            await session.execute(
                update(Subscription)
                .where(Subscription.id == suspended.id)
                .values(status="suspended")
            )
        assert await run(sessionmaker) == 1
        assert [r.path for r in receiver.received] == ["/c"]
        async with sessionmaker() as session:
            status = {d.subscription_id: d.status for d in await session.scalars(select(Delivery))}
        assert status == {deleted.id: "cancelled", suspended.id: "cancelled", live.id: "delivered"}

    async def test_a_subscription_deleted_after_the_lease_is_not_called(
        self, sessionmaker: Maker, receiver: Receiver
    ) -> None:
        sub = await subscribe(sessionmaker, f"{receiver.url}/a", [])
        await _ping(sessionmaker, sub.id)
        async with sessionmaker.begin() as session:
            await fanout.fan_out(session, send.datetime.now(send.UTC))
        cfg = config()
        [leased] = await send.lease_due(sessionmaker, cfg, 1)
        async with sessionmaker.begin() as session:
            await session.execute(
                update(Subscription).where(Subscription.id == sub.id).values(status="deleted")
            )
        async with httpx.AsyncClient() as http:
            await send._deliver(sessionmaker, http, cfg, leased)
        assert receiver.received == []
        assert await outcomes(sessionmaker) == [("cancelled", 0)]


class TestSubscriptionLimits:
    async def test_one_key_and_one_host_hold_a_bounded_number(
        self, sessionmaker: Maker, database_url: str, redis_url: str
    ) -> None:
        app = create_app(
            settings_for(
                "https://www.lgo.org.uk",
                webhook_allow_http=True,
                webhook_max_per_key=2,
                webhook_max_per_host=3,
                webhook_allowed_hosts=["127.0.0.1", "localhost"],
            ),
            database_url=database_url,
            redis_url=redis_url,
        )
        one = await bearer(sessionmaker, "council one", "subscriptions:write")
        two = await bearer(sessionmaker, "council two", "subscriptions:write")
        body = {"callback_url": "http://127.0.0.1:9/hook", "events": ["decision.published"]}
        other_host = {**body, "callback_url": "http://localhost:9/hook"}
        async with (
            app.router.lifespan_context(app),
            AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as api,
        ):
            for _ in range(2):
                assert (
                    await api.post("/v1/subscriptions", json=body, headers=one)
                ).status_code == 201
            third = await api.post("/v1/subscriptions", json=other_host, headers=one)
            assert third.status_code == 409
            assert third.headers["content-type"] == "application/problem+json"
            assert "LGSCO_WEBHOOK_MAX_PER_KEY" in third.json()["detail"]
            assert (await api.post("/v1/subscriptions", json=body, headers=two)).status_code == 201
            fourth = await api.post("/v1/subscriptions", json=body, headers=two)
            assert fourth.status_code == 409
            assert "127.0.0.1" in fourth.json()["detail"]
            assert "LGSCO_WEBHOOK_MAX_PER_HOST" in fourth.json()["detail"]
            assert (
                await api.post("/v1/subscriptions", json=other_host, headers=two)
            ).status_code == 201
            # A deleted subscription frees its place.
            mine = (await api.get("/v1/subscriptions", headers=one)).json()["items"]
            await api.delete(f"/v1/subscriptions/{mine[0]['id']}", headers=one)
            assert (
                await api.post("/v1/subscriptions", json=other_host, headers=one)
            ).status_code == 201


class TestPinnedAddress:
    async def test_a_name_that_rebinds_to_another_address_is_not_followed(
        self, sessionmaker: Maker, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The resolver (the one failure not provoked for real: a DNS server that rebinds) says
        127.0.0.1 for `hooks.rebind.test` the first time and 127.0.0.2 after; only 127.0.0.1 is
        allowed. The delivery reaches 127.0.0.1; the service on 127.0.0.2 hears nothing."""
        async with hostile_receiver(endless) as checked:
            port = int(checked.url.rsplit(":", 1)[1])
            internal_heads: list[bytes] = []

            async def internal(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
                internal_heads.append(await reader.readuntil(b"\r\n\r\n"))
                writer.write(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
                writer.close()

            internal_server = await asyncio.start_server(internal, "127.0.0.2", port)
            real = socket.getaddrinfo
            answers: list[str] = []

            def rebinding(host: Any, *args: Any, **kwargs: Any) -> Any:
                if host != "hooks.rebind.test":
                    return real(host, *args, **kwargs)
                address = "127.0.0.1" if not answers else "127.0.0.2"
                answers.append(address)
                return real(address, *args, **kwargs)

            monkeypatch.setattr(socket, "getaddrinfo", rebinding)
            try:
                sub = await subscribe(sessionmaker, f"http://hooks.rebind.test:{port}/hook", [])
                await _ping(sessionmaker, sub.id)
                assert await run(sessionmaker, webhook_allowed_hosts=["127.0.0.1"]) == 1
            finally:
                internal_server.close()
        assert answers == ["127.0.0.1"]  # asked once, and that answer was the one used
        assert internal_heads == []
        assert checked.heads[0]["host"] == f"hooks.rebind.test:{port}"
        assert await outcomes(sessionmaker) == [("delivered", 1)]

    def test_pinned_https_keeps_the_name_for_tls(self) -> None:
        pinned = webhooks.pin("https://hooks.example.org/lgsco?x=1", "93.184.216.34")
        assert pinned.url == "https://93.184.216.34/lgsco?x=1"
        assert (pinned.host_header, pinned.sni_hostname) == ("hooks.example.org",) * 2
        v6 = webhooks.pin("https://hooks.example.org:8443/h", "2606:2800:220:1::1")
        assert v6.url == "https://[2606:2800:220:1::1]:8443/h"
        assert v6.host_header == "hooks.example.org:8443"
