"""The one question every tick asks first: whether any subscription is active, what reminders
they want, and a high-water mark of remedies. No subscription: nothing else is done."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_shared import webhooks
from lgsco_shared.domain import SubscriptionStatus

# One round trip a tick: whether any subscription is active, what reminders they want, and a
# high-water mark of remedies (a new remedy may already be due). No subscription: nothing else.
_GATE = text(
    "SELECT count(*) AS active, "
    "max(due_soon_days) FILTER (WHERE :due_soon = ANY(events)) AS notice, "
    "coalesce(bool_or(:overdue = ANY(events)), false) AS overdue, "
    "(SELECT max(id) FROM remedy) AS remedy_mark "
    "FROM subscription WHERE status = :active"
).bindparams(active=SubscriptionStatus.ACTIVE.value)


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
