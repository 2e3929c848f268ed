"""The annual complaints report tables (the LGSCO appendices of a council's annual report)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from lgsco_api.kit.query import FinancialYear, QueryModel
from lgsco_api.kit.schemas import source_url
from lgsco_api.organisations.schemas import OutcomeCounts
from lgsco_api.statistics.schemas import OrganisationKey
from lgsco_shared.domain import (
    FINE_OUTCOMES,
    Outcome,
    Provenance,
    RemedyCommitment,
    RemedyStatus,
    RemedyType,
)

# The action names councils print in their reports (Kent 2023-24, appendix 4).
REMEDY_LABELS: dict[RemedyType, str] = {
    RemedyType.APOLOGY: "Formal apology",
    RemedyType.FINANCIAL_PAYMENT: "Financial remedy",
    RemedyType.STAFF_TRAINING: "Arrange staff training or guidance",
    RemedyType.PROCEDURE_REVIEW: "Change or review policy or procedure",
    RemedyType.REASSESSMENT: "Reassessment/Rehearing",
    RemedyType.PROVIDE_SERVICE: "Provided service requested",
    RemedyType.REFUND_OR_WAIVE: "Refund or waive charges",
    RemedyType.EXPLANATION: "Explanation",
    RemedyType.REVIEW_DECISION: "Review decision",
    RemedyType.OTHER: "Other action",
}


class ReportTable(StrEnum):
    SUMMARY = "summary"
    OUTCOMES = "outcomes"
    REMEDIES = "remedies"
    DECISIONS = "decisions"


OUTCOME_SOURCE_DOC = (
    "`inferred`: the finer outcome, read by this service from the decision's text (not a label "
    "the LGSCO prints); `stated`: the outcome as printed on the page; null: none printed."
)


class OutcomeRow(BaseModel):
    outcome: str = Field(
        description="The finer outcome where the text tells it (`Upheld: fault and injustice`, "
        "inferred), else the outcome as published.",
        examples=["Upheld: fault and injustice"],
    )
    outcome_source: Provenance | None = Field(description=OUTCOME_SOURCE_DOC)
    broad_outcome: Outcome | None
    decisions: int


class RemedyRow(BaseModel):
    type: RemedyType
    action: str = Field(examples=["Formal apology"])
    remedies: int
    decisions: int = Field(description="Decisions with at least one remedy of this type.")
    amount_total: Decimal | None = Field(
        description="Sum of the amounts stated, in pounds: remedies with no stated amount add "
        "nothing (see amounts_stated)."
    )
    amounts_stated: int = Field(description="Remedies of this type whose amount is stated.")


class ReportRemedy(BaseModel):
    action: str = Field(examples=["Financial remedy"])
    type: RemedyType
    amount: Decimal | None
    payee: str | None
    commitment: RemedyCommitment = Field(
        description="As the decision states it (inferred): already_done, agreed, recommended, "
        "offered."
    )
    status: RemedyStatus
    due_on: date | None


class ReportDecision(BaseModel):
    heading: str = Field(
        description="The decision's line as councils print it in their appendix: outcome, "
        "subcategory, date and reference.",
        examples=["Upheld: Fault and Injustice: Charging - 5 December 2023 (23 005 403)"],
    )
    reference: str
    decided_on: date | None
    decided_on_text: str | None = Field(examples=["5 December 2023"])
    outcome: str | None = Field(
        description="The finer outcome where the text tells it (inferred), else the outcome as "
        "published; title case as councils print it.",
        examples=["Upheld: Fault and Injustice"],
    )
    outcome_source: Provenance | None = Field(description=OUTCOME_SOURCE_DOC)
    broad_outcome: Outcome | None
    category: str | None
    subcategory: str | None
    summary: str
    remedies: list[ReportRemedy] = Field(description="What the decision states, with its status.")
    source_url: str


def printed_outcome(label: str | None) -> str | None:
    """ "Upheld: fault and injustice" -> "Upheld: Fault and Injustice", as councils print it:
    the broad outcome in sentence case, each word after it capitalised but short joining words."""
    if label is None:
        return None
    head, colon, rest = label.partition(": ")
    if not colon:
        return label[:1].upper() + label[1:]
    words = [w if w in _SMALL_WORDS else w[:1].upper() + w[1:] for w in rest.split(" ")]
    return f"{head}: {' '.join(words)}"


_SMALL_WORDS = {"and", "of", "for", "or", "to", "after", "–"}


def printed_date(day: date | None) -> str | None:
    return f"{day.day} {day:%B %Y}" if day else None


def heading(outcome: str | None, subcategory: str | None, day: date | None, ref: str) -> str:
    """ "Upheld: Fault and Injustice: Charging - 5 December 2023 (23 005 403)"."""
    parts = [p for p in (outcome or "Outcome not stated", subcategory) if p]
    dated = f" - {printed_date(day)}" if day else ""
    return f"{': '.join(parts)}{dated} ({ref})"


class AnnualReport(BaseModel):
    """Decisions closed by the LGSCO in the financial year about one organisation."""

    organisation: dict[str, object]
    financial_year: str = Field(examples=["2023-24"])
    period: dict[str, date]
    summary: OutcomeCounts
    outcomes: list[OutcomeRow]
    remedies: list[RemedyRow]
    remedies_total: int
    decisions: list[ReportDecision]
    attribution: str


class ReportOrder(StrEnum):
    OUTCOME = "outcome"  # as councils print the appendix: by outcome group, then date
    DATE = "date"


_BROAD_ORDER = {o: i for i, o in enumerate(Outcome)}
_FINE_ORDER = {label.lower(): i for i, (_, label) in enumerate(FINE_OUTCOMES)}


def decisions_as_filed(
    rows: Sequence[Mapping[Any, Any]],
    remedies: Sequence[Mapping[Any, Any]],
    site_url: str,
    order: ReportOrder = ReportOrder.OUTCOME,
) -> list[ReportDecision]:
    """The report's decision list: each with its heading line and remedies, in `order`."""
    by_decision: dict[int, list[ReportRemedy]] = {}
    for r in remedies:
        by_decision.setdefault(r["decision_id"], []).append(
            ReportRemedy(action=REMEDY_LABELS[r["type"]], **{k: r[k] for k in _REMEDY_KEYS})
        )
    out = []
    for r in rows:
        outcome = printed_outcome(r["outcome"])
        out.append(
            ReportDecision(
                heading=heading(outcome, r["subcategory"], r["decided_on"], r["reference"]),
                reference=r["reference"],
                decided_on=r["decided_on"],
                decided_on_text=printed_date(r["decided_on"]),
                outcome=outcome,
                outcome_source=r["outcome_source"],
                broad_outcome=r["broad_outcome"],
                category=r["category"],
                subcategory=r["subcategory"],
                summary=r["summary"],
                remedies=by_decision.get(r["id"], []),
                source_url=source_url(site_url, r["permalink"]),
            )
        )
    if order is ReportOrder.OUTCOME:
        out.sort(key=_filed_order)
    return out


