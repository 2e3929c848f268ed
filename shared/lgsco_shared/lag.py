"""Publication lag: days from a decision's date to the day the scheduled refresh first saw it.

The LGSCO publishes decisions weeks or months after their decision date, and its search filters
by decision date, so the refresh must look back further than the longest lag. Only decisions a
refresh run stored first are measured: a backfill's first sight of a years-old decision says
nothing about when it was published.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

LATE_AFTER_DAYS = 92  # about three months: later than the LGSCO's own "about three months"
MARGIN_DAYS = 31  # the daily refresh looks back the longest lag seen, plus this

_LAG = text(
    "SELECT count(*) AS measured, "
    "percentile_disc(0.5) WITHIN GROUP (ORDER BY lag) AS p50_days, "
    "percentile_disc(0.95) WITHIN GROUP (ORDER BY lag) AS p95_days, "
    "max(lag) AS max_days, count(*) FILTER (WHERE lag > :late) AS late "
    "FROM (SELECT CAST(d.first_seen_at AT TIME ZONE 'UTC' AS date) - d.decided_on AS lag "
    "FROM decision d JOIN ingest_run r ON r.id = d.first_seen_run_id "
    "WHERE r.kind = 'refresh' AND d.decided_on IS NOT NULL "
    "AND (CAST(:since AS timestamptz) IS NULL OR d.first_seen_at >= :since)) AS t"
)


@dataclass(frozen=True, slots=True)
class PublicationLag:
    measured: int  # decisions first seen by the scheduled refresh
    p50_days: int | None
    p95_days: int | None
    max_days: int | None
    late_after_days: int
    late: int  # first seen more than late_after_days after their decision date


async def publication_lag(
    session: AsyncSession, *, late_after_days: int = LATE_AFTER_DAYS, since: datetime | None = None
) -> PublicationLag:
    """The lag distribution of decisions the refresh found (first seen from `since`, if given)."""
    row = (await session.execute(_LAG, {"late": late_after_days, "since": since})).one()
    return PublicationLag(
        measured=int(row.measured),
        p50_days=row.p50_days,
        p95_days=row.p95_days,
        max_days=row.max_days,
        late_after_days=late_after_days,
        late=int(row.late),
    )


def months_to_cover(scheduled: int, longest_lag_days: int | None, cap: int) -> int:
    """Months the daily refresh looks back: its schedule's, or more if decisions were seen to
    be published later than that (the longest lag plus a margin), never more than `cap`."""
    if longest_lag_days is None:
        return scheduled
    needed = math.ceil((longest_lag_days + MARGIN_DAYS) / 30)
    return max(scheduled, min(cap, needed))
