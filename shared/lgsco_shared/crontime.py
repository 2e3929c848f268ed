"""When a schedule is due: a five-field cron expression read in a time zone, as UTC instants.

The expression is evaluated on the zone's wall clock (so `30 1 * * *` is half past one local time,
summer and winter), and each wall-clock time is turned into one instant:

- a time that happens twice (the hour repeated when clocks go back) runs once, at its first
  occurrence;
- a time that does not happen (the hour skipped when clocks go forward) runs once, at the moment
  the clocks jump (01:30 on the last Sunday of March in Europe/London runs at 02:00 BST).

So a daily schedule runs exactly once on either change-over day, and due times never go
backwards. Parsing is cronsim's (a maintained cron evaluator); this module adds the zone.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

DEFAULT_TIMEZONE = "Europe/London"
MAX_MISSED_COUNTED = 10_000  # due times counted when catching up after an outage
_LOOK_BACK = timedelta(hours=3)  # wall-clock slack around a zone's offset change


class CronInvalid(ValueError):
    """A cron expression or time zone that cannot be used; the message says why."""


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CronInvalid(
            f"unknown time zone {name!r}: use an IANA name such as 'Europe/London' or 'UTC'"
        ) from exc


def check(expression: str, timezone: str = DEFAULT_TIMEZONE) -> str:
    """The expression, normalised to single spaces, if it is five valid fields that ever fire."""
    fields = expression.split()
    if len(fields) != 5:
        raise CronInvalid(
            f"a cron expression has five fields (minute hour day-of-month month day-of-week), "
            f"got {len(fields)}: {expression!r}"
        )
    normal = " ".join(fields)
    zone(timezone)
    try:
        it = CronSim(normal, datetime(2000, 1, 1))
        next(it)
    except CronSimError as exc:
        raise CronInvalid(f"{expression!r} is not a valid cron expression: {exc}") from exc
    return normal


def _sim(expression: str, start: datetime) -> CronSim:
    try:
        return CronSim(expression, start)
    except CronSimError as exc:
        raise CronInvalid(f"{expression!r} is not a valid cron expression: {exc}") from exc


def _wall(instant: datetime, tz: ZoneInfo) -> datetime:
    return instant.astimezone(tz).replace(tzinfo=None)


def to_instant(wall: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time in `tz` (first occurrence; or the jump past a gap)."""
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if _wall(first, tz) == wall:
        return first
    # In a gap: find the first second whose wall-clock time is at or after `wall`.
    later = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    lo, hi = sorted((int(first.timestamp()), int(later.timestamp())))
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _wall(datetime.fromtimestamp(mid, UTC), tz) >= wall:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


def _instants(expression: str, tz: ZoneInfo, after: datetime) -> Iterator[datetime]:
    """Due instants strictly after `after`, in order, each once."""
    last = after
    for wall in _sim(expression, _wall(after, tz) - _LOOK_BACK):
        instant = to_instant(wall, tz)
        if instant > last:
            last = instant
            yield instant


def next_after(expression: str, timezone: str, after: datetime) -> datetime:
    return next(_instants(expression, zone(timezone), after))


def upcoming(expression: str, timezone: str, after: datetime, count: int = 5) -> list[datetime]:
    found: list[datetime] = []
    for instant in _instants(expression, zone(timezone), after):
        found.append(instant)
        if len(found) == count:
            break
    return found


def latest_due(
    expression: str, timezone: str, due: datetime, now: datetime
) -> tuple[datetime, int]:
    """For a schedule due at `due` (<= now): its latest due time at or before `now`, and how many
    earlier due times that one stands for (missed while no worker ticked)."""
    latest, missed = due, 0
    for instant in _instants(expression, zone(timezone), due):
        if instant > now or missed >= MAX_MISSED_COUNTED:
            break
        latest, missed = instant, missed + 1
    return latest, missed


def busiest_day(expression: str, timezone: str, start: datetime, days: int = 28) -> int:
    """The most due times on any one (local) day over `days` days from `start`."""
    tz = zone(timezone)
    end = _wall(start, tz) + timedelta(days=days)
    per_day: dict[object, int] = {}
    for wall in _sim(expression, _wall(start, tz)):
        if wall >= end:
            break
        per_day[wall.date()] = per_day.get(wall.date(), 0) + 1
    return max(per_day.values(), default=0)
