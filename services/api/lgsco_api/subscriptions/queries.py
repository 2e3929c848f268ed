"""Subscriptions and their deliveries (reads and writes; flush, never commit)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_shared.domain import SubscriptionStatus
from lgsco_shared.models import Delivery, DeliveryAttempt, Event, Subscription

_LIMIT_LOCK = text("SELECT pg_advisory_xact_lock(hashtext('lgsco.subscription.create'))")
_COUNTS = text(
    "SELECT count(*) FILTER (WHERE owner = :owner) AS by_owner,"
    " count(*) FILTER (WHERE lower(substring(callback_url from '://([[][^]]+[]]|[^/:?#]+)'))"
    " = :host) AS by_host"
    " FROM subscription WHERE status = :active"
).bindparams(active=SubscriptionStatus.ACTIVE.value)


async def over_limit(
    session: AsyncSession, *, owner: str, callback_url: str, per_key: int, per_host: int
) -> str | None:
    """Why one more active subscription for `owner` to `callback_url` is refused, or None.

    Takes a transaction-scoped lock, so that concurrent creations are counted one at a time:
    call it in the transaction that creates the subscription."""
    hostname = (urlsplit(callback_url).hostname or "").lower()
    host = f"[{hostname}]" if ":" in hostname else hostname
    await session.execute(_LIMIT_LOCK)
    row = (await session.execute(_COUNTS, {"owner": owner, "host": host})).one()
    if row.by_owner >= per_key:
        return (
            f"The API key '{owner}' already holds {row.by_owner} active subscriptions, the most "
            f"one key may hold (LGSCO_WEBHOOK_MAX_PER_KEY); delete one first."
        )
    if row.by_host >= per_host:
        return (
            f"{row.by_host} active subscriptions already call back to {hostname}, the most one "
            "host may receive (LGSCO_WEBHOOK_MAX_PER_HOST); delete one, or use one subscription "
            "with a wider filter."
        )
    return None


async def create(
    session: AsyncSession,
    *,
    owner: str,
    callback_url: str,
    events: Sequence[str],
    filters: dict[str, Any],
    due_soon_days: int,
    secret: str,
) -> Subscription:
    subscription = Subscription(
        owner=owner,
        callback_url=callback_url,
        events=list(events),
        filters=filters,
        due_soon_days=due_soon_days,
        secret=secret,
        status=SubscriptionStatus.ACTIVE,
    )
    session.add(subscription)
    await session.flush()
    await session.refresh(subscription)
    return subscription


async def visible(session: AsyncSession, owner: str | None) -> list[Subscription]:
    """Subscriptions of `owner` (None: everyone's, for admin keys), newest first."""
    query = select(Subscription).where(Subscription.status != SubscriptionStatus.DELETED)
    if owner is not None:
        query = query.where(Subscription.owner == owner)
    return list(await session.scalars(query.order_by(Subscription.id.desc()).limit(500)))


async def get(session: AsyncSession, subscription_id: int) -> Subscription | None:
    subscription = await session.get(Subscription, subscription_id)
    return (
        None
        if subscription is None or subscription.status == SubscriptionStatus.DELETED
        else subscription
    )


async def deliveries(
    session: AsyncSession, subscription_id: int, limit: int
) -> list[tuple[Delivery, Event, list[DeliveryAttempt]]]:
    rows = (
        await session.execute(
            select(Delivery, Event)
            .join(Event, Event.id == Delivery.event_id)
            .where(Delivery.subscription_id == subscription_id)
            .order_by(Delivery.id.desc())
            .limit(limit)
        )
    ).all()
    ids = [d.id for d, _ in rows]
    attempts: dict[int, list[DeliveryAttempt]] = {i: [] for i in ids}
    for attempt in await session.scalars(
        select(DeliveryAttempt)
        .where(DeliveryAttempt.delivery_id.in_(ids))
        .order_by(DeliveryAttempt.id)
    ):
        attempts[attempt.delivery_id].append(attempt)
    return [(d, e, attempts[d.id]) for d, e in rows]
