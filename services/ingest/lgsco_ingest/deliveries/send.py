"""Sending: due deliveries leased (one in flight per subscription, a cap on all), POSTed to an
untrusted receiver within bounds, every attempt recorded, retries backed off, and the
subscription suspended when they run out."""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_ingest.deliveries.fanout import decision_of
from lgsco_shared import webhooks
from lgsco_shared.domain import ATTRIBUTION, DeliveryStatus, SubscriptionStatus
from lgsco_shared.models import (
    Decision,
    DecisionVersion,
    Delivery,
    DeliveryAttempt,
    Event,
    Remedy,
    Subscription,
)

BATCH = 50


MAX_RESPONSE_BYTES = 4096  # of a receiver's answer: only its status matters


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    api_base_url: str
    site_url: str
    allow_http: bool
    allowed_hosts: tuple[str, ...]
    timeout: float
    retry_hours: float
    user_agent: str
    concurrency: int = 8  # deliveries in flight at once on one worker

    @property
    def lease_seconds(self) -> float:
        """A delivery's lease: three times its total deadline, so it never outlives it."""
        return self.timeout * 3


# Deliveries of subscriptions that are no longer active are never sent.
_CANCEL = text(
    "UPDATE delivery SET status = :cancelled, leased_until = NULL"
    " WHERE status = :pending AND subscription_id IN"
    " (SELECT id FROM subscription WHERE status <> :active)"
).bindparams(
    active=SubscriptionStatus.ACTIVE.value,
    pending=DeliveryStatus.PENDING.value,
    cancelled=DeliveryStatus.CANCELLED.value,
)


# Active subscriptions with a delivery due, locked for this transaction; a subscription another
# worker is leasing for right now is skipped.
_LOCK_DUE = text(
    "SELECT s.id FROM subscription s WHERE s.status = :active AND EXISTS ("
    " SELECT 1 FROM delivery d WHERE d.subscription_id = s.id AND d.status = :pending"
    " AND d.next_attempt_at <= :now AND (d.leased_until IS NULL OR d.leased_until < :now))"
    " ORDER BY s.id LIMIT :n FOR UPDATE OF s SKIP LOCKED"
).bindparams(active=SubscriptionStatus.ACTIVE.value, pending=DeliveryStatus.PENDING.value)


# In a statement of its own (so that it sees every lease committed before the locks were taken):
# the oldest due delivery of each locked subscription that has none in flight.
_LEASE = text(
    "UPDATE delivery SET leased_until = :lease WHERE id IN ("
    " SELECT DISTINCT ON (d.subscription_id) d.id FROM delivery d"
    " WHERE d.subscription_id = ANY(:subscriptions) AND d.status = :pending"
    " AND d.next_attempt_at <= :now AND (d.leased_until IS NULL OR d.leased_until < :now)"
    " AND NOT EXISTS (SELECT 1 FROM delivery f WHERE f.subscription_id = d.subscription_id"
    "  AND f.status = :pending AND f.leased_until >= :now)"
    " ORDER BY d.subscription_id, d.next_attempt_at, d.id"
    ") RETURNING id"
).bindparams(pending=DeliveryStatus.PENDING.value)


async def lease_due(
    sessionmaker: async_sessionmaker[AsyncSession], config: WebhookConfig, n: int
) -> list[int]:
    """Lease up to `n` due deliveries, at most one per subscription and none of a subscription
    that has one in flight (on any worker); cancel those of inactive subscriptions."""
    now = datetime.now(UTC)
    lease = now + timedelta(seconds=config.lease_seconds)
    async with sessionmaker.begin() as session:
        await session.execute(_CANCEL)
        locked = list((await session.execute(_LOCK_DUE, {"now": now, "n": n})).scalars())
        if not locked:
            return []
        leased = await session.execute(
            _LEASE, {"lease": lease, "now": now, "subscriptions": locked}
        )
        return list(leased.scalars())


async def deliver_due(
    sessionmaker: async_sessionmaker[AsyncSession], http: httpx.AsyncClient, config: WebhookConfig
) -> int:
    """Lease due deliveries, LGSCO_WEBHOOK_CONCURRENCY at a time, send them, record outcomes;
    again while some are due, for at most one delivery deadline (the tick's budget)."""
    started = time.monotonic()
    sent = 0
    while sent < BATCH and time.monotonic() - started < config.timeout:
        claimed = await lease_due(sessionmaker, config, min(config.concurrency, BATCH - sent))
        if not claimed:
            break
        await asyncio.gather(*(_deliver(sessionmaker, http, config, id_) for id_ in claimed))
        sent += len(claimed)
    return sent


async def _deliver(
    sessionmaker: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient,
    config: WebhookConfig,
    delivery_id: int,
) -> None:
    async with sessionmaker() as session:
        delivery = await session.get(Delivery, delivery_id)
        assert delivery is not None
        subscription = await session.get(Subscription, delivery.subscription_id)
        event = await session.get(Event, delivery.event_id)
        assert subscription is not None and event is not None
        if subscription.status != SubscriptionStatus.ACTIVE:  # deleted or suspended since the lease
            await session.execute(
                update(Delivery)
                .where(Delivery.id == delivery_id, Delivery.status == DeliveryStatus.PENDING)
                .values(status=DeliveryStatus.CANCELLED, leased_until=None)
            )
            await session.commit()
            return
        body = json.dumps(await _payload(session, event, config), default=str).encode()
    started = time.monotonic()
    status_code, error = await _post(http, config, subscription, event, body)
    elapsed = int((time.monotonic() - started) * 1000)
    async with sessionmaker.begin() as session:
        delivery = await session.get(Delivery, delivery_id, with_for_update=True)
        assert delivery is not None
        session.add(
            DeliveryAttempt(
                delivery_id=delivery_id, status_code=status_code, error=error, duration_ms=elapsed
            )
        )
        _record_outcome(delivery, status_code, error, config)
        if delivery.status == DeliveryStatus.DEAD:
            await session.execute(
                update(Subscription)
                .where(Subscription.id == subscription.id)
                .values(
                    status=SubscriptionStatus.SUSPENDED,
                    suspended_reason=(
                        f"suspended after {delivery.attempts} failed attempts over "
                        f"{config.retry_hours:g} hours; last: {error or f'HTTP {status_code}'}"
                    ),
                )
            )


