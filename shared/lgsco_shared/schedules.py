"""Schedule operations: the one implementation behind the API, the console, the CLI and the
worker's tick. Each function is a unit of work: it commits what it changed.

A schedule is a kind with parameters, a cron expression read in a time zone, and `enabled`. At
each due time the tick (`fire_due`) records one `schedule_run` row, unique on the schedule and
the due time, and in the same transaction creates the ingest run; a second worker ticking at the
same moment skips the locked schedule, and would in any case insert nothing for that due time.

Missed due times (no worker ran through them) are caught up once: the next tick creates one
run, for the latest due time that passed, and records how many earlier ones it stands for.
A due time met while the schedule's previous run is still queued or running is recorded as
`skipped`, with that run named, and nothing is started.
"""

from __future__ import annotations

import contextlib
import logging
import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_shared import crontime, runs
from lgsco_shared import queue as jobqueue
from lgsco_shared.domain import RunKind, RunStatus, ScheduleKind, ScheduleRunStatus
from lgsco_shared.models import (
    Decision,
    DecisionOrganisation,
    IngestFailure,
    IngestRun,
    Organisation,
    Schedule,
    ScheduleRun,
)
from lgsco_shared.schedule import months_back
from lgsco_shared.settings import Settings

log = logging.getLogger(__name__)

NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,99}$")
MAX_MONTHS = 60
NEXT_SHOWN = 5

# The projected requests a day count decisions a month from the stored ones: the busiest of the
# last BASIS_MONTHS full months (recent months are still filling up: decisions are published
# weeks or months after their date). With fewer than BASIS_MIN_MONTHS of those months stored, the
# projection assumes these (docs/operations.md, "Schedules"): decisions dated in one month
# nationally, and those of one organisation.
DECISIONS_PER_MONTH = 480
DECISIONS_PER_ORGANISATION_MONTH = 25
BASIS_MONTHS = 12
BASIS_MIN_MONTHS = 6
RESULTS_PER_PAGE = 10  # lgsco_ingest.site.RESULTS_PER_PAGE: one listing page per ten decisions


# -- what a schedule asks for ----------------------------------------------------------------


class RefreshParams(BaseModel):
    """Re-read the current month and the `months` before it, by decision date (conditional
    requests: an unchanged page costs a 304); widened when decisions are published later."""

    model_config = ConfigDict(extra="forbid")
    months: int = Field(default=6, ge=0, le=MAX_MONTHS)


class CrawlParams(BaseModel):
    """Crawl the current month and the `months` before it (relative to the run date), of one
    `organisation` or of all; `refresh` re-reads months an earlier crawl completed."""

    model_config = ConfigDict(extra="forbid")
    months: int = Field(default=6, ge=0, le=MAX_MONTHS)
    organisation: str | None = Field(default=None, min_length=1, max_length=300)
    refresh: bool = False


class RecheckParams(BaseModel):
    """Re-fetch the 1/LGSCO_RECHECK_DAYS of stored decisions least recently checked."""

    model_config = ConfigDict(extra="forbid")


PARAMS: dict[ScheduleKind, type[BaseModel]] = {
    ScheduleKind.REFRESH: RefreshParams,
    ScheduleKind.CRAWL: CrawlParams,
    ScheduleKind.RECHECK: RecheckParams,
}


class ScheduleInvalid(ValueError):
    """A schedule that cannot be saved: `errors` name the fields, as a 422 problem lists them."""

    def __init__(self, errors: list[dict[str, str]], status: int = 422) -> None:
        self.errors = errors
        self.status = status
        super().__init__("; ".join(f"{e['parameter']}: {e['message']}" for e in errors))


def _invalid(parameter: str, message: str, status: int = 422) -> ScheduleInvalid:
    return ScheduleInvalid([{"in": "body", "parameter": parameter, "message": message}], status)


def check_params(kind: ScheduleKind, params: dict[str, Any]) -> dict[str, Any]:
    try:
        model = PARAMS[kind].model_validate(params)
    except ValidationError as exc:
        raise ScheduleInvalid(
            [
                {
                    "in": "body",
                    "parameter": ".".join(["params", *(str(p) for p in e["loc"])]),
                    "message": str(e["msg"]).removeprefix("Value error, "),
                }
                for e in exc.errors()
            ]
        ) from None
    return model.model_dump(mode="json")


