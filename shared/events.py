"""Record events in the outbox, in the caller's transaction (flush, never commit)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from lgsco.shared import webhooks
from lgsco.shared.domain import FetchResult
from lgsco.shared.models import Event

_DECISION_EVENTS = {
    FetchResult.NEW: webhooks.DECISION_PUBLISHED,
    FetchResult.CHANGED: webhooks.DECISION_CHANGED,
    FetchResult.WITHDRAWN: webhooks.DECISION_WITHDRAWN,
}


async def decision_stored(session: AsyncSession, result: FetchResult, decision_id: int) -> None:
    """A decision was published, changed or withdrawn: one event; other results: none."""
    if (event_type := _DECISION_EVENTS.get(result)) is not None:
        session.add(Event(type=event_type, decision_id=decision_id))
        await session.flush()


async def ping(session: AsyncSession, subscription_id: int) -> Event:
    event = Event(type=webhooks.PING, subscription_id=subscription_id)
    session.add(event)
    await session.flush()
    return event
