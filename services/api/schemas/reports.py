"""The annual complaints report tables (the LGSCO appendices of a council's annual report)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from lgsco.api.schemas.organisations import OutcomeCounts
from lgsco.shared.domain import Outcome, Provenance, RemedyType

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


class ReportDecision(BaseModel):
    reference: str
    decided_on: date | None
    outcome: str | None
    outcome_source: Provenance | None = Field(description=OUTCOME_SOURCE_DOC)
    broad_outcome: Outcome | None
    category: str | None
    subcategory: str | None
    summary: str
    source_url: str


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