def _cron_field(value: str) -> str:
    try:
        return crontime.check(value)
    except crontime.CronInvalid as exc:
        raise ValueError(str(exc)) from None


def _zone_field(value: str) -> str:
    try:
        crontime.zone(value)
    except crontime.CronInvalid as exc:
        raise ValueError(str(exc)) from None
    return value


CronText = Annotated[
    str,
    Field(
        min_length=1,
        max_length=200,
        description=(
            "Five cron fields (minute hour day-of-month month day-of-week), read in `timezone`: "
            "`15 3 * * *` is 03:15 every day, `0 6 * * 1` 06:00 every Monday."
        ),
        examples=["30 1 * * *"],
    ),
]
ZoneText = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        description="IANA time zone the cron is read in; clock changes are handled (see docs).",
        examples=["Europe/London"],
    ),
]


class ScheduleCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "kent-weekly",
                    "kind": "crawl",
                    "params": {"months": 3, "organisation": "Kent County Council"},
                    "cron": "0 6 * * 1",
                    "timezone": "Europe/London",
                    "description": "Kent's decisions of the last three months, every Monday.",
                }
            ]
        },
    )

    name: str = Field(
        min_length=1,
        max_length=100,
        description="Unique; lower-case letters, digits, '-' and '_'.",
        examples=["kent-weekly"],
    )
    kind: ScheduleKind = Field(
        description="`refresh` (re-read the last `months` months), `crawl` (the last `months` "
        "months, of one `organisation` or all, `refresh` to re-read completed months) or "
        "`recheck` (the daily slice of the withdrawal recheck)."
    )
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="Per kind: refresh {months}, crawl {months, organisation, refresh}, "
        "recheck {}. `months` counts back from the run date's month (0: the current month).",
    )
    cron: CronText
    timezone: ZoneText = crontime.DEFAULT_TIMEZONE
    description: str = Field(default="", max_length=2000)
    enabled: bool = True

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME.match(value):
            raise ValueError("use lower-case letters, digits, '-' and '_' (at most 100)")
        return value

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        return _cron_field(value)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return _zone_field(value)


