"""What is stored of a reference (`Known`, read under its advisory lock) and the marks a fetch
leaves on a stored decision: fetched again, republished, archived or withdrawn."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from lgsco_ingest.store.events import decision_stored
from lgsco_shared.domain import ARCHIVE_AFTER_DAYS, FetchResult, PublicationStatus
from lgsco_shared.models import Decision, RawPage

_decision = cast(Table, Decision.__table__)
_raw_page = cast(Table, RawPage.__table__)


@dataclass(frozen=True, slots=True)
class Known:
    """What is stored of a decision and its latest raw page: enough to fetch it conditionally,
    to tell an unchanged page without parsing it, and to upsert without reading it again."""

    id: int
    reference: str
    permalink: str
    status: PublicationStatus
    version: int
    content_hash: str
    parser_version: str
    raw_page_id: int | None
    etag: str | None
    last_modified: str | None
    body_sha256: str | None
    last_fetched_at: datetime
    decided_on: date | None
    first_seen_at: datetime

    @property
    def online(self) -> bool:
        return self.status == PublicationStatus.PUBLISHED


_KNOWN = (
    select(
        _decision.c.id,
        _decision.c.reference,
        _decision.c.permalink,
        _decision.c.status,
        _decision.c.version,
        _decision.c.content_hash,
        _decision.c.parser_version,
        _decision.c.raw_page_id,
        _raw_page.c.etag,
        _raw_page.c.last_modified,
        _raw_page.c.body_sha256,
        _decision.c.last_fetched_at,
        _decision.c.decided_on,
        _decision.c.first_seen_at,
    )
    .select_from(_decision.outerjoin(_raw_page, _raw_page.c.id == _decision.c.raw_page_id))
    .where(_decision.c.reference.in_(bindparam("references", expanding=True)))
)


# Statements built once: building one costs about as much CPU as executing it (cached).
_LOCK = text("SELECT pg_advisory_xact_lock(hashtext(:r))")


UPDATE_DECISION = _decision.update().where(_decision.c.id == bindparam("decision_id"))


async def lock_reference(conn: AsyncConnection, reference: str) -> None:
    await conn.execute(_LOCK, {"r": reference})


async def known(conn: AsyncConnection, references: Sequence[str]) -> dict[str, Known]:
    """The stored state of each of `references` that is stored, in one query."""
    if not references:
        return {}
    rows = await conn.execute(_KNOWN, {"references": list(references)})
    return {row.reference: Known(**row._mapping) for row in rows}


async def same_content(
    conn: AsyncConnection, current: Known, raw_page_id: int | None, seen_at: datetime
) -> FetchResult:
    """The page says what is stored: fetched now, and republished if it had been taken down.

    Its raw page (other bytes, e.g. new chrome) becomes the decision's: the next fetch is then
    conditional on its ETag and compared with its bytes, so it is not downloaded and stored
    again on every crawl.
    """
    values: dict[str, Any] = {"last_fetched_at": seen_at, "raw_page_id": raw_page_id}
    came_back = not current.online
    if came_back:
        values |= published_columns(seen_at) | {"republished_on": seen_at.date()}
    await conn.execute(UPDATE_DECISION, values | {"decision_id": current.id})
    if not came_back:
        return FetchResult.UNCHANGED
    await decision_stored(conn, FetchResult.REPUBLISHED, current.id)
    return FetchResult.REPUBLISHED


def published_columns(seen_at: datetime) -> dict[str, Any]:
    """Online: `withdrawn_on` of a decision that came back keeps when it was last found gone."""
    return {"status": PublicationStatus.PUBLISHED, "last_changed_at": seen_at}


async def seen_again(conn: AsyncConnection, current: Known, seen_at: datetime) -> FetchResult:
    """The page is served as stored (a 304, or the same bytes): fetched now, and republished
    if it had been taken down."""
    if current.online:
        return await mark_fetched(conn, current.id, seen_at)
    return await same_content(conn, current, current.raw_page_id, seen_at)


async def mark_fetched(conn: AsyncConnection, decision_id: int, seen_at: datetime) -> FetchResult:
    await conn.execute(UPDATE_DECISION, {"decision_id": decision_id, "last_fetched_at": seen_at})
    return FetchResult.UNCHANGED


_MARK_FETCHED_MANY = text(
    "UPDATE decision AS d SET last_fetched_at = v.at "
    "FROM unnest(CAST(:ids AS bigint[]), CAST(:raw_page_ids AS bigint[]), "
    "CAST(:ats AS timestamptz[])) AS v(id, raw_page_id, at) "
    "WHERE d.id = v.id AND d.raw_page_id = v.raw_page_id AND d.status = :published "
    "RETURNING d.id"
)


async def mark_fetched_many(
    conn: AsyncConnection, fetched: Sequence[tuple[int, int, datetime]]
) -> set[int]:
    """Record fetch times of (decision id, raw page id, when) in one statement.

    Only a decision still published with that raw page is touched (no lock is taken: a
    concurrent writer either finished before, and the row is skipped, or waits for this row);
    the ids touched are returned, and the caller stores the others the slow, locked way.
    """
    if not fetched:
        return set()
    ids, raw_page_ids, ats = zip(*fetched, strict=True)
    rows = await conn.execute(
        _MARK_FETCHED_MANY,
        {
            "ids": list(ids),
            "raw_page_ids": list(raw_page_ids),
            "ats": list(ats),
            "published": PublicationStatus.PUBLISHED.value,
        },
    )
    return {int(id_) for id_ in rows.scalars()}


def removal(current: Known, on: date) -> PublicationStatus:
    """Why a page is gone on `on`: aged out at about five years (archived), or withdrawn.

    The age is counted from the decision date, or, for a page that shows none, from when this
    service first saw it (a lower bound of its age).
    """
    dated = current.decided_on or current.first_seen_at.date()
    aged_out = (on - dated).days >= ARCHIVE_AFTER_DAYS
    return PublicationStatus.ARCHIVED if aged_out else PublicationStatus.WITHDRAWN


async def mark_withdrawn(
    conn: AsyncConnection, current: Known, *, on: date, seen_at: datetime
) -> FetchResult:
    """A page that answered 404/410: archived or withdrawn on `on`; nothing is deleted."""
    values: dict[str, Any] = {"last_fetched_at": seen_at}
    if not current.online:
        await conn.execute(UPDATE_DECISION, values | {"decision_id": current.id})
        return FetchResult.UNCHANGED
    status = removal(current, on)
    values |= {"status": status, "withdrawn_on": on, "last_changed_at": seen_at}
    await conn.execute(UPDATE_DECISION, values | {"decision_id": current.id})
    result = FetchResult.ARCHIVED if status == PublicationStatus.ARCHIVED else FetchResult.WITHDRAWN
    await decision_stored(conn, result, current.id)
    return result
