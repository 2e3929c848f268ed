"""Parsed page -> DecisionRecord (pure): outcome vocabulary, finding, remedies, content hash."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lgsco_ingest.extract.findings import classify_finding, fine_outcome
from lgsco_ingest.extract.remedies import RemedyItem, extract_remedies
from lgsco_ingest.site.records import ParsedDecision, Section
from lgsco_shared.domain import OUTCOME_LABELS, Finding, Outcome

# Bump when parsing or normalising changes what is stored; `lgsco reparse` then reports changes.
PARSER_VERSION = "2026.12.1"


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    reference: str
    permalink: str
    organisations: tuple[str, ...]
    category: str | None
    subcategory: str | None
    outcome: Outcome | None
    outcome_label: str | None
    finding: Finding | None
    fine_outcome: str | None
    decided_on: date | None
    summary: str
    sections: tuple[Section, ...]
    body_text: str
    remedies: tuple[RemedyItem, ...]
    warnings: tuple[str, ...]
    content_hash: str
    parser_version: str = PARSER_VERSION

    def sections_json(self) -> list[dict[str, object]]:
        return [{"heading": s.heading, "paragraphs": list(s.paragraphs)} for s in self.sections]


def outcome(label: str | None) -> Outcome | None:
    """The published label -> the closed vocabulary; an unknown label -> None (and a warning)."""
    if label is None:
        return None
    return OUTCOME_LABELS.get(" ".join(label.lower().split()))


def decision(parsed: ParsedDecision, *, permalink: str) -> DecisionRecord:
    published = outcome(parsed.outcome_label)
    warnings = list(parsed.warnings)
    if parsed.outcome_label is not None and published is None:
        warnings.append(f"unknown outcome label {parsed.outcome_label!r}")
    finding = classify_finding(parsed.summary, parsed.sections, published)
    remedies = tuple(extract_remedies(parsed.summary, parsed.sections, parsed.decided_on))
    fields: dict[str, object] = {
        "reference": parsed.reference,
        "permalink": permalink,
        "organisations": list(parsed.organisations),
        "category": parsed.category,
        "subcategory": parsed.subcategory,
        "outcome_label": parsed.outcome_label,
        "decided_on": parsed.decided_on.isoformat() if parsed.decided_on else None,
        "summary": parsed.summary,
        "sections": [[s.heading, list(s.paragraphs)] for s in parsed.sections],
        "body_text": parsed.body_text,
    }
    return DecisionRecord(
        reference=parsed.reference,
        permalink=permalink,
        organisations=parsed.organisations,
        category=parsed.category,
        subcategory=parsed.subcategory,
        outcome=published,
        outcome_label=parsed.outcome_label,
        finding=finding,
        fine_outcome=fine_outcome(published, finding),
        decided_on=parsed.decided_on,
        summary=parsed.summary,
        sections=parsed.sections,
        body_text=parsed.body_text,
        remedies=remedies,
        warnings=tuple(warnings),
        content_hash=content_hash(fields),
    )


def content_hash(fields: dict[str, object]) -> str:
    """Hash of what the page says (not of its markup), so chrome changes are not new versions."""
    blob = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=_json_default)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _json_default(value: object) -> str:
    if isinstance(value, Decimal | date):
        return str(value)
    raise TypeError(type(value).__name__)