_REMEDY_KEYS = ("type", "amount", "payee", "commitment", "status", "due_on")


def _filed_order(d: ReportDecision) -> tuple[int, int, date, str]:
    broad = _BROAD_ORDER.get(d.broad_outcome, len(_BROAD_ORDER)) if d.broad_outcome else 99
    fine = _FINE_ORDER.get((d.outcome or "").lower(), len(_FINE_ORDER))
    return broad, fine, d.decided_on or date.max, d.reference


def outcomes_as_filed(rows: Sequence[Mapping[Any, Any]]) -> list[OutcomeRow]:
    """Every finer outcome councils print, with zeros where none fell in it, then any other
    outcome (as published, where the text did not tell the finer one)."""
    counted = {(r["outcome"], r["outcome_source"]): r for r in rows}
    table = []
    for broad, label in FINE_OUTCOMES:
        row = counted.pop((label, Provenance.INFERRED.value), None)
        table.append(
            OutcomeRow(
                outcome=printed_outcome(label) or label,
                outcome_source=Provenance.INFERRED,
                broad_outcome=broad,
                decisions=int(row["decisions"]) if row else 0,
            )
        )
    for r in counted.values():
        table.append(
            OutcomeRow(
                outcome=printed_outcome(r["outcome"]) or r["outcome"],
                outcome_source=r["outcome_source"],
                broad_outcome=r["broad_outcome"],
                decisions=int(r["decisions"]),
            )
        )
    return table


class AnnualReportQuery(QueryModel):
    """GET /v1/reports/annual: whose report, which year, and in what form."""

    organisation: OrganisationKey
    financial_year: FinancialYear = Field(
        description="Like 2023-24 (1 April 2023 to 31 March 2024)."
    )
    format: Literal["json", "csv", "xlsx", "docx"] | None = Field(
        None,
        description="json (default); csv (one table, with table=); xlsx (every table, one "
        "sheet each); docx (the decisions appendix, heading and summary of each decision).",
    )
    table: ReportTable | None = Field(None, description="With format=csv: which table to return.")
    order: ReportOrder = Field(
        ReportOrder.OUTCOME,
        description="The decision list's order: `outcome` (as councils print it: by outcome "
        "group, then date) or `date`.",
    )
