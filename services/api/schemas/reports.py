"""The annual complaints report tables (the LGSCO appendices of a council's annual report)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from lgsco.api.schemas.organisations import OutcomeCounts
from lgsco.shared.domain import Outcome, RemedyType

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


class OutcomeRow(BaseModel):
    outcome: str = Field(
        description="The finer outcome where known (`Upheld: fault and injustice`), else the "
        "outcome as published.",
        examples=["Upheld: fault and injustice"],
    )
    broad_outcome: Outcome | None
    decisions: int


class RemedyRow(BaseModel):
    type: RemedyType
    action: str = Field(examples=["Formal apology"])
    remedies: int
    decisions: int = Field(description="Decisions with at least one remedy of this type.")
    amount_total: Decimal | None = Field(description="Sum of stated amounts (payments).")


class ReportDecision(BaseModel):
    reference: str
    decided_on: date | None
    outcome: str | None
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
