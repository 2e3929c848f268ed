"""Webhook delivery, run by the worker and never inside an API request.

Three steps, each safe to run on several workers at once and to repeat:
1. `raise_remedy_reminders` records `remedy.due_soon` / `remedy.overdue` events (once each);
2. `fan_out` turns each new event into one delivery row per matching subscription;
3. `deliver_due` leases due deliveries, POSTs them concurrently (a slow receiver costs only its
   own timeout), records every attempt, and schedules retries with exponential backoff for
   LGSCO_WEBHOOK_RETRY_HOURS, after which the subscription is suspended with the reason.
A delivery is a row with a lease, so a worker that dies mid-batch neither loses nor repeats one.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import and_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from lgsco.shared import webhooks
from lgsco.shared.domain import RemedyStatus
from lgsco.shared.models import (
    Decision,
    DecisionVersion,
    Delivery,
    DeliveryAttempt,
    Event,
    Remedy,
    Subscription,
)

ATTRIBUTION = "Contains decisions published by the Local Government and Social Care Ombudsman."
BATCH = 50


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    api_base_url: str
    site_url: str
    allow_http: bool
    allowed_hosts: tuple[str, ...]
    timeout: float
    retry_hours: float
    user_agent: str


# --- 1. reminders ------------------------------------------------------------------------------


async def raise_remedy_reminders(session: AsyncSession, today: date) -> int:
    """Record due-soon (within the longest notice any subscription asks for) and overdue events."""
    notice = await session.scalar(
        select(Subscription.due_soon_days)
        .where(Subscription.status == "active")
        .order_by(Subscription.due_soon_days.desc())
        .limit(1)
    )
    added = 0
    pending = Remedy.status == RemedyStatus.PENDING
    groups = [(webhooks.REMEDY_OVERDUE, and_(pending, Remedy.due_on < today))]
    if notice is not None:
        soon = and_(pending, Remedy.due_on >= today, Remedy.due_on <= today + timedelta(notice))
        groups.append((webhooks.REMEDY_DUE_SOON, soon))
    for event_type, condition in groups:
        rows = (
            await session.execute(
                select(Remedy.id, Remedy.decision_id, Remedy.due_on).where(
                    condition, Remedy.current.is_(True)
                )
            )
        ).all()
        for remedy_id, decision_id, due_on in rows:
            result = await session.execute(
                insert(Event)
                .values(
                    type=event_type,
                    remedy_id=remedy_id,
                    decision_id=decision_id,
                    due_on_key=str(due_on),
                )
                .on_conflict_do_nothing()
            )
            added += result.rowcount or 0  # type: ignore[attr-defined]
    return added


# --- 2. fan-out --------------------------------------------------------------------------------


async def fan_out(session: AsyncSession, now: datetime) -> int:
    """One delivery per (new event, matching active subscription)."""
    events = list(
        await session.scalars(
            select(Event)
            .where(Event.fanned_out.is_(False))
            .order_by(Event.id)
            .limit(500)
            .with_for_update(skip_locked=True)
        )
    )
    if not events:
        return 0
    subscriptions = list(
        await session.scalars(select(Subscription).where(Subscription.status == "active"))
    )
    created = 0
    for event in events:
        decision = await _decision(session, event.decision_id)
        remedy = await session.get(Remedy, event.remedy_id) if event.remedy_id else None
        for subscription in subscriptions:
            if _wants(subscription, event, decision, remedy, now.date()):
                result = await session.execute(
                    insert(Delivery)
                    .values(
                        subscription_id=subscription.id,
                        event_id=event.id,
                        status="pending",
                        attempts=0,
                        next_attempt_at=now,
                    )
                    .on_conflict_do_nothing()
                )
                created += result.rowcount or 0  # type: ignore[attr-defined]
        event.fanned_out = True
    return created


async def _decision(session: AsyncSession, decision_id: int | None) -> Decision | None:
    if decision_id is None:
        return None
    return await session.scalar(
        select(Decision)
        .where(Decision.id == decision_id)
        .options(selectinload(Decision.organisations))
    )


def _wants(
    sub: Subscription, event: Event, decision: Decision | None, remedy: Remedy | None, today: date
) -> bool:
    if event.type == webhooks.PING:
        return event.subscription_id == sub.id
    if event.type not in sub.events or decision is None:
        return False
    due_on = remedy.due_on if remedy is not None else None
    if (
        event.type == webhooks.REMEDY_DUE_SOON
        and due_on
        and (due_on - today).days > sub.due_soon_days
    ):
        return False
    return matches(sub.filters, decision)


def matches(filters: dict[str, Any], decision: Decision) -> bool:
    """Does a decision pass a subscription's filter: organisation, category, outcome, has_remedy?"""
    if names := filters.get("organisation"):
        wanted = {n.lower() for n in names}
        if not any(o.name.lower() in wanted for o in decision.organisations):
            return False
    if (category := filters.get("category")) and (
        decision.category or ""
    ).lower() != category.lower():
        return False
    if (outcomes := filters.get("outcome")) and (decision.outcome or "") not in outcomes:
        return False
    has_remedy = filters.get("has_remedy")
    return has_remedy is None or decision.has_remedy == has_remedy


