"""Webhook delivery, run by the worker and never inside an API request.

Every tick first asks one cheap question, whether any subscription is active; if none is,
that is all. Then three steps, each safe to run on several workers at once and to repeat:
1. `raise_remedy_reminders` records `remedy.due_soon` / `remedy.overdue` events (once each), in
   one INSERT ... SELECT, when the day changes or a new remedy was stored;
2. `fan_out` turns each new event into one delivery row per matching subscription, in one
   statement with the subscriptions' filters in SQL;
3. `deliver_due` leases due deliveries, at most one per subscription in flight and at most
   LGSCO_WEBHOOK_CONCURRENCY at once, POSTs them concurrently, records every attempt, and
   schedules retries with exponential backoff for LGSCO_WEBHOOK_RETRY_HOURS, after which the
   subscription is suspended with the reason.
A delivery is a row with a lease, so a worker that dies mid-batch neither loses nor repeats one.

A receiver is untrusted: each delivery has a total deadline (LGSCO_WEBHOOK_TIMEOUT, a third of
its lease), connects only to the address its callback host was checked to resolve to (no second
DNS answer is asked for), asks for `Accept-Encoding: identity` and reads at most
MAX_RESPONSE_BYTES of the answer, which it never decodes. Deliveries of deleted or suspended
subscriptions are cancelled, never sent.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import weakref
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from lgsco_shared import webhooks
from lgsco_shared.domain import ATTRIBUTION, RemedyStatus
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


# --- 0. the gate ---------------------------------------------------------------------------

# One round trip a tick: whether any subscription is active, what reminders they want, and a
# high-water mark of remedies (a new remedy may already be due). No subscription: nothing else.
_GATE = text(
    "SELECT count(*) AS active, "
    "max(due_soon_days) FILTER (WHERE :due_soon = ANY(events)) AS notice, "
    "coalesce(bool_or(:overdue = ANY(events)), false) AS overdue, "
    "(SELECT max(id) FROM remedy) AS remedy_mark "
    "FROM subscription WHERE status = 'active'"
)


@dataclass(frozen=True, slots=True)
class Gate:
    active: int
    notice: int | None  # the longest due-soon notice any active subscription asks for
    overdue: bool  # whether any active subscription wants overdue reminders
    remedy_mark: int | None


async def gate(session: AsyncSession) -> Gate:
    params = {"due_soon": webhooks.REMEDY_DUE_SOON, "overdue": webhooks.REMEDY_OVERDUE}
    row = (await session.execute(_GATE, params)).one()
    return Gate(int(row.active), row.notice, bool(row.overdue), row.remedy_mark)


# --- 1. reminders ------------------------------------------------------------------------------

_REMINDERS = text(
    "INSERT INTO event (type, remedy_id, decision_id, due_on_key, fanned_out, created_at) "
    "SELECT CASE WHEN r.due_on < :today THEN :overdue_type ELSE :due_soon_type END, "
    "r.id, r.decision_id, to_char(r.due_on, 'YYYY-MM-DD'), false, now() "
    "FROM remedy r "
    "WHERE r.status = :pending AND r.current AND r.due_on IS NOT NULL AND ("
    "(:overdue AND r.due_on < :today) OR "
    "(CAST(:notice AS int) IS NOT NULL AND r.due_on >= :today "
    "AND r.due_on <= :today + CAST(:notice AS int))) "
    "ON CONFLICT (type, remedy_id, due_on_key) DO NOTHING"
)


async def raise_remedy_reminders(
    session: AsyncSession, today: date, state: Gate | None = None
) -> int:
    """Record due-soon (within the longest notice any subscription asks for) and overdue events
    that subscriptions want, once per remedy and due date, in one INSERT ... SELECT."""
    state = state or await gate(session)
    if not state.active or (state.notice is None and not state.overdue):
        return 0
    result = await session.execute(
        _REMINDERS,
        {
            "today": today,
            "overdue_type": webhooks.REMEDY_OVERDUE,
            "due_soon_type": webhooks.REMEDY_DUE_SOON,
            "pending": RemedyStatus.PENDING.value,
            "overdue": state.overdue,
            "notice": state.notice,
        },
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


class ReminderClock:
    """When reminders are due again: when the day changes, a new remedy is stored, or the
    subscriptions want other reminders; not on every tick. Kept per engine (per worker), so
    a restarted worker raises them once more, which ON CONFLICT makes harmless."""

    def __init__(self) -> None:
        self._last: weakref.WeakKeyDictionary[object, tuple[object, ...]] = (
            weakref.WeakKeyDictionary()
        )

    @staticmethod
    def key(today: date, state: Gate) -> tuple[object, ...]:
        return (today, state.notice, state.overdue, state.remedy_mark)

    def due(self, engine: object, key: tuple[object, ...]) -> bool:
        return self._last.get(engine) != key

    def done(self, engine: object, key: tuple[object, ...]) -> None:
        """Once the reminders' transaction has committed."""
        self._last[engine] = key


