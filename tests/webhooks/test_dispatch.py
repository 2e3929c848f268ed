"""The dispatcher's cost: with no active subscription a tick is one query and changes nothing;
with subscriptions, fan-out is one statement whose SQL filters agree with `matches` on every
(subscription, event) pair; reminders are one INSERT ... SELECT, raised again only when the day
or the remedies change."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import event as sa_event
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from lgsco_ingest.deliveries import fanout, reminders, tick
from lgsco_shared import webhooks
from lgsco_shared.domain import Outcome, PublicationStatus, RemedyStatus, RemedyType
from lgsco_shared.models import Decision, Delivery, Event, Remedy, Subscription
from tests.api.factories import make_decision
from tests.webhooks.test_webhooks import config, subscribe

Maker = async_sessionmaker[AsyncSession]


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """The SQL statements `engine` sends while the block runs."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    sa_event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa_event.remove(engine.sync_engine, "before_cursor_execute", record)


def engine_of(maker: Maker) -> AsyncEngine:
    engine = maker.kw["bind"]
    assert isinstance(engine, AsyncEngine)
    return engine


async def make_events(maker: Maker) -> list[int]:
    """Decisions of several organisations, categories, outcomes, with and without remedies,
    each published (an event), and an overdue remedy."""
    specs = [
        (("Kent County Council",), "Adult care services", Outcome.UPHELD, True),
        (("Kent County Council", "Care Homes Ltd"), "Education", Outcome.NOT_UPHELD, False),
        (("Barnet Borough Council",), "adult care services", None, True),
        (("Care Homes Ltd",), "Planning", Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES, False),
    ]
    async with maker.begin() as session:
        ids = []
        for organisations, category, outcome, has_remedy in specs:
            decision = await make_decision(
                session,
                organisations=organisations,
                category=category,
                outcome=outcome,
                has_remedy=has_remedy,
            )
            ids.append(decision.id)
            session.add(Event(type=webhooks.DECISION_PUBLISHED, decision_id=decision.id))
            session.add(Event(type=webhooks.DECISION_ARCHIVED, decision_id=decision.id))
    return ids


FILTERS: list[dict[str, Any]] = [
    {},
    {"organisation": ["kent county council"]},
    {"organisation": ["Care Homes Ltd", "Nowhere Council"]},
    {"organisation": []},
    {"category": "Adult care services"},
    {"category": ""},
    {"outcome": ["upheld", "not_upheld"]},
    {"outcome": None, "has_remedy": None},
    {"has_remedy": True},
    {"has_remedy": False, "organisation": ["Kent County Council"]},
    {"organisation": ["Kent County Council"], "category": "education", "outcome": ["not_upheld"]},
]


async def test_fan_out_in_sql_agrees_with_matches_for_every_filter(sessionmaker: Maker) -> None:
    subscriptions = []
    for i, filters in enumerate(FILTERS):
        events = [webhooks.DECISION_PUBLISHED] if i % 2 else [webhooks.DECISION_ARCHIVED]
        subscriptions.append(
            await subscribe(sessionmaker, f"https://example.org/{i}", events, filters)
        )
    await make_events(sessionmaker)
    with statements(engine_of(sessionmaker)) as sent:
        async with sessionmaker.begin() as session:
            active, _ = await tick.prepare(session, datetime.now(UTC))
    assert active == len(FILTERS)
    fan_outs = [s for s in sent if "INSERT INTO delivery" in s]
    assert len(fan_outs) == 1  # every event to every subscription: one statement

    async with sessionmaker() as session:
        got = set(
            (await session.execute(select(Delivery.subscription_id, Delivery.event_id))).all()
        )
        every = list(await session.scalars(select(Event).where(Event.decision_id.isnot(None))))
        decisions = {
            d.id: d
            for d in await session.scalars(
                select(Decision).options(selectinload(Decision.organisations))
            )
        }
        assert not (await session.scalar(select(func.count()).where(Event.fanned_out.is_(False))))
    expected = {
        (s.id, e.id)
        for s in subscriptions
        for e in every
        if e.type in s.events and fanout.matches(s.filters, decisions[e.decision_id])
    }
    assert got == expected
    assert len(expected) > 5 and len(expected) < len(subscriptions) * len(every)