class ScheduleChange(BaseModel):
    """Fields to change; those not sent stay as they are."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"cron": "45 2 * * *"}, {"enabled": False}]},
    )

    name: str | None = Field(default=None, min_length=1, max_length=100)
    kind: ScheduleKind | None = None
    params: dict[str, Any] | None = None
    cron: CronText | None = None
    timezone: ZoneText | None = None
    description: str | None = Field(default=None, max_length=2000)
    enabled: bool | None = Field(
        default=None, description="false pauses the schedule; true resumes it from now."
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and not NAME.match(value):
            raise ValueError("use lower-case letters, digits, '-' and '_' (at most 100)")
        return value

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        return _cron_field(value) if value is not None else None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return _zone_field(value) if value is not None else None


# -- how a schedule is shown -----------------------------------------------------------------


class LastScheduledRun(BaseModel):
    id: int
    status: RunStatus
    created_at: datetime
    finished_at: datetime | None


class Projection(BaseModel):
    requests_per_run: int = Field(description="Requests one run is estimated to make.")
    basis: str = Field(
        description="What the estimate rests on: decisions a month counted from the stored "
        "ones, or the assumption used while too few months are stored.",
        examples=["estimate: 512 decisions a month, the busiest of the 12 full months stored"],
    )
    runs_on_busiest_day: int = Field(description="Due times on the busiest day of the next 28.")
    requests_per_day: int = Field(description="requests_per_run × runs_on_busiest_day.")
    ceiling: int = Field(
        description="Most a schedule may ask for a day: LGSCO_SCHEDULE_MAX_REQUESTS_PER_DAY, "
        "or what LGSCO_REQUESTS_PER_SECOND allows in a day if less."
    )


class ScheduleRead(BaseModel):
    id: int
    name: str
    kind: ScheduleKind
    params: dict[str, Any]
    cron: str
    timezone: str
    description: str
    enabled: bool
    created_by: str | None = Field(description="The API key that created it; null: built in.")
    changed_by: str | None
    created_at: datetime
    changed_at: datetime | None
    next_run_at: datetime | None = Field(description="Next due time (UTC); null when paused.")
    last_run_at: datetime | None = Field(description="Due time of the newest run it created.")
    next_runs: list[datetime] = Field(description="The next five due times (UTC); [] if paused.")
    last_run: LastScheduledRun | None = Field(description="The newest run it created.")
    projected: Projection
    href: str = Field(examples=["/v1/schedules/4"])


class ScheduleRunRead(BaseModel):
    id: int
    due_at: datetime
    status: ScheduleRunStatus = Field(description="created: a run was started; skipped: not.")
    manual: bool = Field(description="Run now, not a due time.")
    missed: int = Field(description="Earlier due times this run caught up (missed in an outage).")
    reason: str | None
    created_by: str | None
    created_at: datetime
    run_id: int | None
    run_status: RunStatus | None
    counts: dict[str, int] = Field(description="The run's counts (new, changed, failed, ...).")
    failures_count: int
    error: str | None
    started_at: datetime | None
    finished_at: datetime | None


# -- the requests a schedule will make -------------------------------------------------------


def ceiling(settings: Settings) -> int:
    return min(settings.schedule_max_requests_per_day, int(settings.requests_per_second * 86_400))


@dataclass(frozen=True, slots=True)
class MonthlyDecisions:
    """Decisions dated in one month, as a projection counts them, and what the figure rests on."""

    per_month: int
    basis: str


async def monthly_decisions(
    session: AsyncSession, organisation: str | None, now: datetime
) -> MonthlyDecisions:
    """The busiest of the last BASIS_MONTHS full months of stored decisions (of `organisation`,
    if given), or the assumed figure while fewer than BASIS_MIN_MONTHS of them hold any."""
    first = months_back(now.date(), BASIS_MONTHS)
    current = months_back(now.date(), 0)
    month = func.date_trunc("month", Decision.decided_on)
    query = (
        select(func.count().label("n"))
        .where(Decision.decided_on >= first, Decision.decided_on < current)
        .group_by(month)
    )
    if organisation:
        named = (
            select(DecisionOrganisation.decision_id)
            .join(Organisation, Organisation.id == DecisionOrganisation.organisation_id)
            .where(func.lower(Organisation.name) == organisation.lower())
        )
        query = query.where(Decision.id.in_(named))
    counts = [int(n) for n in (await session.scalars(query)).all()]
    whose = f" of {organisation}" if organisation else ""
    if len(counts) >= BASIS_MIN_MONTHS:
        return MonthlyDecisions(
            max(counts),
            f"estimate: {max(counts)} decisions{whose} a month, the busiest of the "
            f"{BASIS_MONTHS} full months before {current:%Y-%m} stored ({len(counts)} hold any)",
        )
    assumed = DECISIONS_PER_ORGANISATION_MONTH if organisation else DECISIONS_PER_MONTH
    return MonthlyDecisions(
        assumed,
        f"assumption: {assumed} decisions{whose} a month (only {len(counts)} of the "
        f"{BASIS_MONTHS} full months before {current:%Y-%m} hold stored decisions; "
        f"{BASIS_MIN_MONTHS} are needed to count them)",
    )


async def requests_per_run(
    session: AsyncSession, schedule: Schedule, settings: Settings, now: datetime
) -> tuple[int, str]:
    """Requests one run makes, and what the figure rests on: listing pages and decision pages of
    each month window (a refresh re-reads them all; pages unchanged cost a 304, still a request),
    or the recheck's slice of the stored decisions."""
    if schedule.kind == ScheduleKind.RECHECK:
        stored = await session.scalar(select(func.count()).select_from(Decision)) or 0
        return (
            math.ceil(stored / settings.recheck_days),
            f"count: {stored} stored decisions over {settings.recheck_days} days",
        )
    months = int(schedule.params.get("months", 6))
    monthly = await monthly_decisions(session, schedule.params.get("organisation") or None, now)
    listing_pages = max(1, math.ceil(monthly.per_month / RESULTS_PER_PAGE))
    return (months + 1) * (listing_pages + monthly.per_month), monthly.basis


