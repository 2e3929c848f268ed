"""Events for the outbox, written in the caller's transaction (flush, never commit).

The ingest worker writes decision events itself, as Core inserts on its connection
(lgsco_ingest.store.decision_stored), from the same `DECISION_EVENTS`."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_shared import webhooks
from lgsco_shared.domain import FetchResult
from lgsco_shared.models import Event

# What a stored fetch result tells subscribers; other results (unchanged, failed) tell nothing.
DECISION_EVENTS = {
    FetchResult.NEW: webhooks.DECISION_PUBLISHED,
    FetchResult.CHANGED: webhooks.DECISION_CHANGED,
    FetchResult.WITHDRAWN: webhooks.DECISION_WITHDRAWN,
    FetchResult.ARCHIVED: webhooks.DECISION_ARCHIVED,
    FetchResult.REPUBLISHED: webhooks.DECISION_REPUBLISHED,
}


async def ping(session: AsyncSession, subscription_id: int) -> Event:
    event = Event(type=webhooks.PING, subscription_id=subscription_id)
    session.add(event)
    await session.flush()
    return event
