"""The schedule entries that were fixed in code before schedules became rows (migration 0006
creates them as rows of the `schedule` table, with the same names and times in UTC; see
lgsco_shared.schedules), and the date arithmetic of a refresh. `refresh_months` still answers
for refresh runs created before the upgrade, which name their entry but carry no `months`.

Decisions are published at least six weeks, often three months or more, after their decision
date, and the site's search filters by decision date. The daily refresh therefore re-reads the
last six months by decision date (conditional requests: an unchanged page costs a 304), and a
weekly sweep the last 24 months, for decisions published later still.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from lgsco_shared.domain import RunKind

SWEEP_MONTHS = 24  # the weekly sweep; the daily refresh, sized by measured lag, stops there
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class ScheduledJob:
    name: str
    kind: RunKind
    hour: int
    minute: int
    description: str
    weekday: int | None = None  # None: every day; else Monday=0 ... Sunday=6
    months: int | None = None  # a refresh: months by decision date before the current one

    @property
    def cron(self) -> str:
        day = "*" if self.weekday is None else str((self.weekday + 1) % 7)  # cron: Sunday=0
        return f"{self.minute} {self.hour} * * {day}"

    def next_run(self, after: datetime) -> datetime:
        candidate = after.replace(hour=self.hour, minute=self.minute, second=0, microsecond=0)
        while candidate <= after or (
            self.weekday is not None and candidate.weekday() != self.weekday
        ):
            candidate += timedelta(days=1)
        return candidate


SCHEDULE: list[ScheduledJob] = [
    ScheduledJob(
        name="refresh_recent",
        kind=RunKind.REFRESH,
        hour=3,
        minute=15,
        months=6,
        description=(
            "Re-crawl the current month and the six before it, by decision date, for newly "
            "published and changed decisions (decisions appear months after their date)."
        ),
    ),
    ScheduledJob(
        name="recheck_withdrawals",
        kind=RunKind.RECHECK,
        hour=4,
        minute=15,
        description=(
            "Re-fetch the slice of stored decisions least recently checked, so every decision is "
            "rechecked for withdrawal within LGSCO_RECHECK_DAYS."
        ),
    ),
    ScheduledJob(
        name="sweep_two_years",
        kind=RunKind.REFRESH,
        hour=5,
        minute=15,
        weekday=6,
        months=SWEEP_MONTHS,
        description=(
            "Every Sunday, re-crawl the last 24 months by decision date, for decisions "
            "published later than the daily refresh looks back."
        ),
    ),
]

REFRESH_MONTHS = 6  # a refresh run without a schedule entry behind it


def refresh_months(name: str) -> int:
    """Months the refresh named `name` (a scheduled job's name) looks back."""
    for job in SCHEDULE:
        if job.name == name and job.months is not None:
            return job.months
    return REFRESH_MONTHS


def months_back(today: date, months: int) -> date:
    """The first day of the month `months` before the current one (6 on 2 Dec: 1 June)."""
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)
