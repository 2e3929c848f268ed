"""Writes of the ingest worker: idempotent upserts keyed by reference. Never commits.

Every write for one reference happens under a transaction-scoped advisory lock on that
reference, so two workers never write the same decision at once. The writes are Core
statements on the transaction's connection: the ORM's unit of work (identity map, flushes,
re-reading generated keys) costs more CPU than storing a decision otherwise does, and adds
nothing to rows written once and never read back in the same transaction.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from lgsco_ingest.extract.normalise import DecisionRecord
from lgsco_ingest.extract.remedies import RemedyItem
from lgsco_ingest.fetch import Page
from lgsco_shared import events
from lgsco_shared.domain import (
    ARCHIVE_AFTER_DAYS,
    FetchResult,
    Provenance,
    PublicationStatus,
    RemedyCommitment,
    RemedyStatus,
)
from lgsco_shared.models import (
    Decision,
    DecisionOrganisation,
    DecisionVersion,
    Event,
    IngestFailure,
    Organisation,
    RawPage,
    Remedy,
)
from lgsco_shared.organisations import classify, dated_kind

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

_decision = cast(Table, Decision.__table__)
_raw_page = cast(Table, RawPage.__table__)
_version = cast(Table, DecisionVersion.__table__)
_event = cast(Table, Event.__table__)
_failure = cast(Table, IngestFailure.__table__)
_organisation = cast(Table, Organisation.__table__)
_decision_organisation = cast(Table, DecisionOrganisation.__table__)
_remedy = cast(Table, Remedy.__table__)


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
_INSERT_RAW_PAGE = _raw_page.insert().returning(_raw_page.c.id)
_INSERT_DECISION = _decision.insert().returning(_decision.c.id)
_UPDATE_DECISION = _decision.update().where(_decision.c.id == bindparam("decision_id"))
_ORGANISATIONS_NAMED = select(_organisation.c.name, _organisation.c.id).where(
    _organisation.c.name.in_(bindparam("names", expanding=True))
)
_INSERT_ORGANISATIONS = insert(_organisation).on_conflict_do_nothing(index_elements=["name"])
_INSERT_VERSION = _version.insert()
_INSERT_EVENT = _event.insert()
_INSERT_FAILURE = _failure.insert()
_LINK = _decision_organisation.insert()
_INSERT_REMEDIES = _remedy.insert()
_UNLINK = _decision_organisation.delete().where(
    _decision_organisation.c.decision_id == bindparam("decision_id")
)
_REMEDIES_OF = select(
    _remedy.c.id,
    _remedy.c.fingerprint,
    _remedy.c.type,
    _remedy.c.sentence,
    _remedy.c.amount,
    _remedy.c.payee,
).where(_remedy.c.decision_id == bindparam("decision_id"))
# What the text says is refreshed; the status only while it is still the one read from the text.
_UPDATE_REMEDY = (
    _remedy.update()
    .where(_remedy.c.id == bindparam("remedy_id"))
    .values(
        status=case(
            (
                _remedy.c.status_source == Provenance.INFERRED.value,
                bindparam("inferred_status", type_=_remedy.c.status.type),
            ),
            else_=_remedy.c.status,
        )
    )
)
_NOT_CURRENT = (
    _remedy.update().where(_remedy.c.id.in_(bindparam("ids", expanding=True))).values(current=False)
)


async def lock_reference(conn: AsyncConnection, reference: str) -> None:
    await conn.execute(_LOCK, {"r": reference})


async def known(conn: AsyncConnection, references: Sequence[str]) -> dict[str, Known]:
    """The stored state of each of `references` that is stored, in one query."""
    if not references:
        return {}
    rows = await conn.execute(_KNOWN, {"references": list(references)})
    return {row.reference: Known(**row._mapping) for row in rows}


def body_sha256(text_: str) -> str:
    return hashlib.sha256(text_.encode("utf-8")).hexdigest()


_SAME_RAW_PAGE = text(
    "SELECT id FROM raw_page WHERE reference = :reference AND body_sha256 = :sha"
    " AND status_code = :status ORDER BY id DESC LIMIT 1"
)
_LIMIT_REASON = text(
    "SELECT f.reason FROM ingest_failure f JOIN raw_page r ON r.id = f.raw_page_id"
    " WHERE f.kind = 'limit' AND f.reference = :reference AND r.body_sha256 = :sha"
    " ORDER BY f.id DESC LIMIT 1"
)


async def limit_reason(conn: AsyncConnection, reference: str, sha: str) -> str | None:
    """Why these very bytes of `reference`'s page were quarantined for a parser limit, if they
    were: such a page is not parsed again."""
    reason: object = (
        await conn.execute(_LIMIT_REASON, {"reference": reference, "sha": sha})
    ).scalar()
    return None if reason is None else str(reason)


async def save_raw_page(
    conn: AsyncConnection, page: Page, reference: str | None, *, reuse: bool = False
) -> int:
    """Keep the page as fetched (compressed); returns its id. With `reuse` (a page that could
    not be stored as a decision), the same bytes already kept for the reference are not kept
    again: their row's id is returned."""
    body = page.text.encode("utf-8")
    if reuse and reference is not None:
        same = await conn.execute(
            _SAME_RAW_PAGE,
            {
                "reference": reference,
                "sha": hashlib.sha256(body).hexdigest(),
                "status": page.status,
            },
        )
        if (found := same.scalar()) is not None:
            return int(found)
    row = await conn.execute(
        _INSERT_RAW_PAGE,
        {
            "reference": reference,
            "url": page.path,
            "status_code": page.status,
            "etag": page.etag,
            "last_modified": page.last_modified,
            "content_type": page.content_type,
            "body_sha256": hashlib.sha256(body).hexdigest(),
            "body_zlib": zlib.compress(body, 6),
            "body_size": len(body),
            "fetched_at": page.fetched_at,
        },
    )
    return int(row.scalar_one())


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
        return await _same_content(conn, current, raw_page_id or current.raw_page_id, seen_at)
    columns = _columns(record, raw_page_id=raw_page_id, seen_at=seen_at)
    if current is None:
        decision_id = await _insert_decision(conn, record.reference, columns, seen_at, run_id)
        changed, version = list(_TRACKED_FIELDS), 1
    else:
        changed = await _changed_fields(conn, current.id, record)
        decision_id, version = current.id, current.version + 1
        back = {} if current.online else {"republished_on": seen_at.date()}
        await conn.execute(
            _UPDATE_DECISION,
            columns | _published(seen_at) | back | {"version": version, "decision_id": decision_id},
        )
    await _link_organisations(
        conn, decision_id, record.organisations, record.decided_on, new=current is None
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
        _UPDATE_DECISION,
        _parsed_columns(record)
        | {"version": version, "last_changed_at": at, "decision_id": current.id},
    )
    await _link_organisations(conn, current.id, record.organisations, record.decided_on, new=False)
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


