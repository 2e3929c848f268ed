"""What the worker runs on its own, and when (UTC). Cron entries only enqueue ordinary runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from lgsco.shared.domain import RunKind


@dataclass(frozen=True, slots=True)
class ScheduledJob:
    name: str
    kind: RunKind
    hour: int
    minute: int
    description: str

    @property
    def cron(self) -> str:
        return f"{self.minute} {self.hour} * * *"

    def next_run(self, after: datetime) -> datetime:
        candidate = after.replace(hour=self.hour, minute=self.minute, second=0, microsecond=0)
        return candidate if candidate > after else candidate + timedelta(days=1)


SCHEDULE: list[ScheduledJob] = [
    ScheduledJob(
        name="refresh_recent",
        kind=RunKind.REFRESH,
        hour=3,
        minute=15,
        description=("Re-crawl the current and previous two months for new and changed decisions."),
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
]

REFRESH_MONTHS = 3