async def project(
    session: AsyncSession, schedule: Schedule, settings: Settings, now: datetime
) -> Projection:
    per_run, basis = await requests_per_run(session, schedule, settings, now)
    try:
        busiest = crontime.busiest_day(schedule.cron, schedule.timezone, now)
    except crontime.CronInvalid:  # a row edited by hand (create and change check the cron)
        busiest = 0
    return Projection(
        requests_per_run=per_run,
        basis=basis,
        runs_on_busiest_day=busiest,
        requests_per_day=per_run * busiest,
        ceiling=ceiling(settings),
    )


async def _check_budget(
    session: AsyncSession, schedule: Schedule, settings: Settings, now: datetime
) -> None:
    projection = await project(session, schedule, settings, now)
    if projection.requests_per_day > projection.ceiling:
        raise ScheduleInvalid(
            [
                {
                    "in": "body",
                    "parameter": "cron",
                    "message": (
                        f"this schedule would make about {projection.requests_per_day} requests "
                        f"a day to the LGSCO site ({projection.requests_per_run} a run, "
                        f"{projection.runs_on_busiest_day} runs on its busiest day); the most "
                        f"allowed is {projection.ceiling}: run it less often or over fewer months"
                    ),
                }
            ]
        )


# -- reading ---------------------------------------------------------------------------------


async def _last_runs(session: AsyncSession, ids: list[int]) -> dict[int, IngestRun]:
    if not ids:
        return {}
    newest = (
        select(func.max(ScheduleRun.run_id))
        .where(ScheduleRun.schedule_id.in_(ids), ScheduleRun.run_id.is_not(None))
        .group_by(ScheduleRun.schedule_id)
    )
    rows = await session.execute(
        select(ScheduleRun.schedule_id, IngestRun)
        .join(IngestRun, IngestRun.id == ScheduleRun.run_id)
        .where(ScheduleRun.run_id.in_(newest))
    )
    return {int(schedule_id): run for schedule_id, run in rows.all()}


async def _view(
    session: AsyncSession,
    schedule: Schedule,
    settings: Settings,
    now: datetime,
    last: IngestRun | None,
) -> ScheduleRead:
    next_runs: list[datetime] = []
    if schedule.enabled:
        after = max(now, schedule.next_run_at) if schedule.next_run_at else now
        with contextlib.suppress(crontime.CronInvalid):  # a row edited by hand: shown, no times
            next_runs = crontime.upcoming(schedule.cron, schedule.timezone, after, NEXT_SHOWN)
        if schedule.next_run_at is not None and schedule.next_run_at > now:
            next_runs = [schedule.next_run_at, *next_runs][:NEXT_SHOWN]
    return ScheduleRead(
        id=schedule.id,
        name=schedule.name,
        kind=schedule.kind,
        params=dict(schedule.params),
        cron=schedule.cron,
        timezone=schedule.timezone,
        description=schedule.description,
        enabled=schedule.enabled,
        created_by=schedule.created_by,
        changed_by=schedule.changed_by,
        created_at=schedule.created_at,
        changed_at=schedule.changed_at,
        next_run_at=(schedule.next_run_at or (next_runs[0] if next_runs else None))
        if schedule.enabled
        else None,
        last_run_at=schedule.last_run_at,
        next_runs=next_runs,
        last_run=LastScheduledRun.model_validate(last, from_attributes=True) if last else None,
        projected=await project(session, schedule, settings, now),
        href=f"/v1/schedules/{schedule.id}",
    )


async def list_schedules(
    session: AsyncSession, settings: Settings, *, now: datetime | None = None
) -> list[ScheduleRead]:
    now = now or datetime.now(UTC)
    found = list((await session.scalars(select(Schedule).order_by(Schedule.id))).all())
    last = await _last_runs(session, [s.id for s in found])
    return [await _view(session, s, settings, now, last.get(s.id)) for s in found]


async def _get(session: AsyncSession, schedule_id: int, *, lock: bool = False) -> Schedule:
    schedule = await session.get(Schedule, schedule_id, with_for_update=lock)
    if schedule is None:
        raise ScheduleNotFound(schedule_id)
    return schedule


class ScheduleNotFound(LookupError):
    def __init__(self, schedule_id: int | str) -> None:
        self.schedule_id = schedule_id
        super().__init__(f"No schedule {schedule_id} is stored.")


