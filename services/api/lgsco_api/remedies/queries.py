"""Remedy SELECTs, the optimistic-locked update with its audit event, and remedy aggregates.

`overdue` is never stored: a pending remedy whose due date has passed is overdue today, so the
status is derived in SQL at read time, and filters on it use the same rule on the stored columns.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    RowMapping,
    String,
    and_,
    any_,
    case,
    func,
    not_,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_api.decisions.filters import decisions_about, organisation_names
from lgsco_api.kit.rows import fetch_all, fetch_one
from lgsco_api.kit.years import financial_year_bounds
from lgsco_api.remedies.criteria import RemedyFilters
from lgsco_shared.domain import Provenance, RemedyCommitment, RemedyStatus
from lgsco_shared.models import Decision, DecisionOrganisation, Organisation, Remedy, RemedyEvent


def _effective_status() -> ColumnElement[str]:
    overdue = and_(Remedy.status == RemedyStatus.PENDING, Remedy.due_on < func.current_date())
    return type_coerce(case((overdue, RemedyStatus.OVERDUE.value), else_=Remedy.status), String)


# Built once: the CASE takes longer to construct than PostgreSQL takes to evaluate it, and
# `current_date` is evaluated by the database at each execution anyway.
EFFECTIVE_STATUS = _effective_status()


# Remedies of each type: how many, in how many decisions, and the money stated.
TOTALS_BY_TYPE: tuple[Any, ...] = (
    Remedy.type,
    func.count().label("remedies"),
    func.count(func.distinct(Remedy.decision_id)).label("decisions"),
    func.sum(Remedy.amount).label("amount_total"),
)

# What a remedy says and where it stands: the columns every remedy row shows.
REMEDY_TERMS: tuple[Any, ...] = (
    Remedy.type,
    Remedy.sentence,
    Remedy.amount,
    Remedy.payee,
    Remedy.deadline_text,
    Remedy.due_on,
    Remedy.commitment,
    EFFECTIVE_STATUS.label("status"),
    Remedy.status_source,
    Remedy.completed_on,
)


def effective_status() -> ColumnElement[str]:
    """The tracking status with `overdue` derived: pending past its due date."""
    return EFFECTIVE_STATUS


def _status_is(status: RemedyStatus) -> ColumnElement[bool]:
    """EFFECTIVE_STATUS == status, written on the stored columns so ix_remedy_status_due_on
    finds the overdue (a CASE hides them from every index)."""
    past_due = Remedy.due_on < func.current_date()
    if status is RemedyStatus.OVERDUE:
        return and_(Remedy.status == RemedyStatus.PENDING, past_due)
    if status is RemedyStatus.PENDING:
        return and_(Remedy.status == status, or_(Remedy.due_on.is_(None), not_(past_due)))
    return Remedy.status == status


def _decided_between(start: date, end: date) -> ColumnElement[bool]:
    """Remedies of the decisions dated start..end, through an array of their ids. Not a join:
    remedy ids grow in crawl order, which follows decision dates, so the planner, taking the two
    for independent, walked most remedies by id to fill a page of a recent year (90 ms)."""
    decided = select(Decision.id).where(Decision.decided_on.between(start, end))
    return Remedy.decision_id == any_(func.array(decided.scalar_subquery()))


def _conditions(f: RemedyFilters) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if f.organisation:
        out.append(Remedy.decision_id.in_(decisions_about(f.organisation, f.organisation_ids)))
    if f.type:
        out.append(Remedy.type.in_(list(f.type)))
    if f.status:
        out.append(or_(*(_status_is(s) for s in f.status)))
    if f.due_before is not None:
        out.append(Remedy.due_on < f.due_before)
    if f.due_after is not None:
        out.append(Remedy.due_on > f.due_after)
    if f.decision is not None:
        out.append(Decision.reference == f.decision)
    if f.financial_year is not None:
        out.append(_decided_between(*financial_year_bounds(f.financial_year)))
    if f.current is not None:
        out.append(Remedy.current.is_(f.current))
    if f.commitment:
        out.append(Remedy.commitment.in_(list(f.commitment)))
    return out


def _columns() -> list[Any]:
    return list(_COLUMNS)


def _build_columns() -> list[Any]:
    return [
        Remedy.id,
        Decision.reference.label("decision_reference"),
        organisation_names(Remedy.decision_id).label("organisations"),
        *REMEDY_TERMS,
        Remedy.evidence_note,
        Remedy.current,
        Remedy.revision,
        Remedy.updated_at,
        Remedy.updated_by,
        Decision.decided_on,
        Decision.permalink,
    ]


_COLUMNS = tuple(_build_columns())  # built once: the correlated sub-select is costly to build


async def list_remedies(
    session: AsyncSession, filters: RemedyFilters, *, after_id: int | None, limit: int
) -> tuple[list[RowMapping], int | None]:
    """A page ordered by id, and the id to continue after (None on the last page)."""
    query = select(*_columns()).join(Decision, Decision.id == Remedy.decision_id)
    query = query.where(*_conditions(filters))
    if after_id is not None:
        query = query.where(Remedy.id > after_id)
    rows = await fetch_all(session, query.order_by(Remedy.id).limit(limit + 1))
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], int(rows[limit - 1]["id"])


async def get_remedy(session: AsyncSession, remedy_id: int) -> RowMapping | None:
    query = (
        select(*_columns())
        .join(Decision, Decision.id == Remedy.decision_id)
        .where(Remedy.id == remedy_id)
    )
    return await fetch_one(session, query)


async def update_remedy(
    session: AsyncSession, remedy_id: int, *, revision: int, values: dict[str, Any], actor: str
) -> bool:
    """Apply `values` if the remedy is still at `revision`; record who changed what. Flushes."""
    current = await session.get(Remedy, remedy_id, with_for_update=True, populate_existing=True)
    if current is None or current.revision != revision:
        return False
    changes = {
        name: {"from": _json(getattr(current, name)), "to": _json(value)}
        for name, value in values.items()
        if getattr(current, name) != value
    }
    for name, value in values.items():
        setattr(current, name, value)
    current.revision += 1
    current.updated_at = datetime.now(UTC)
    current.updated_by = actor
    session.add(RemedyEvent(remedy_id=remedy_id, actor=actor, changes=changes))
    await session.flush()
    return True


def _json(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


async def remedy_exists(session: AsyncSession, remedy_id: int) -> bool:
    return await session.scalar(select(Remedy.id).where(Remedy.id == remedy_id)) is not None


async def history(session: AsyncSession, remedy_id: int) -> list[RemedyEvent]:
    query = select(RemedyEvent).where(RemedyEvent.remedy_id == remedy_id).order_by(RemedyEvent.id)
    return list((await session.scalars(query)).all())


async def stats_by_type(session: AsyncSession, filters: RemedyFilters) -> list[RowMapping]:
    query = (
        select(*TOTALS_BY_TYPE)
        .join(Decision, Decision.id == Remedy.decision_id)
        .where(*_conditions(filters))
        .group_by(Remedy.type)
        .order_by(func.count().desc(), Remedy.type)
    )
    return await fetch_all(session, query)


async def stats_by_status(session: AsyncSession, filters: RemedyFilters) -> dict[str, int]:
    status = effective_status()
    query = (
        select(status.label("status"), func.count().label("n"))
        .join(Decision, Decision.id == Remedy.decision_id)
        .where(*_conditions(filters))
        .group_by(status)
    )
    return {row["status"]: int(row["n"]) for row in await fetch_all(session, query)}


async def compliance(session: AsyncSession, filters: RemedyFilters) -> list[RowMapping]:
    """Per organisation, remedies owed after the decision split by whether a deadline was stated.

    Owed: agreed or recommended (not done before the decision, not merely offered) and not marked
    not required. With a deadline: done on time, done late, overdue, not yet due. Without one:
    done or not; nothing about them is ever "due", so they enter no rate.
    """
    status = effective_status()
    owed = and_(
        Remedy.commitment != RemedyCommitment.ALREADY_DONE,
        Remedy.status.not_in([RemedyStatus.NOT_REQUIRED, RemedyStatus.OFFERED]),
    )
    dated, undated = and_(owed, Remedy.due_on.is_not(None)), and_(owed, Remedy.due_on.is_(None))
    done = Remedy.status == RemedyStatus.COMPLETED
    query = (
        select(
            Organisation.name.label("organisation"),
            func.count().label("remedies"),
            func.count()
            .filter(Remedy.commitment == RemedyCommitment.ALREADY_DONE)
            .label("remedied_before_decision"),
            func.count().filter(Remedy.status == RemedyStatus.OFFERED).label("offered"),
            func.count().filter(Remedy.status == RemedyStatus.NOT_REQUIRED).label("not_required"),
            func.count()
            .filter(Remedy.commitment == RemedyCommitment.RECOMMENDED)
            .label("recommended"),
            func.count()
            .filter(Remedy.status_source == Provenance.RECORDED)
            .label("status_recorded"),
            func.count().filter(dated).label("dated"),
            func.count()
            .filter(dated, done, Remedy.completed_on <= Remedy.due_on)
            .label("completed_on_time"),
            func.count()
            .filter(dated, done, Remedy.completed_on > Remedy.due_on)
            .label("completed_late"),
            func.count()
            .filter(dated, done, Remedy.completed_on.is_(None))
            .label("completed_date_unknown"),
            func.count().filter(dated, status == RemedyStatus.OVERDUE.value).label("overdue"),
            func.count().filter(dated, status == RemedyStatus.PENDING.value).label("not_yet_due"),
            func.count().filter(undated).label("undated"),
            func.count().filter(undated, done).label("undated_completed"),
        )
        .join(Decision, Decision.id == Remedy.decision_id)
        .join(DecisionOrganisation, DecisionOrganisation.decision_id == Decision.id)
        .join(Organisation, Organisation.id == DecisionOrganisation.organisation_id)
        .where(*_conditions(filters))
        .group_by(Organisation.name)
        .order_by(Organisation.name)
    )
    return await fetch_all(session, query)