# --- 3. delivery -------------------------------------------------------------------------------


async def deliver_due(
    sessionmaker: async_sessionmaker[AsyncSession], http: httpx.AsyncClient, config: WebhookConfig
) -> int:
    """Lease up to BATCH due deliveries, send them concurrently, record the outcomes."""
    now = datetime.now(UTC)
    lease = now + timedelta(seconds=config.timeout * 3)
    async with sessionmaker.begin() as session:
        claimed = (
            (
                await session.execute(
                    text(
                        "UPDATE delivery SET leased_until = :lease WHERE id IN ("
                        " SELECT id FROM delivery"
                        " WHERE status = 'pending' AND next_attempt_at <= :now"
                        " AND (leased_until IS NULL OR leased_until < :now)"
                        " ORDER BY next_attempt_at, id LIMIT :n FOR UPDATE SKIP LOCKED"
                        ") RETURNING id"
                    ),
                    {"lease": lease, "now": now, "n": BATCH},
                )
            )
            .scalars()
            .all()
        )
    await asyncio.gather(*(_deliver(sessionmaker, http, config, id_) for id_ in claimed))
    return len(claimed)


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
        if delivery.status == "dead":
            await session.execute(
                update(Subscription)
                .where(Subscription.id == subscription.id)
                .values(
                    status="suspended",
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
    try:
        # Checked again now: DNS may point somewhere else than when the subscription was made.
        await asyncio.to_thread(
            webhooks.check_callback,
            subscription.callback_url,
            allow_http=config.allow_http,
            allowed_hosts=config.allowed_hosts,
        )
    except webhooks.CallbackRejected as exc:
        return None, f"callback refused: {exc}"
    headers = {
        "Content-Type": "application/json",
        "User-Agent": config.user_agent,
        "Idempotency-Key": f"evt_{event.id}",
        "X-LGSCO-Event": event.type,
        webhooks.SIGNATURE_HEADER: webhooks.sign(subscription.secret, int(time.time()), body),
    }
    try:
        response = await http.post(
            subscription.callback_url, content=body, headers=headers, timeout=config.timeout
        )
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    return response.status_code, None if response.is_success else f"HTTP {response.status_code}"


def _record_outcome(
    delivery: Delivery, status_code: int | None, error: str | None, config: WebhookConfig
) -> None:
    now = datetime.now(UTC)
    delivery.attempts += 1
    delivery.leased_until = None
    if error is None:
        delivery.status = "delivered"
        delivery.delivered_at = now
        return
    if now - delivery.created_at >= timedelta(hours=config.retry_hours):
        delivery.status = "dead"
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
    decision = await _decision(session, event.decision_id)
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


async def run_once(
    sessionmaker: async_sessionmaker[AsyncSession], http: httpx.AsyncClient, config: WebhookConfig
) -> int:
    """Reminders, fan-out, then delivery of what is due: what the worker's cron calls."""
    now = datetime.now(UTC)
    async with sessionmaker.begin() as session:
        await raise_remedy_reminders(session, now.date())
        await fan_out(session, now)
    return await deliver_due(sessionmaker, http, config)
