"""Writes of the ingest worker: idempotent upserts keyed by reference. Flush, never commit.

Every write for one reference happens under a transaction-scoped advisory lock on that
reference, so two workers never write the same decision at once.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco.ingest.fetch import Page
from lgsco.ingest.normalise import DecisionRecord
from lgsco.ingest.remedies import RemedyItem
from lgsco.shared import events
from lgsco.shared.domain import FetchResult, PublicationStatus, RemedyStatus
from lgsco.shared.models import (
    Decision,
    DecisionOrganisation,
    DecisionVersion,
    IngestFailure,
    Organisation,
    RawPage,
    Remedy,
)
from lgsco.shared.organisations import kind_of

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


async def lock_reference(session: AsyncSession, reference: str) -> None:
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:r))"), {"r": reference})


async def get_decision(session: AsyncSession, reference: str) -> Decision | None:
    return await session.scalar(select(Decision).where(Decision.reference == reference))


async def latest_raw_page(session: AsyncSession, raw_page_id: int | None) -> RawPage | None:
    return None if raw_page_id is None else await session.get(RawPage, raw_page_id)


def body_sha256(text_: str) -> str:
    return hashlib.sha256(text_.encode("utf-8")).hexdigest()


async def save_raw_page(session: AsyncSession, page: Page, reference: str | None) -> RawPage:
    body = page.text.encode("utf-8")
    raw = RawPage(
        reference=reference,
        url=page.path,
        status_code=page.status,
        etag=page.etag,
        last_modified=page.last_modified,
        content_type=page.content_type,
        body_sha256=hashlib.sha256(body).hexdigest(),
        body_zlib=zlib.compress(body, 6),
        body_size=len(body),
        fetched_at=page.fetched_at,
    )
    session.add(raw)
    await session.flush()
    return raw


async def upsert_decision(
    session: AsyncSession, record: DecisionRecord, *, raw_page_id: int | None, seen_at: datetime
) -> FetchResult:
    """Insert a new decision, or record a new version when what the page says has changed."""
    existing = await get_decision(session, record.reference)
    if existing is not None and existing.content_hash == record.content_hash:
        existing.last_fetched_at = seen_at
        if existing.status == PublicationStatus.WITHDRAWN:  # it came back
            _republish(existing, seen_at)
            await events.decision_stored(session, FetchResult.CHANGED, existing.id)
            return FetchResult.CHANGED
        return FetchResult.UNCHANGED
    decision = existing or Decision(reference=record.reference, version=0, first_seen_at=seen_at)
    changed = _changed_fields(decision, record) if existing is not None else list(_TRACKED_FIELDS)
    _assign(decision, record, raw_page_id=raw_page_id, seen_at=seen_at)
    decision.version = (decision.version or 0) + 1
    if decision.status == PublicationStatus.WITHDRAWN:
        _republish(decision, seen_at)
    session.add(decision)
    await session.flush()
    await _link_organisations(session, decision.id, record.organisations)
    await sync_remedies(session, decision.id, record.remedies)
    session.add(
        DecisionVersion(
            decision_id=decision.id,
            version=decision.version,
            content_hash=record.content_hash,
            parser_version=record.parser_version,
            raw_page_id=raw_page_id,
            changed_fields=changed,
        )
    )
    await session.flush()
    result = FetchResult.NEW if existing is None else FetchResult.CHANGED
    await events.decision_stored(session, result, decision.id)  # the outbox, same transaction
    return result


def _assign(
    decision: Decision, record: DecisionRecord, *, raw_page_id: int | None, seen_at: datetime
) -> None:
    decision.permalink = record.permalink
    decision.category = record.category
    decision.subcategory = record.subcategory
    decision.outcome = record.outcome
    decision.outcome_label = record.outcome_label
    decision.finding = record.finding
    decision.fine_outcome = record.fine_outcome
    decision.decided_on = record.decided_on
    decision.summary = record.summary
    decision.sections = record.sections_json()
    decision.body_text = record.body_text
    decision.parse_warnings = list(record.warnings)
    decision.has_remedy = bool(record.remedies)
    decision.content_hash = record.content_hash
    decision.parser_version = record.parser_version
    decision.raw_page_id = raw_page_id
    decision.last_fetched_at = seen_at
    decision.last_changed_at = seen_at


def _republish(decision: Decision, seen_at: datetime) -> None:
    decision.status = PublicationStatus.PUBLISHED
    decision.withdrawn_on = None
    decision.last_changed_at = seen_at


def _changed_fields(decision: Decision, record: DecisionRecord) -> list[str]:
    pairs = {
        "category": (decision.category, record.category),
        "subcategory": (decision.subcategory, record.subcategory),
        "outcome_label": (decision.outcome_label, record.outcome_label),
        "decided_on": (decision.decided_on, record.decided_on),
        "summary": (decision.summary, record.summary),
        "sections": (decision.sections, record.sections_json()),
        "body_text": (decision.body_text, record.body_text),
    }
    return [name for name, (old, new) in pairs.items() if old != new] or ["other"]


async def _link_organisations(
    session: AsyncSession, decision_id: int, names: Sequence[str]
) -> None:
    ids: list[int] = []
    for name in names:
        await session.execute(
            insert(Organisation).values(name=name, kind=kind_of(name)).on_conflict_do_nothing()
        )
        ids.append(
            (
                await session.execute(select(Organisation.id).where(Organisation.name == name))
            ).scalar_one()
        )
    await session.execute(
        delete(DecisionOrganisation).where(DecisionOrganisation.decision_id == decision_id)
    )
    for position, organisation_id in enumerate(dict.fromkeys(ids)):
        session.add(
            DecisionOrganisation(
                decision_id=decision_id, organisation_id=organisation_id, position=position
            )
        )


def remedy_fingerprint(item: RemedyItem) -> str:
    basis = f"{item.type}|{' '.join(item.sentence.lower().split())}|{item.amount}|{item.payee}"
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()


async def sync_remedies(
    session: AsyncSession, decision_id: int, items: Sequence[RemedyItem]
) -> None:
    """Match extracted items to stored remedies by fingerprint, keeping councils' tracking data.

    A remedy a new version no longer states is kept with `current = False`, never deleted.
    """
    stored = {
        r.fingerprint: r
        for r in await session.scalars(select(Remedy).where(Remedy.decision_id == decision_id))
    }
    seen: set[str] = set()
    for position, item in enumerate(items):
        fingerprint = remedy_fingerprint(item)
        if fingerprint in seen:
            continue
        seen.add(fingerprint)
        remedy = stored.get(fingerprint)
        if remedy is None:
            remedy = Remedy(decision_id=decision_id, fingerprint=fingerprint)
            # "The Council has already apologised": done before the decision, nothing to chase.
            remedy.status = RemedyStatus.COMPLETED if item.already_done else RemedyStatus.PENDING
        remedy.position = position
        remedy.type = item.type
        remedy.sentence = item.sentence
        remedy.amount = item.amount
        remedy.payee = item.payee
        remedy.deadline_text = item.deadline_text
        remedy.due_on = item.due_on
        remedy.current = True
        session.add(remedy)
    for fingerprint, remedy in stored.items():
        if fingerprint not in seen:
            remedy.current = False


async def mark_fetched(session: AsyncSession, decision: Decision, seen_at: datetime) -> FetchResult:
    decision.last_fetched_at = seen_at
    return FetchResult.UNCHANGED


async def mark_withdrawn(
    session: AsyncSession, decision: Decision, *, on: date, seen_at: datetime
) -> FetchResult:
    """A page that answered 404/410: withdrawn on `on`; nothing is deleted."""
    decision.last_fetched_at = seen_at
    if decision.status == PublicationStatus.WITHDRAWN:
        return FetchResult.UNCHANGED
    decision.status = PublicationStatus.WITHDRAWN
    decision.withdrawn_on = on
    decision.last_changed_at = seen_at
    await events.decision_stored(session, FetchResult.WITHDRAWN, decision.id)
    return FetchResult.WITHDRAWN


async def record_failure(
    session: AsyncSession,
    *,
    run_id: int | None,
    reference: str | None,
    url: str,
    kind: str,
    reason: str,
    raw_page_id: int | None = None,
) -> None:
    session.add(
        IngestFailure(
            run_id=run_id,
            reference=reference,
            url=url,
            kind=kind,
            reason=reason[:4000],
            raw_page_id=raw_page_id,
        )
    )
    await session.flush()


async def count_result(session: AsyncSession, run_id: int, result: FetchResult) -> None:
    """Add one to the run's count for `result`, atomically in SQL (several tasks share a run)."""
    await session.execute(
        text(
            "UPDATE ingest_run SET counts = jsonb_set(counts, ARRAY[CAST(:k AS text)], "
            "to_jsonb(coalesce(CAST(counts->>CAST(:k AS text) AS int), 0) + 1)) WHERE id = :id"
        ),
        {"id": run_id, "k": result.value},
    )