async def test_a_tick_with_no_active_subscription_is_one_query_and_changes_nothing(
    sessionmaker: Maker,
) -> None:
    decision_ids = await make_events(sessionmaker)
    async with sessionmaker.begin() as session:
        session.add(
            Remedy(
                decision_id=decision_ids[0],
                fingerprint="f" * 64,
                type=RemedyType.APOLOGY,
                sentence="apologise to Mrs X",
                due_on=date.today() - timedelta(days=10),
                status=RemedyStatus.PENDING,
            )
        )
    suspended = await subscribe(sessionmaker, "https://example.org/s", [webhooks.REMEDY_OVERDUE])
    async with sessionmaker.begin() as session:
        await session.execute(
            update(Subscription).where(Subscription.id == suspended.id).values(status="suspended")
        )
    async with httpx.AsyncClient() as http:
        with statements(engine_of(sessionmaker)) as sent:
            assert await tick.run_once(sessionmaker, http, config()) == 0
    assert len(sent) == 1 and sent[0].lstrip().startswith("SELECT count(*) AS active")
    async with sessionmaker() as session:
        unfanned = await session.scalar(select(func.count()).where(Event.fanned_out.is_(False)))
        overdue = await session.scalar(
            select(func.count()).where(Event.type == webhooks.REMEDY_OVERDUE)
        )
    assert (unfanned, overdue) == (8, 0)  # nothing read, nothing raised


async def test_reminders_are_one_insert_raised_again_only_when_something_changed(
    sessionmaker: Maker,
) -> None:
    decision_ids = await make_events(sessionmaker)
    today = date.today()
    async with sessionmaker.begin() as session:
        for i, days in enumerate((-30, -1, 3, 20)):
            session.add(
                Remedy(
                    decision_id=decision_ids[i],
                    fingerprint=str(i) * 64,
                    type=RemedyType.APOLOGY,
                    sentence=f"apologise ({i})",
                    due_on=today + timedelta(days=days),
                    status=RemedyStatus.PENDING,
                )
            )
    await subscribe(
        sessionmaker, "https://example.org/r", [webhooks.REMEDY_OVERDUE, webhooks.REMEDY_DUE_SOON]
    )
    clock = reminders.ReminderClock()
    engine = engine_of(sessionmaker)
    now = datetime.now(UTC)

    async def one_tick(at: datetime) -> list[str]:
        with statements(engine) as sent:
            async with sessionmaker.begin() as session:
                _, key = await tick.prepare(session, at, clock)
            if key is not None:
                clock.done(engine, key)
        return [s for s in sent if "INSERT INTO event" in s]

    assert len(await one_tick(now)) == 1
    assert await one_tick(now) == []  # same day, same remedies: not again
    async with sessionmaker() as session:
        raised = sorted(
            (e.type, e.due_on_key)
            for e in await session.scalars(select(Event).where(Event.remedy_id.isnot(None)))
        )
    assert raised == sorted(
        [
            (webhooks.REMEDY_OVERDUE, str(today - timedelta(days=30))),
            (webhooks.REMEDY_OVERDUE, str(today - timedelta(days=1))),
            (webhooks.REMEDY_DUE_SOON, str(today + timedelta(days=3))),
        ]
    )
    assert len(await one_tick(now + timedelta(days=1))) == 1  # the next day: raised again


async def test_removal_webhooks_say_which_it_was(sessionmaker: Maker) -> None:
    from tests.webhooks.receiver import Receiver
    from tests.webhooks.test_webhooks import run

    receiver = Receiver()
    receiver.start()
    try:
        await subscribe(
            sessionmaker,
            f"{receiver.url}/hook",
            [
                webhooks.DECISION_ARCHIVED,
                webhooks.DECISION_WITHDRAWN,
                webhooks.DECISION_REPUBLISHED,
            ],
        )
        gone_on = date(2026, 3, 1)
        async with sessionmaker.begin() as session:
            for status, event_type, republished_on in (
                (PublicationStatus.ARCHIVED, webhooks.DECISION_ARCHIVED, None),
                (PublicationStatus.WITHDRAWN, webhooks.DECISION_WITHDRAWN, None),
                (PublicationStatus.PUBLISHED, webhooks.DECISION_REPUBLISHED, date(2026, 4, 2)),
            ):
                decision = await make_decision(
                    session, status=status, withdrawn_on=gone_on, republished_on=republished_on
                )
                session.add(Event(type=event_type, decision_id=decision.id))
        await run(sessionmaker)
    finally:
        receiver.stop()
    got = sorted(
        (
            body["type"],
            body["decision"]["status"],
            body["decision"]["withdrawn_on"],
            body["decision"]["republished_on"],
        )
        for body in (json.loads(r.body) for r in receiver.received)
    )
    assert got == [
        ("decision.archived", "archived", "2026-03-01", None),
        ("decision.republished", "published", "2026-03-01", "2026-04-02"),
        ("decision.withdrawn", "withdrawn", "2026-03-01", None),
    ]
