"""Fan-out: each new event becomes one delivery row per matching subscription, in one statement
with the subscriptions' filters in SQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from lgsco_shared import webhooks
from lgsco_shared.domain import DeliveryStatus, SubscriptionStatus
from lgsco_shared.models import (
    Decision,
)

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
    " FROM subscription s WHERE s.status = :active),"
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
    " SELECT subscription_id, event_id, :pending, 0, :now FROM wanted"
    " ON CONFLICT (subscription_id, event_id) DO NOTHING RETURNING 1)"
    " SELECT count(*) FROM inserted"
).bindparams(active=SubscriptionStatus.ACTIVE.value, pending=DeliveryStatus.PENDING.value)


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


async def decision_of(session: AsyncSession, decision_id: int | None) -> Decision | None:
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
