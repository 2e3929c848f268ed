"""What the worker's cron calls: the gate, reminders and fan-out in one transaction, then
sending."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_ingest.deliveries.fanout import fan_out
from lgsco_ingest.deliveries.gate import gate
from lgsco_ingest.deliveries.reminders import REMINDERS, ReminderClock, raise_remedy_reminders
from lgsco_ingest.deliveries.send import WebhookConfig, deliver_due


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
