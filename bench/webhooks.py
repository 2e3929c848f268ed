"""Benchmark: the webhook dispatcher's tick at full scale (not part of the test suite).

60,000 decisions, 10,000 pending remedies past their due date (and 20,000 completed). Measured:
- a tick with no active subscription (target: at most 20 ms), and how many statements it sends;
- the daily reminder pass with subscriptions that want reminders (one INSERT ... SELECT);
- with 100 subscriptions of varied filters, a tick that fans 1,000 new events out (target: at
  most 2 s), reminders already raised.

Run: `.venv/bin/python -m bench.webhooks` (PostgreSQL from LGSCO_BENCH_DATABASE_URL, else an
embedded server). Prints the figures and writes them to bench/.work/webhooks.json.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import asyncpg
from sqlalchemy import event as sa_event
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import WORK, Spread, asyncpg_args, create_database, drop_database, say, services
from lgsco_ingest.deliveries import gate, reminders, tick
from lgsco_shared.db import make_engine, make_sessionmaker

DECISIONS = 60_000
OVERDUE = 10_000
COMPLETED = 20_000
ORGANISATIONS = 300
SUBSCRIPTIONS = 100
NEW_EVENTS = 1_000
CATEGORIES = ("Adult care services", "Education", "Planning", "Housing", "Benefits and tax")
OUTCOMES = ("upheld", "not_upheld", "closed_after_initial_enquiries")


async def populate(url: str) -> None:
    """Rows as the ingest worker would leave them, written in bulk."""
    conn = await asyncpg.connect(**asyncpg_args(url))
    try:
        await conn.execute(
            "INSERT INTO organisation (name, kind) SELECT 'Council ' || i, 'other' "
            "FROM generate_series(1, $1) AS i",
            ORGANISATIONS,
        )
        await conn.execute(
            "INSERT INTO decision (reference, permalink, category, subcategory, outcome, "
            "outcome_label, decided_on, summary, sections, body_text, parse_warnings, has_remedy, "
            "status, content_hash, parser_version, version, first_seen_at, last_fetched_at, "
            "last_changed_at) "
            "SELECT to_char(i / 1000000, 'FM00') || ' ' || to_char(i / 1000 % 1000, 'FM000') "
            "|| ' ' || to_char(i % 1000, 'FM000'), '/decisions/x/y/' || i, "
            "($2::text[])[1 + i % 5], 'Sub', ($3::text[])[1 + i % 3], 'Upheld', "
            "date '2020-01-01' + i % 2000, 'Summary of decision ' || i, '[]', 'Body', '[]', "
            "i % 3 = 0, 'published', md5(i::text) || md5(i::text), 'bench', 1, now(), now(), now() "
            "FROM generate_series(1, $1) AS i",
            DECISIONS,
            list(CATEGORIES),
            list(OUTCOMES),
        )
        await conn.execute(
            "INSERT INTO decision_organisation (decision_id, organisation_id, position) "
            "SELECT d.id, 1 + d.id % $1, 0 FROM decision d",
            ORGANISATIONS,
        )
        # Columns a later schema requires (none of their values matters to the dispatcher).
        present = {
            r["column_name"]
            for r in await conn.fetch(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'remedy'"
            )
        }
        later = {"commitment": "'agreed'", "status_source": "'inferred'"}
        names = "".join(f", {c}" for c in later if c in present)
        values = "".join(f", {v}" for c, v in later.items() if c in present)
        await conn.execute(
            "INSERT INTO remedy (decision_id, fingerprint, position, type, sentence, due_on, "
            f"current, status, revision{names}) "
            "SELECT 1 + (i * 7) % $1, md5(i::text) || md5(i::text), 0, 'apology', "
            "'apologise to Mrs X', current_date - 1 - i % 300, true, "
            f"CASE WHEN i <= $2 THEN 'pending' ELSE 'completed' END, 1{values} "
            "FROM generate_series(1, $3) AS i",
            DECISIONS,
            OVERDUE,
            OVERDUE + COMPLETED,
        )
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


def subscriptions() -> list[dict[str, Any]]:
    """100 subscriptions as councils would make them: most filtered by organisation."""
    rng = random.Random(5)
    made = []
    for i in range(SUBSCRIPTIONS):
        filters: dict[str, Any] = {}
        if i % 10 < 4:
            filters["organisation"] = [f"Council {rng.randint(1, ORGANISATIONS)}" for _ in range(3)]
        elif i % 10 < 6:
            filters["category"] = CATEGORIES[i % len(CATEGORIES)]
        elif i % 10 < 8:
            filters["outcome"] = [OUTCOMES[i % 3]]
        elif i % 10 == 8:
            filters["has_remedy"] = True
        events = ["decision.published", "decision.changed"]
        if i % 4 == 0:
            events += ["remedy.overdue", "remedy.due_soon"]
        made.append({"events": events, "filters": filters})
    return made


async def add_subscriptions(url: str) -> None:
    conn = await asyncpg.connect(**asyncpg_args(url))
    try:
        for i, sub in enumerate(subscriptions()):
            await conn.execute(
                "INSERT INTO subscription (owner, callback_url, events, filters, due_soon_days, "
                "secret, status, created_at) VALUES ($1, $2, $3, $4::jsonb, 7, 'whsec_bench', "
                "'active', now() - interval '1 hour')",
                f"council {i}",
                f"https://hooks.example.org/{i}",
                sub["events"],
                json.dumps(sub["filters"]),
            )
    finally:
        await conn.close()


async def add_events(url: str, n: int, seed: int) -> None:
    rng = random.Random(seed)
    ids = [rng.randint(1, DECISIONS) for _ in range(n)]
    conn = await asyncpg.connect(**asyncpg_args(url))
    try:
        await conn.execute(
            "INSERT INTO event (type, decision_id, fanned_out, created_at) "
            "SELECT 'decision.published', unnest($1::int[]), false, now()",
            ids,
        )
    finally:
        await conn.close()


class Counted:
    """Statements an engine sends, counted."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.n = 0
        sa_event.listen(engine.sync_engine, "before_cursor_execute", self._count)

    def _count(self, *args: Any) -> None:
        self.n += 1