async def _post(
    http: httpx.AsyncClient,
    config: WebhookConfig,
    subscription: Subscription,
    event: Event,
    body: bytes,
) -> tuple[int | None, str | None]:
    """POST one delivery within its deadline, to the address checked, reading little."""
    started = time.monotonic()
    try:
        # Checked again now: DNS may point somewhere else than when the subscription was made;
        # the address checked is the one connected to.
        async with asyncio.timeout(config.timeout):
            addresses = await asyncio.to_thread(
                webhooks.resolve_callback,
                subscription.callback_url,
                allow_http=config.allow_http,
                allowed_hosts=config.allowed_hosts,
            )
    except webhooks.CallbackRejected as exc:
        return None, f"callback refused: {exc}"
    except TimeoutError:
        return None, f"Timeout: callback host did not resolve within {config.timeout:g} s"
    pinned = webhooks.pin(subscription.callback_url, addresses[0])
    headers = {
        "Host": pinned.host_header,
        "Content-Type": "application/json",
        "Accept-Encoding": "identity",
        "User-Agent": config.user_agent,
        "Idempotency-Key": f"evt_{event.id}",
        "X-LGSCO-Event": event.type,
        webhooks.SIGNATURE_HEADER: webhooks.sign(subscription.secret, int(time.time()), body),
    }
    remaining = max(0.1, config.timeout - (time.monotonic() - started))
    try:
        async with asyncio.timeout(remaining):
            async with http.stream(
                "POST",
                pinned.url,
                content=body,
                headers=headers,
                timeout=remaining,
                extensions={"sni_hostname": pinned.sni_hostname},
            ) as response:
                read = 0
                async for chunk in response.aiter_raw():  # never decoded: no bomb to inflate
                    read += len(chunk)
                    if read >= MAX_RESPONSE_BYTES:
                        break
                status = response.status_code
                ok = response.is_success
    except TimeoutError:
        return None, f"Timeout: no complete answer within {config.timeout:g} s"
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    return status, None if ok else f"HTTP {status}"


def _record_outcome(
    delivery: Delivery, status_code: int | None, error: str | None, config: WebhookConfig
) -> None:
    now = datetime.now(UTC)
    delivery.attempts += 1
    delivery.leased_until = None
    if error is None:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        return
    if now - delivery.created_at >= timedelta(hours=config.retry_hours):
        delivery.status = DeliveryStatus.DEAD
        return
    delivery.next_attempt_at = now + backoff(delivery.attempts, config.retry_hours)


def backoff(attempts: int, retry_hours: float) -> timedelta:
    """30 s, 1 min, 2 min, ... capped at 1/8 of the retry window, with ±20% jitter."""
    cap = retry_hours * 3600 / 8
    seconds = min(cap, 30 * 2 ** (attempts - 1))
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))  # noqa: S311  # nosec B311


async def _changed_fields(session: AsyncSession, decision: Decision) -> list[str]:
    """What the decision's latest version changed (every field for the first version)."""
    fields = await session.scalar(
        select(DecisionVersion.changed_fields).where(
            DecisionVersion.decision_id == decision.id,
            DecisionVersion.version == decision.version,
        )
    )
    return list(fields or [])


async def _payload(session: AsyncSession, event: Event, config: WebhookConfig) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": f"evt_{event.id}",
        "type": event.type,
        "created_at": event.created_at.isoformat(),
    }
    decision = await decision_of(session, event.decision_id)
    if decision is not None:
        payload["decision"] = {
            "reference": decision.reference,
            "organisations": [o.name for o in decision.organisations],
            "category": decision.category,
            "subcategory": decision.subcategory,
            "outcome": decision.outcome,
            "outcome_label": decision.outcome_label,
            "decided_on": decision.decided_on,
            "summary": decision.summary,
            "status": decision.status,
            "withdrawn_on": decision.withdrawn_on,
            "republished_on": decision.republished_on,
            "version": decision.version,
            "changed_fields": await _changed_fields(session, decision),
            "source_url": config.site_url + decision.permalink,
            "attribution": ATTRIBUTION,
        }
        payload["link"] = (
            f"{config.api_base_url}/v1/decisions/{decision.reference.replace(' ', '-')}"
        )
    if event.remedy_id is not None and (remedy := await session.get(Remedy, event.remedy_id)):
        payload["remedy"] = {
            "id": remedy.id,
            "type": remedy.type,
            "sentence": remedy.sentence,
            "amount": remedy.amount,
            "payee": remedy.payee,
            "due_on": remedy.due_on,
            "status": remedy.status,
        }
        payload["link"] = f"{config.api_base_url}/v1/remedies/{remedy.id}"
    return payload
