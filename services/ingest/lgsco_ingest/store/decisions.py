"""A decision's row and its versions: insert, a new version when what the page says changed,
and what a newer parser reads again from the same page."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from lgsco_ingest.extract.normalise import DecisionRecord
from lgsco_ingest.store.events import decision_stored
from lgsco_ingest.store.organisations import link_organisations
from lgsco_ingest.store.remedies import sync_remedies
from lgsco_ingest.store.state import UPDATE_DECISION, Known, published_columns, same_content
from lgsco_shared.domain import FetchResult, PublicationStatus
from lgsco_shared.models import Decision, DecisionVersion

_decision = cast(Table, Decision.__table__)
_version = cast(Table, DecisionVersion.__table__)


_TRACKED_FIELDS = (
    "reference",
    "organisations",
    "category",
    "subcategory",
    "outcome_label",
    "decided_on",
    "summary",
    "sections",
    "body_text",
    "remedies",
)


_INSERT_DECISION = _decision.insert().returning(_decision.c.id)


_INSERT_VERSION = _version.insert()


async def upsert_decision(
    conn: AsyncConnection,
    record: DecisionRecord,
    *,
    raw_page_id: int | None,
    seen_at: datetime,
    current: Known | None,
    run_id: int | None = None,
) -> FetchResult:
    """Insert a new decision, or record a new version when what the page says has changed.

    `current` is the decision's stored state, read under the reference's lock; `run_id`, the
    run storing it, is kept on a new decision as the run that first saw it.
    """
    if current is not None and current.content_hash == record.content_hash:
        if current.parser_version != record.parser_version:
            await _rederive(conn, current.id, record)
        return await same_content(conn, current, raw_page_id or current.raw_page_id, seen_at)
    columns = _columns(record, raw_page_id=raw_page_id, seen_at=seen_at)
    if current is None:
        decision_id = await _insert_decision(conn, record.reference, columns, seen_at, run_id)
        changed, version = list(_TRACKED_FIELDS), 1
    else:
        changed = await _changed_fields(conn, current.id, record)
        decision_id, version = current.id, current.version + 1
        back = {} if current.online else {"republished_on": seen_at.date()}
        await conn.execute(
            UPDATE_DECISION,
            columns
            | published_columns(seen_at)
            | back
            | {"version": version, "decision_id": decision_id},
        )
    await link_organisations(
        conn,
        decision_id,
        record.organisations,
        record.decided_on,
        category=record.category,
        new=current is None,
    )
    await sync_remedies(conn, decision_id, record.remedies, new=current is None)
    await conn.execute(
        _INSERT_VERSION,
        {
            "decision_id": decision_id,
            "version": version,
            "content_hash": record.content_hash,
            "parser_version": record.parser_version,
            "raw_page_id": raw_page_id,
            "changed_fields": changed,
        },
    )
    if current is None:
        result = FetchResult.NEW
    else:
        result = FetchResult.CHANGED if current.online else FetchResult.REPUBLISHED
    await decision_stored(conn, result, decision_id)  # the outbox, same transaction
    return result


async def reparsed(
    conn: AsyncConnection, record: DecisionRecord, *, current: Known, at: datetime
) -> bool:
    """Store what the current parser reads from a decision's stored raw page; True if changed.

    Only what is read from the page changes (with a newer parser, what is read from its text,
    finding and remedies, even where the page itself is the same): publication status,
    withdrawal date, fetch times, the raw page and councils' remedy tracking are the record of
    other events and stay as they are. A changed decision gets a new version; subscribers hear
    of it (`decision.changed`) only while it is published, so a withdrawn decision is never
    announced as if it were public.
    """
    if current.content_hash == record.content_hash:
        if current.parser_version != record.parser_version:
            await _rederive(conn, current.id, record)  # a newer parser reads the same page
        return False
    changed = await _changed_fields(conn, current.id, record)
    version = current.version + 1
    await conn.execute(
        UPDATE_DECISION,
        _parsed_columns(record)
        | {"version": version, "last_changed_at": at, "decision_id": current.id},
    )
    await link_organisations(
        conn,
        current.id,
        record.organisations,
        record.decided_on,
        category=record.category,
        new=False,
    )
    await sync_remedies(conn, current.id, record.remedies, new=False)
    await conn.execute(
        _INSERT_VERSION,
        {
            "decision_id": current.id,
            "version": version,
            "content_hash": record.content_hash,
            "parser_version": record.parser_version,
            "raw_page_id": current.raw_page_id,
            "changed_fields": changed,
        },
    )
    if current.status == PublicationStatus.PUBLISHED:
        await decision_stored(conn, FetchResult.CHANGED, current.id)
    return True


async def _insert_decision(
    conn: AsyncConnection,
    reference: str,
    columns: dict[str, Any],
    seen_at: datetime,
    run_id: int | None,
) -> int:
    row = await conn.execute(
        _INSERT_DECISION,
        columns
        | {
            "reference": reference,
            "version": 1,
            "first_seen_at": seen_at,
            "first_seen_run_id": run_id,
            "status": PublicationStatus.PUBLISHED,
            "withdrawn_on": None,
        },
    )
    return int(row.scalar_one())


def _columns(
    record: DecisionRecord, *, raw_page_id: int | None, seen_at: datetime
) -> dict[str, Any]:
    return (
        {"permalink": record.permalink}
        | _parsed_columns(record)
        | {"raw_page_id": raw_page_id, "last_fetched_at": seen_at, "last_changed_at": seen_at}
    )


def _parsed_columns(record: DecisionRecord) -> dict[str, Any]:
    """The columns read from a page's content: all a re-parse may rewrite."""
    return {
        "category": record.category,
        "subcategory": record.subcategory,
        "outcome": record.outcome,
        "outcome_label": record.outcome_label,
        "finding": record.finding,
        "fine_outcome": record.fine_outcome,
        "decided_on": record.decided_on,
        "summary": record.summary,
        "sections": record.sections_json(),
        "body_text": record.body_text,
        "parse_warnings": list(record.warnings),
        "has_remedy": bool(record.remedies),
        "content_hash": record.content_hash,
        "parser_version": record.parser_version,
    }