async def find(session: AsyncSession, id_or_name: str) -> int:
    """A schedule's id from its id or its name (the CLI takes either)."""
    query = select(Schedule.id).where(Schedule.name == id_or_name)
    if id_or_name.isdigit():
        query = select(Schedule.id).where(Schedule.id == int(id_or_name))
    found = await session.scalar(query)
    if found is None:
        raise ScheduleNotFound(id_or_name)
    return int(found)


async def get_schedule(
    session: AsyncSession, schedule_id: int, settings: Settings, *, now: datetime | None = None
) -> ScheduleRead:
    schedule = await _get(session, schedule_id)
    last = await _last_runs(session, [schedule_id])
    return await _view(session, schedule, settings, now or datetime.now(UTC), last.get(schedule_id))


# -- changing --------------------------------------------------------------------------------


async def _name_free(session: AsyncSession, name: str, schedule_id: int | None = None) -> None:
    query = select(Schedule.id).where(Schedule.name == name)
    if schedule_id is not None:
        query = query.where(Schedule.id != schedule_id)
    if await session.scalar(query) is not None:
        raise _invalid("name", f"a schedule named {name!r} exists already", status=409)


async def create_schedule(
    session: AsyncSession,
    spec: ScheduleCreate,
    settings: Settings,
    *,
    by: str | None,
    now: datetime | None = None,
) -> ScheduleRead:
    now = now or datetime.now(UTC)
    await _name_free(session, spec.name)
    schedule = Schedule(
        name=spec.name,
        kind=spec.kind,
        params=check_params(spec.kind, spec.params),
        cron=spec.cron,
        timezone=spec.timezone,
        description=spec.description,
        enabled=spec.enabled,
        created_by=by,
        changed_by=by,
        changed_at=now,
        next_run_at=crontime.next_after(spec.cron, spec.timezone, now) if spec.enabled else None,
    )
    await _check_budget(session, schedule, settings, now)
    session.add(schedule)
    try:
        await session.flush()
    except IntegrityError:  # the same name, created at the same moment by another request
        await session.rollback()
        raise _invalid("name", f"a schedule named {spec.name!r} exists already", 409) from None
    schedule_id = schedule.id
    await session.commit()
    return await get_schedule(session, schedule_id, settings, now=now)


async def change_schedule(
    session: AsyncSession,
    schedule_id: int,
    change: ScheduleChange,
    settings: Settings,
    *,
    by: str | None,
    now: datetime | None = None,
) -> ScheduleRead:
    """Apply the fields sent; a new cron, zone or a resume counts due times from now."""
    now = now or datetime.now(UTC)
    try:
        await _change(session, schedule_id, change, settings, by=by, now=now)
    except ScheduleInvalid:
        await session.rollback()  # nothing of a refused change stays, even in this session
        raise
    await session.commit()
    return await get_schedule(session, schedule_id, settings, now=now)


async def _change(
    session: AsyncSession,
    schedule_id: int,
    change: ScheduleChange,
    settings: Settings,
    *,
    by: str | None,
    now: datetime,
) -> None:
    schedule = await _get(session, schedule_id, lock=True)
    sent = {k: v for k, v in change.model_dump(exclude_unset=True).items() if v is not None}
    if "name" in sent and sent["name"] != schedule.name:
        await _name_free(session, sent["name"], schedule_id)
        schedule.name = sent["name"]
    kind = sent.get("kind", schedule.kind)
    if "kind" in sent or "params" in sent:
        params = sent.get("params")
        if params is None:  # a new kind keeps only the parameters it understands
            params = {k: v for k, v in schedule.params.items() if k in PARAMS[kind].model_fields}
        schedule.kind, schedule.params = kind, check_params(kind, params)
    timing = any(name in sent for name in ("cron", "timezone")) or (
        sent.get("enabled") is True and not schedule.enabled
    )
    for name in ("cron", "timezone", "description", "enabled"):
        if name in sent:
            setattr(schedule, name, sent[name])
    if not schedule.enabled:
        schedule.next_run_at = None
    elif timing or schedule.next_run_at is None:
        schedule.next_run_at = crontime.next_after(schedule.cron, schedule.timezone, now)
    await _check_budget(session, schedule, settings, now)
    schedule.changed_by, schedule.changed_at = by, now