REMINDERS = ReminderClock()


# --- 2. fan-out --------------------------------------------------------------------------------

FAN_OUT_BATCH = 5000

# Each new event to every active subscription whose events and filters it matches, in one
# statement (the filters are those of `matches`, in SQL). What a filter compares is read once per
# event (its decision's organisations, category, outcome) and once per subscription (its filter
# as arrays), so matching the two is a comparison of values. A subscription receives events
# raised after it was created; a ping only its own subscription.
_FAN_OUT = text(
    "WITH batch AS ("
    " SELECT id, type, decision_id, remedy_id, subscription_id, created_at FROM event"
    " WHERE fanned_out = false ORDER BY id LIMIT :n FOR UPDATE SKIP LOCKED),"
    " marked AS (UPDATE event SET fanned_out = true FROM batch WHERE event.id = batch.id),"
    " events AS MATERIALIZED ("
    " SELECT b.id, b.type, b.subscription_id, b.created_at, d.id AS decision_id,"
    " lower(coalesce(d.category, '')) AS category, coalesce(d.outcome, '') AS outcome,"
    " d.has_remedy, r.due_on,"
    " ARRAY(SELECT lower(o.name) FROM decision_organisation x"
    "  JOIN organisation o ON o.id = x.organisation_id WHERE x.decision_id = d.id)"
    "  AS organisations"
    " FROM batch b LEFT JOIN decision d ON d.id = b.decision_id"
    " LEFT JOIN remedy r ON r.id = b.remedy_id),"
    " subs AS MATERIALIZED ("
    " SELECT s.id, s.events, s.created_at, s.due_soon_days,"
    " ARRAY(SELECT lower(n) FROM jsonb_array_elements_text("
    "  CASE WHEN jsonb_typeof(s.filters->'organisation') = 'array'"
    "  THEN s.filters->'organisation' ELSE '[]'::jsonb END) AS n) AS organisations,"
    " ARRAY(SELECT n FROM jsonb_array_elements_text("
    "  CASE WHEN jsonb_typeof(s.filters->'outcome') = 'array'"
    "  THEN s.filters->'outcome' ELSE '[]'::jsonb END) AS n) AS outcomes,"
    " lower(nullif(s.filters->>'category', '')) AS category,"
    " CASE WHEN jsonb_typeof(s.filters->'has_remedy') = 'boolean'"
    "  THEN CAST(s.filters->>'has_remedy' AS boolean) END AS has_remedy"
    " FROM subscription s WHERE s.status = 'active'),"
    " wanted AS ("
    " SELECT s.id AS subscription_id, e.id AS event_id FROM events e JOIN subs s ON"
    " (e.type = :ping AND e.subscription_id = s.id)"
    " OR (e.type <> :ping AND e.type = ANY(s.events) AND e.decision_id IS NOT NULL"
    "  AND e.created_at >= s.created_at"
    "  AND (e.type <> :due_soon OR e.due_on IS NULL OR e.due_on - :today <= s.due_soon_days)"
    "  AND (cardinality(s.organisations) = 0 OR e.organisations && s.organisations)"
    "  AND (s.category IS NULL OR e.category = s.category)"
    "  AND (cardinality(s.outcomes) = 0 OR e.outcome = ANY(s.outcomes))"
    "  AND (s.has_remedy IS NULL OR e.has_remedy = s.has_remedy))),"
    " inserted AS ("
    " INSERT INTO delivery (subscription_id, event_id, status, attempts, next_attempt_at)"
    " SELECT subscription_id, event_id, 'pending', 0, :now FROM wanted"
    " ON CONFLICT (subscription_id, event_id) DO NOTHING RETURNING 1)"
    " SELECT count(*) FROM inserted"
)