async def _rederive(conn: AsyncConnection, decision_id: int, record: DecisionRecord) -> None:
    """Same page, newer parser: what is read from the text (finding, remedies) is read again.

    Not a new version of the decision (the LGSCO changed nothing), so no version row or event;
    remedies are matched to the stored ones so councils' tracking stays with them.
    """
    await conn.execute(
        UPDATE_DECISION,
        {
            "decision_id": decision_id,
            "finding": record.finding,
            "fine_outcome": record.fine_outcome,
            "parse_warnings": list(record.warnings),
            "has_remedy": bool(record.remedies),
            "parser_version": record.parser_version,
        },
    )
    await sync_remedies(conn, decision_id, record.remedies, new=False)


async def _changed_fields(
    conn: AsyncConnection, decision_id: int, record: DecisionRecord
) -> list[str]:
    """Names of the fields a new version changes (read only when the content hash differs)."""
    c = _decision.c
    old = (
        await conn.execute(
            select(
                c.category,
                c.subcategory,
                c.outcome_label,
                c.decided_on,
                c.summary,
                c.sections,
                c.body_text,
            ).where(c.id == decision_id)
        )
    ).one()
    pairs = {
        "category": (old.category, record.category),
        "subcategory": (old.subcategory, record.subcategory),
        "outcome_label": (old.outcome_label, record.outcome_label),
        "decided_on": (old.decided_on, record.decided_on),
        "summary": (old.summary, record.summary),
        "sections": (old.sections, record.sections_json()),
        "body_text": (old.body_text, record.body_text),
    }
    return [name for name, (before, after) in pairs.items() if before != after] or ["other"]