async def _same_content(
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
        values |= _published(seen_at) | {"republished_on": seen_at.date()}
    await conn.execute(_UPDATE_DECISION, values | {"decision_id": current.id})
    if not came_back:
        return FetchResult.UNCHANGED
    await decision_stored(conn, FetchResult.REPUBLISHED, current.id)
    return FetchResult.REPUBLISHED


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
        _UPDATE_DECISION,
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


def _published(seen_at: datetime) -> dict[str, Any]:
    """Online: `withdrawn_on` of a decision that came back keeps when it was last found gone."""
    return {"status": PublicationStatus.PUBLISHED, "last_changed_at": seen_at}


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


async def _link_organisations(
    conn: AsyncConnection,
    decision_id: int,
    names: Sequence[str],
    decided_on: date | None,
    *,
    new: bool,
) -> None:
    """Link the decision to its organisations, in the page's order (a new one replaces none).

    Each link carries the organisation's kind on the decision's date where that kind changed
    over time (Somerset County Council until 31 March 2023, a unitary council since)."""
    if not new:
        await conn.execute(_UNLINK, {"decision_id": decision_id})
    ids = await organisation_ids(conn, names)
    kinds = {id_: dated_kind(name, decided_on) for name, id_ in zip(names, ids, strict=True)}
    if ids:
        await conn.execute(
            _LINK,
            [
                {
                    "decision_id": decision_id,
                    "organisation_id": id_,
                    "position": position,
                    "kind": kinds[id_],
                }
                for position, id_ in enumerate(dict.fromkeys(ids))
            ],
        )


async def organisation_ids(conn: AsyncConnection, names: Sequence[str]) -> list[int]:
    """Ids of `names`, in order, inserting those not yet known.

    Almost every organisation is already stored, so one SELECT usually answers; the insert of
    the missing ones does nothing on conflict (another worker may insert the same name), and
    the second SELECT, a statement of its own, sees what that worker committed.
    """
    found = await _organisations_named(conn, names)
    missing = sorted(set(names) - found.keys())  # sorted: concurrent inserts lock in one order
    if missing:
        await conn.execute(
            _INSERT_ORGANISATIONS,
            [{"name": name, **_classified(name)} for name in missing],
        )
        found |= await _organisations_named(conn, missing)
    return [found[name] for name in names]


def _classified(name: str) -> dict[str, Any]:
    """Kind and GSS code from the reference table of English local authorities (today's, for
    a name whose kind changed: each link keeps the kind on its decision's date)."""
    found = classify(name)
    return {"kind": found.kind, "gss_code": found.gss_code}


async def _organisations_named(conn: AsyncConnection, names: Iterable[str]) -> dict[str, int]:
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return {}
    rows = await conn.execute(_ORGANISATIONS_NAMED, {"names": wanted})
    return {name: id_ for name, id_ in rows}


def remedy_fingerprint(item: RemedyItem) -> str:
    basis = f"{item.type}|{' '.join(item.sentence.lower().split())}|{item.amount}|{item.payee}"
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class _StoredRemedy:
    id: int
    fingerprint: str
    type: str
    sentence: str
    amount: Decimal | None
    payee: str | None


async def sync_remedies(
    conn: AsyncConnection, decision_id: int, items: Sequence[RemedyItem], *, new: bool
) -> None:
    """Match extracted items to stored remedies, keeping councils' tracking data.

    An item is the stored remedy with its fingerprint (type, sentence, amount, payee) or, failing
    that, the one left over of its type with the same sentence or the same amount and payee: a
    re-parse that reads the payee or the amount better, or a page that rewords a sentence, updates
    that remedy in place (its id, tracking and history stay). A remedy a new version no longer
    states is kept with `current = False`, never deleted. The status read from the text is
    refreshed only while no council has recorded one.
    """
    extracted = _by_fingerprint(items)
    stored = {} if new else await _stored_remedies(conn, decision_id)
    matched: dict[str, int] = {fp: stored[fp].id for fp in extracted if fp in stored}
    left = [row for fp, row in stored.items() if fp not in extracted]
    for fp, (item, _) in extracted.items():
        if fp not in matched and (same := _same_remedy(item, left)) is not None:
            matched[fp] = same.id
            left.remove(same)
    added = [
        row | {"decision_id": decision_id, "fingerprint": fp, "status": first_status(item)}
        for fp, (item, row) in extracted.items()
        if fp not in matched
    ]
    kept = [
        row | {"remedy_id": matched[fp], "fingerprint": fp, "inferred_status": first_status(item)}
        for fp, (item, row) in extracted.items()
        if fp in matched
    ]
    if added:
        await conn.execute(_INSERT_REMEDIES, added)
    if kept:
        await conn.execute(_UPDATE_REMEDY, kept)
    if left:
        await conn.execute(_NOT_CURRENT, {"ids": [row.id for row in left]})


def _same_remedy(item: RemedyItem, left: list[_StoredRemedy]) -> _StoredRemedy | None:
    sentence = " ".join(item.sentence.lower().split())
    for row in left:
        if row.type != item.type.value:
            continue
        same_sentence = " ".join(row.sentence.lower().split()) == sentence
        same_money = item.amount is not None and (row.amount, row.payee) == (
            item.amount,
            item.payee,
        )
        if same_sentence or same_money:
            return row
    return None


def _by_fingerprint(items: Sequence[RemedyItem]) -> dict[str, tuple[RemedyItem, dict[str, Any]]]:
    """Each item's columns by fingerprint, the first of duplicates kept (with its position)."""
    extracted: dict[str, tuple[RemedyItem, dict[str, Any]]] = {}
    for position, item in enumerate(items):
        fingerprint = remedy_fingerprint(item)
        if fingerprint not in extracted:
            extracted[fingerprint] = (item, _remedy_columns(item, position))
    return extracted


def _remedy_columns(item: RemedyItem, position: int) -> dict[str, Any]:
    return {
        "position": position,
        "type": item.type,
        "sentence": item.sentence,
        "amount": item.amount,
        "payee": item.payee,
        "deadline_text": item.deadline_text,
        "due_on": item.due_on,
        "commitment": item.commitment,
        "current": True,
    }


_FIRST_STATUS = {
    # "The Council has already apologised": done before the decision, nothing to chase.
    RemedyCommitment.ALREADY_DONE: RemedyStatus.COMPLETED,
    RemedyCommitment.AGREED: RemedyStatus.PENDING,
    RemedyCommitment.RECOMMENDED: RemedyStatus.PENDING,
    # "offered £200": not done unless the text says it was paid or accepted
    RemedyCommitment.OFFERED: RemedyStatus.OFFERED,
}


def first_status(item: RemedyItem) -> RemedyStatus:
    """The tracking status the decision's wording implies, before any council records one."""
    return _FIRST_STATUS[item.commitment]


async def _stored_remedies(conn: AsyncConnection, decision_id: int) -> dict[str, _StoredRemedy]:
    rows = await conn.execute(_REMEDIES_OF, {"decision_id": decision_id})
    return {row.fingerprint: _StoredRemedy(**row._mapping) for row in rows}


async def decision_stored(conn: AsyncConnection, result: FetchResult, decision_id: int) -> None:
    """A decision was published, changed, taken down or republished: one outbox event; other
    results: none."""
    if (event_type := events.DECISION_EVENTS.get(result)) is not None:
        await conn.execute(_INSERT_EVENT, {"type": event_type, "decision_id": decision_id})


async def seen_again(conn: AsyncConnection, current: Known, seen_at: datetime) -> FetchResult:
    """The page is served as stored (a 304, or the same bytes): fetched now, and republished
    if it had been taken down."""
    if current.online:
        return await mark_fetched(conn, current.id, seen_at)
    return await _same_content(conn, current, current.raw_page_id, seen_at)


async def mark_fetched(conn: AsyncConnection, decision_id: int, seen_at: datetime) -> FetchResult:
    await conn.execute(_UPDATE_DECISION, {"decision_id": decision_id, "last_fetched_at": seen_at})
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
        await conn.execute(_UPDATE_DECISION, values | {"decision_id": current.id})
        return FetchResult.UNCHANGED
    status = removal(current, on)
    values |= {"status": status, "withdrawn_on": on, "last_changed_at": seen_at}
    await conn.execute(_UPDATE_DECISION, values | {"decision_id": current.id})
    result = FetchResult.ARCHIVED if status == PublicationStatus.ARCHIVED else FetchResult.WITHDRAWN
    await decision_stored(conn, result, current.id)
    return result


async def record_failure(
    conn: AsyncConnection,
    *,
    run_id: int | None,
    reference: str | None,
    url: str,
    kind: str,
    reason: str,
    raw_page_id: int | None = None,
) -> None:
    await conn.execute(
        _INSERT_FAILURE,
        {
            "run_id": run_id,
            "reference": reference,
            "url": url,
            "kind": kind,
            "reason": reason[:4000],
            "raw_page_id": raw_page_id,
        },
    )


_COUNT = text(
    "UPDATE ingest_run SET counts = jsonb_set(counts, ARRAY[CAST(:k AS text)], "
    "to_jsonb(coalesce(CAST(counts->>CAST(:k AS text) AS int), 0) + CAST(:n AS int))) "
    "WHERE id = :id"
)


async def count_result(conn: AsyncConnection, run_id: int, result: FetchResult, n: int = 1) -> None:
    """Add `n` to the run's count for `result`, atomically in SQL (several tasks share a run)."""
    await conn.execute(_COUNT, {"id": run_id, "k": result.value, "n": n})


_ADD_COUNTS = text(
    "UPDATE ingest_run SET counts = counts || coalesce(("
    "SELECT jsonb_object_agg(t.k, coalesce(CAST(counts->>t.k AS int), 0) + t.n) "
    "FROM unnest(CAST(:ks AS text[]), CAST(:ns AS int[])) AS t(k, n)), '{}'::jsonb) "
    "WHERE id = :id"
)


async def add_counts(conn: AsyncConnection, run_id: int, counts: Mapping[str, int]) -> None:
    """Add several counts to the run in one statement (a crawl's tally, with its checkpoint)."""
    items = [(k, n) for k, n in counts.items() if n]
    if not items:
        return
    await conn.execute(
        _ADD_COUNTS, {"id": run_id, "ks": [k for k, _ in items], "ns": [n for _, n in items]}
    )
