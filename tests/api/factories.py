"""Rows for API tests, made through the ORM with keyword overrides (the lead's
tests/factories.py may replace these; they only flush, the test owns the transaction)."""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_shared.domain import (
    OUTCOME_LABELS,
    Outcome,
    PublicationStatus,
    RemedyStatus,
    RemedyType,
)
from lgsco_shared.models import (
    Decision,
    DecisionOrganisation,
    DecisionVersion,
    Organisation,
    Remedy,
)
from lgsco_shared.organisations import classify, dated_kind

_serial = itertools.count(1)

LABELS = {outcome: label.capitalize() for label, outcome in OUTCOME_LABELS.items()}


def unique_reference() -> str:
    n = next(_serial)
    return f"9{n % 10} {n // 1000 % 1000:03d} {n % 1000:03d}"


async def make_organisation(
    session: AsyncSession, name: str, category: str | None = None, **overrides: Any
) -> Organisation:
    existing = await session.scalar(select(Organisation).where(Organisation.name == name))
    if existing is not None:
        return existing
    found = classify(name, category=category)
    org = Organisation(
        name=name,
        kind=overrides.pop("kind", found.kind),
        gss_code=overrides.pop("gss_code", found.gss_code),
        **overrides,
    )
    session.add(org)
    await session.flush()
    return org


async def make_decision(
    session: AsyncSession,
    *,
    organisations: tuple[str, ...] = ("Testshire County Council",),
    outcome: Outcome | None = Outcome.UPHELD,
    decided_on: date | None = date(2023, 6, 1),
    reference: str | None = None,
    category: str | None = "Adult care services",
    subcategory: str | None = "Charging",
    summary: str = "The Council delayed a financial assessment.",
    body_text: str = "",
    **overrides: Any,
) -> Decision:
    reference = reference or unique_reference()
    slug = reference.replace(" ", "-")
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "reference": reference,
        "permalink": f"/decisions/adult-care-services/charging/{slug}",
        "category": category,
        "subcategory": subcategory,
        "outcome": outcome,
        "outcome_label": LABELS.get(outcome) if outcome else None,
        "decided_on": decided_on,
        "summary": summary,
        "body_text": body_text or summary,
        "sections": [{"heading": "The complaint", "paragraphs": [summary]}],
        "parse_warnings": [],
        "has_remedy": False,
        "status": PublicationStatus.PUBLISHED,
        "content_hash": hashlib.sha256(reference.encode()).hexdigest(),
        "parser_version": "test",
        "version": 1,
        "last_fetched_at": now,
        "last_changed_at": now,
    }
    values.update(overrides)
    decision = Decision(**values)
    session.add(decision)
    await session.flush()
    session.add(
        DecisionVersion(
            decision_id=decision.id,
            version=1,
            content_hash=decision.content_hash,
            parser_version="test",
            changed_fields=[],
        )
    )
    for position, name in enumerate(organisations):
        org = await make_organisation(session, name, category)
        session.add(
            DecisionOrganisation(
                decision_id=decision.id,
                organisation_id=org.id,
                position=position,
                kind=dated_kind(name, decided_on),
            )
        )
    await session.flush()
    return decision


async def make_remedy(
    session: AsyncSession,
    decision: Decision,
    *,
    type: RemedyType = RemedyType.APOLOGY,
    sentence: str = "apologise to Mrs X",
    due_on: date | None = None,
    amount: Decimal | None = None,
    status: RemedyStatus = RemedyStatus.PENDING,
    **overrides: Any,
) -> Remedy:
    remedy = Remedy(
        decision_id=decision.id,
        fingerprint=hashlib.sha256(f"{type}:{sentence}:{next(_serial)}".encode()).hexdigest(),
        position=overrides.pop("position", 0),
        type=type,
        sentence=sentence,
        amount=amount,
        due_on=due_on,
        status=status,
        current=overrides.pop("current", True),
        revision=1,
        **overrides,
    )
    session.add(remedy)
    decision.has_remedy = True
    await session.flush()
    return remedy
