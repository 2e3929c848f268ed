"""The outbox: one event per published, changed, taken-down or republished decision, in the
transaction that stored it."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection

from lgsco_shared import events
from lgsco_shared.domain import FetchResult
from lgsco_shared.models import Event

_event = cast(Table, Event.__table__)


_INSERT_EVENT = _event.insert()


async def decision_stored(conn: AsyncConnection, result: FetchResult, decision_id: int) -> None:
    """A decision was published, changed, taken down or republished: one outbox event; other
    results: none."""
    if (event_type := events.DECISION_EVENTS.get(result)) is not None:
        await conn.execute(_INSERT_EVENT, {"type": event_type, "decision_id": decision_id})
