"""Remedy reminders: `remedy.due_soon` / `remedy.overdue` events, raised once each in one
INSERT ... SELECT, when the day changes or a new remedy was stored."""

from __future__ import annotations

import weakref
from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_ingest.deliveries.gate import Gate, gate
from lgsco_shared import webhooks
from lgsco_shared.domain import RemedyStatus

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