async def fan_out(session: AsyncSession, now: datetime) -> int:
    """One delivery per (new event, matching active subscription), in one statement a batch."""
    result = await session.execute(
        _FAN_OUT,
        {
            "n": FAN_OUT_BATCH,
            "ping": webhooks.PING,
            "due_soon": webhooks.REMEDY_DUE_SOON,
            "today": now.date(),
            "now": now,
        },
    )
    return int(result.scalar_one())


async def _decision(session: AsyncSession, decision_id: int | None) -> Decision | None:
    if decision_id is None:
        return None
    return await session.scalar(
        select(Decision)
        .where(Decision.id == decision_id)
        .options(selectinload(Decision.organisations))
    )


def matches(filters: dict[str, Any], decision: Decision) -> bool:
    """Does a decision pass a subscription's filter: organisation, category, outcome, has_remedy?

    The same rules as the fan-out's SQL, for checking a filter on one decision in Python."""
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


# Deliveries of subscriptions that are no longer active are never sent.
_CANCEL = text(
    "UPDATE delivery SET status = 'cancelled', leased_until = NULL WHERE status = 'pending'"
    " AND subscription_id IN (SELECT id FROM subscription WHERE status <> 'active')"
)
# Active subscriptions with a delivery due, locked for this transaction; a subscription another
# worker is leasing for right now is skipped.
_LOCK_DUE = text(
    "SELECT s.id FROM subscription s WHERE s.status = 'active' AND EXISTS ("
    " SELECT 1 FROM delivery d WHERE d.subscription_id = s.id AND d.status = 'pending'"
    " AND d.next_attempt_at <= :now AND (d.leased_until IS NULL OR d.leased_until < :now))"
    " ORDER BY s.id LIMIT :n FOR UPDATE OF s SKIP LOCKED"
)
# In a statement of its own (so that it sees every lease committed before the locks were taken):
# the oldest due delivery of each locked subscription that has none in flight.
_LEASE = text(
    "UPDATE delivery SET leased_until = :lease WHERE id IN ("
    " SELECT DISTINCT ON (d.subscription_id) d.id FROM delivery d"
    " WHERE d.subscription_id = ANY(:subscriptions) AND d.status = 'pending'"
    " AND d.next_attempt_at <= :now AND (d.leased_until IS NULL OR d.leased_until < :now)"
    " AND NOT EXISTS (SELECT 1 FROM delivery f WHERE f.subscription_id = d.subscription_id"
    "  AND f.status = 'pending' AND f.leased_until >= :now)"
    " ORDER BY d.subscription_id, d.next_attempt_at, d.id"
    ") RETURNING id"
)


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
        if subscription.status != "active":  # deleted or suspended since the lease
            await session.execute(
                update(Delivery)
                .where(Delivery.id == delivery_id, Delivery.status == "pending")
                .values(status="cancelled", leased_until=None)
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


async def prepare(
    session: AsyncSession, now: datetime, clock: ReminderClock = REMINDERS
) -> tuple[int, tuple[object, ...] | None]:
    """Reminders (when due) and fan-out; nothing but one query when no subscription is active.

    Returns the number of active subscriptions (0: the tick does nothing more) and, if
    reminders were raised, the key to mark done with `clock.done` once committed."""
    state = await gate(session)
    if not state.active:
        return 0, None
    key = clock.key(now.date(), state)
    reminded = clock.due(session.bind, key)
    if reminded:
        await raise_remedy_reminders(session, now.date(), state)
    await fan_out(session, now)
    return state.active, key if reminded else None


async def run_once(
    sessionmaker: async_sessionmaker[AsyncSession], http: httpx.AsyncClient, config: WebhookConfig
) -> int:
    """Reminders, fan-out, then delivery of what is due: what the worker's cron calls."""
    now = datetime.now(UTC)
    async with sessionmaker.begin() as session:
        active, reminded = await prepare(session, now)
        engine = session.bind
    if reminded is not None:
        REMINDERS.done(engine, reminded)
    if not active:
        return 0
    return await deliver_due(sessionmaker, http, config)