async def measure(url: str) -> dict[str, Any]:
    engine = make_engine(url, pool=True)
    maker = make_sessionmaker(engine)
    counted = Counted(engine)
    clock = reminders.ReminderClock()
    figures: dict[str, Any] = {}

    async def one_tick() -> tuple[float, int, int]:
        """(ms, statements, deliveries made) of one reminders-and-fan-out tick."""
        async with maker() as session:
            before = await session.scalar(_COUNT_DELIVERIES)
        before_statements = counted.n
        started = time.perf_counter()
        async with maker.begin() as session:
            _, key = await tick.prepare(session, datetime.now(UTC), clock)
        elapsed = (time.perf_counter() - started) * 1000
        statements = counted.n - before_statements
        if key is not None:
            clock.done(engine, key)
        async with maker() as session:
            after = await session.scalar(_COUNT_DELIVERIES)
        return elapsed, statements, int(after or 0) - int(before or 0)

    try:
        idle = [await one_tick() for _ in range(50)]
        figures["idle_tick_ms"] = Spread.of([ms for ms, _, _ in idle])
        figures["idle_tick_p_max_ms"] = max(ms for ms, _, _ in idle)
        figures["idle_tick_statements"] = idle[-1][1]
        say(f"no subscription: {figures['idle_tick_ms'].show('{:.2f}')} ms a tick")

        await add_subscriptions(url)
        async with maker.begin() as session:  # the daily pass's INSERT ... SELECT alone
            state = await gate.gate(session)
            before_statements = counted.n
            started = time.perf_counter()
            await reminders.raise_remedy_reminders(session, datetime.now(UTC).date(), state)
            reminder_ms = (time.perf_counter() - started) * 1000
            statements = counted.n - before_statements
        clock.done(engine, clock.key(datetime.now(UTC).date(), state))
        figures["reminder_pass_ms"] = reminder_ms
        figures["reminder_pass_statements"] = statements
        async with maker() as session:
            figures["reminders_raised"] = int(await session.scalar(_COUNT_REMINDERS) or 0)
        drained = 0.0
        while True:  # fan the reminders out (5,000 events a tick)
            ms, _, more = await one_tick()
            if more == 0:
                break
            drained += ms
        figures["reminder_fan_out_ms"] = drained
        async with maker() as session:
            figures["reminder_deliveries"] = int(await session.scalar(_COUNT_DELIVERIES) or 0)
        say(
            f"daily reminders: {figures['reminders_raised']:,} raised in {reminder_ms:.0f} ms "
            f"({statements} statements)"
        )

        busy = []
        for round_ in range(5):
            await add_events(url, NEW_EVENTS, seed=round_)
            busy.append(await one_tick())
        figures["busy_tick_ms"] = Spread.of([ms for ms, _, _ in busy])
        figures["busy_tick_statements"] = busy[-1][1]
        figures["busy_tick_deliveries"] = Spread.of([float(made) for _, _, made in busy])
        say(f"{NEW_EVENTS:,} new events: {figures['busy_tick_ms'].show()} ms a tick")
    finally:
        await engine.dispose()
    return figures


_COUNT_DELIVERIES = text("SELECT count(*) FROM delivery")
_COUNT_REMINDERS = text("SELECT count(*) FROM event WHERE type = 'remedy.overdue'")


def main() -> None:
    with services() as found:
        url = create_database(found.postgres_admin_url, "webhooks")
        try:
            say(f"populating: {DECISIONS:,} decisions, {OVERDUE:,} overdue remedies")
            asyncio.run(populate(url))
            figures = asyncio.run(measure(url))
        finally:
            drop_database(found.postgres_admin_url, url)
    idle, busy = figures["idle_tick_ms"], figures["busy_tick_ms"]
    lines = [
        f"decisions {DECISIONS:,}, overdue remedies {OVERDUE:,}, subscriptions {SUBSCRIPTIONS}",
        f"tick, no active subscription: {idle.show('{:.2f}')} ms median (max "
        f"{figures['idle_tick_p_max_ms']:.2f} ms), {figures['idle_tick_statements']} statement "
        f"- target <= 20 ms: {'met' if idle.median <= 20 else 'MISSED'}",
        f"daily reminder pass: {figures['reminders_raised']:,} overdue reminders raised in "
        f"{figures['reminder_pass_ms']:.0f} ms ({figures['reminder_pass_statements']} statements); "
        f"their fan-out {figures['reminder_fan_out_ms']:.0f} ms, "
        f"{figures['reminder_deliveries']:,} deliveries",
        f"tick, {SUBSCRIPTIONS} subscriptions and {NEW_EVENTS:,} new events: {busy.show()} ms "
        f"median, {figures['busy_tick_statements']} statements, "
        f"{figures['busy_tick_deliveries'].median:,.0f} deliveries "
        f"- target <= 2000 ms: {'met' if busy.median <= 2000 else 'MISSED'}",
    ]
    print("\n".join(lines))
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "webhooks.json").write_text(
        json.dumps(
            {k: (asdict(v) if isinstance(v, Spread) else v) for k, v in figures.items()},
            indent=2,
            default=str,
        )
    )


if __name__ == "__main__":
    main()
