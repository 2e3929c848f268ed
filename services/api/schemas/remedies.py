"""Remedy tracking: filters, the record, the update a council sends, its audit trail, statistics."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lgsco.api.schemas.common import ATTRIBUTION, IsoDate, source_url
from lgsco.shared.domain import RemedyStatus, RemedyType


class RemedyFilters(BaseModel):
    model_config = ConfigDict(frozen=True)

    def applied(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump(mode="json").items() if v not in (None, [], ())}

    organisation: tuple[str, ...] = ()
    type: tuple[RemedyType, ...] = ()
    status: tuple[RemedyStatus, ...] = ()
    due_before: date | None = None
    due_after: date | None = None
    decision: str | None = None  # canonical reference
    financial_year: str | None = None
    current: bool | None = None


class RemedyRead(BaseModel):
    id: int
    decision_reference: str = Field(examples=["22 003 374"])
    organisations: list[str]
    type: RemedyType
    sentence: str = Field(examples=["apologise to Mrs X"])
    amount: Decimal | None = Field(examples=["200.00"])
    payee: str | None
    deadline_text: str | None = Field(examples=["Within one month of the final decision"])
    due_on: date | None
    status: RemedyStatus = Field(description="Tracking status; `overdue` is pending past due_on.")
    completed_on: date | None
    evidence_note: str | None
    current: bool
    revision: int = Field(description="Sent back as the ETag; PATCH needs it in If-Match.")
    updated_at: datetime | None
    updated_by: str | None
    source_url: str
    attribution: str


class RemedyPage(BaseModel):
    items: list[RemedyRead]
    next_cursor: str | None
    limit: int


class RemedyUpdate(BaseModel):
    """What a council records about a remedy; send only the fields that change."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "status": "completed",
                    "completed_on": "2025-02-14",
                    "evidence_note": "Letter sent",
                }
            ]
        },
    )

    status: Literal["pending", "completed", "not_required"] | None = Field(
        default=None, description="`overdue` is derived from the due date and cannot be set."
    )
    completed_on: IsoDate | None = None
    evidence_note: str | None = Field(default=None, max_length=5000)

    @model_validator(mode="after")
    def _something(self) -> RemedyUpdate:
        if not self.model_fields_set:
            raise ValueError("send at least one of status, completed_on, evidence_note")
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(mode="python", include=self.model_fields_set)


class RemedyEventRead(BaseModel):
    id: int
    actor: str
    at: datetime
    changes: dict[str, Any] = Field(examples=[{"status": {"from": "pending", "to": "completed"}}])


class RemedyTypeCount(BaseModel):
    type: RemedyType
    remedies: int
    decisions: int
    amount_total: Decimal | None


class RemedyStats(BaseModel):
    filters: dict[str, Any]
    total: int
    by_type: list[RemedyTypeCount]
    by_status: dict[str, int]


class ComplianceRow(BaseModel):
    organisation: str
    remedies: int
    with_due_date: int
    completed: int
    completed_on_time: int
    completed_late: int
    overdue: int
    pending_not_due: int
    not_required: int
    completion_rate: float | None = Field(description="completed / (completed + overdue).")
    on_time_rate: float | None = Field(
        description="completed_on_time / completed (with due dates)."
    )


class ComplianceReport(BaseModel):
    filters: dict[str, Any]
    organisations: list[ComplianceRow]


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def read_from_row(row: Mapping[Any, Any], site_url: str) -> RemedyRead:
    values = {k: row[k] for k in RemedyRead.model_fields if k in row}
    values["organisations"] = list(row["organisations"] or [])
    values["source_url"] = source_url(site_url, row["permalink"])
    values["attribution"] = ATTRIBUTION
    return RemedyRead.model_validate(values)