async def set_enabled(
    session: AsyncSession,
    schedule_id: int,
    enabled: bool,
    settings: Settings,
    *,
    by: str | None,
    now: datetime | None = None,
) -> ScheduleRead:
    """Pause (no due time runs while paused) or resume (due times from now on)."""
    change = ScheduleChange(enabled=enabled)
    return await change_schedule(session, schedule_id, change, settings, by=by, now=now)


async def delete_schedule(session: AsyncSession, schedule_id: int) -> None:
    """Delete it and its due-time records; the ingest runs it created stay."""
    schedule = await _get(session, schedule_id, lock=True)
    await session.delete(schedule)
    await session.commit()


# -- starting runs ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Started:
    """What a due time (or run now) became: the record, and the run to enqueue if one was made."""

    record: ScheduleRun
    run: IngestRun | None


def _run_request(schedule: Schedule, due_at: datetime) -> tuple[RunKind, dict[str, Any]]:
    """The ordinary run a schedule's due time asks for; windows end on the due date (local)."""
    base: dict[str, Any] = {
        "scheduled": schedule.name,
        "schedule_id": schedule.id,
        "due_at": due_at.isoformat(),
    }
    months = int(schedule.params.get("months", 6))
    if schedule.kind == ScheduleKind.REFRESH:
        return RunKind.REFRESH, base | {"months": months}
    if schedule.kind == ScheduleKind.RECHECK:
        return RunKind.RECHECK, base
    day: date = due_at.astimezone(crontime.zone(schedule.timezone)).date()
    crawl = {
        "kind": "crawl",
        "from": months_back(day, months).isoformat(),
        "to": day.isoformat(),
        "organisation": schedule.params.get("organisation"),
        "refresh": bool(schedule.params.get("refresh")),
    }
    return RunKind.CRAWL, base | crawl


async def _active_run(session: AsyncSession, schedule_id: int) -> int | None:
    return await session.scalar(
        select(IngestRun.id)
        .join(ScheduleRun, ScheduleRun.run_id == IngestRun.id)
        .where(ScheduleRun.schedule_id == schedule_id, IngestRun.status.in_(runs.ACTIVE))
        .order_by(IngestRun.id.desc())
        .limit(1)
    )


async def start(
    session: AsyncSession,
    schedule: Schedule,
    due_at: datetime,
    *,
    manual: bool = False,
    missed: int = 0,
    by: str | None = None,
) -> Started | None:
    """Record the due time and create its run, or record it skipped; None if already recorded
    (another worker did). Flushes; the caller commits, then enqueues `Started.run`."""
    values: dict[str, Any] = {
        "schedule_id": schedule.id,
        "due_at": due_at,
        "manual": manual,
        "missed": missed,
        "created_by": by,
    }
    busy = await _active_run(session, schedule.id)
    if busy is not None:
        values |= {
            "status": ScheduleRunStatus.SKIPPED,
            "reason": f"run {busy} of this schedule was still queued or running",
        }
    else:
        values["status"] = ScheduleRunStatus.CREATED
        if missed:
            values["reason"] = f"caught up {missed} earlier due time(s) missed while no worker ran"
    inserted = await session.scalar(
        insert(ScheduleRun)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["schedule_id", "due_at"])
        .returning(ScheduleRun.id)
    )
    if inserted is None:
        return None
    record = await session.get(ScheduleRun, inserted)
    assert record is not None
    run = None
    if busy is None:
        kind, params = _run_request(schedule, due_at)
        job_key = f"schedule:{schedule.id}:{due_at.strftime('%Y%m%dT%H%M%S.%fZ')}"
        run, _created = await runs.find_or_create(
            session, kind=kind, job_key=job_key, params=params
        )
        record.run_id = run.id
        schedule.last_run_at = due_at
    await session.flush()
    return Started(record, run)


async def fire_due(session: AsyncSession, now: datetime) -> list[Started]:
    """The tick: start every enabled schedule that is due at `now`; the caller commits and then
    enqueues the runs. Schedules another worker is handling (locked) are skipped here."""
    due = (
        await session.scalars(
            select(Schedule)
            .where(Schedule.enabled, (Schedule.next_run_at <= now) | Schedule.next_run_at.is_(None))
            .order_by(Schedule.id)
            .with_for_update(skip_locked=True)
        )
    ).all()
    started: list[Started] = []
    for schedule in due:
        try:  # one schedule that cannot start (a row edited by hand) does not stop the others
            async with session.begin_nested():
                outcome = await _fire(session, schedule, now)
        except Exception:
            log.exception("schedule %s: due time not started; tried again next tick", schedule.id)
            continue
        if outcome is not None:
            started.append(outcome)
    await session.flush()
    return started


async def _fire(session: AsyncSession, schedule: Schedule, now: datetime) -> Started | None:
    outcome = None
    if schedule.next_run_at is not None:
        due_at, missed = crontime.latest_due(
            schedule.cron, schedule.timezone, schedule.next_run_at, now
        )
        outcome = await start(session, schedule, due_at, missed=missed)
    # New, resumed or migrated (no next time yet): due times count from now, none caught up.
    schedule.next_run_at = crontime.next_after(schedule.cron, schedule.timezone, now)
    await session.flush()
    return outcome


async def run_now(
    session: AsyncSession,
    queue: jobqueue.Queue | None,
    schedule_id: int,
    *,
    by: str | None,
    now: datetime | None = None,
) -> Started:
    """Start the schedule's run now (paused or not); skipped if its previous run is active.
    Commits, then enqueues; with the queue unreachable (or None) the run stays `queued` and the
    worker's minute check enqueues it."""
    now = now or datetime.now(UTC)
    schedule = await _get(session, schedule_id, lock=True)
    started = await start(session, schedule, now, manual=True, by=by)
    assert started is not None  # `now` is new for this schedule while it is locked
    await session.commit()
    if started.run is not None and queue is not None:
        try:
            await runs.enqueue_run(queue, started.run.id)
        except (RedisError, OSError):  # recorded `queued`: the worker's minute check queues it
            log.warning(
                "run %s recorded, not enqueued now: the queue is unreachable", started.run.id
            )
    return started


# -- history ---------------------------------------------------------------------------------


def record_read(record: ScheduleRun, run: IngestRun | None, failures: int = 0) -> ScheduleRunRead:
    """One entry of a schedule's history: the due time and what its run did."""
    return ScheduleRunRead(
        id=record.id,
        due_at=record.due_at,
        status=record.status,
        manual=record.manual,
        missed=record.missed,
        reason=record.reason,
        created_by=record.created_by,
        created_at=record.created_at,
        run_id=record.run_id,
        run_status=run.status if run else None,
        counts={k: int(v) for k, v in (run.counts or {}).items()} if run else {},
        failures_count=failures,
        error=run.error if run else None,
        started_at=run.started_at if run else None,
        finished_at=run.finished_at if run else None,
    )


async def history(
    session: AsyncSession, schedule_id: int, *, before_id: int | None = None, limit: int = 50
) -> tuple[list[ScheduleRunRead], int | None]:
    """Due times recorded, newest first, with each run's status, counts and failures."""
    await _get(session, schedule_id)
    query = (
        select(ScheduleRun, IngestRun)
        .outerjoin(IngestRun, IngestRun.id == ScheduleRun.run_id)
        .where(ScheduleRun.schedule_id == schedule_id)
    )
    if before_id is not None:
        query = query.where(ScheduleRun.id < before_id)
    rows = list(
        (await session.execute(query.order_by(ScheduleRun.id.desc()).limit(limit + 1))).all()
    )
    more = len(rows) > limit
    rows = rows[:limit]
    run_ids = [run.id for _, run in rows if run is not None]
    failures: dict[int, int] = {}
    if run_ids:
        counted = await session.execute(
            select(IngestFailure.run_id, func.count())
            .where(IngestFailure.run_id.in_(run_ids))
            .group_by(IngestFailure.run_id)
        )
        failures = {int(r): int(n) for r, n in counted.all() if r is not None}
    items = [
        record_read(record, run, failures.get(run.id, 0) if run else 0) for record, run in rows
    ]
    return items, (rows[-1][0].id if more else None)
