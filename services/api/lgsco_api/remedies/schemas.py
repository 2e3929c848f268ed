"""Remedy tracking: filters, the record, the update a council sends, its audit trail, statistics."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lgsco_api.kit.query import Cursor, FinancialYear, Limit, Name, QueryModel
from lgsco_api.kit.schemas import REFERENCE_SCHEMA, IsoDate, source_url
from lgsco_api.remedies.criteria import RemedyFilters
from lgsco_shared import references
from lgsco_shared.domain import ATTRIBUTION, Provenance, RemedyCommitment, RemedyStatus, RemedyType


class RemedyRead(BaseModel):
    id: int
    decision_reference: str = Field(examples=["22 003 374"])
    organisations: list[str]
    decided_on: date | None = Field(description="The decision's date; deadlines run from it.")
    type: RemedyType
    sentence: str = Field(examples=["apologise to Mrs X"])
    amount: Decimal | None = Field(examples=["200.00"])
    payee: str | None
    deadline_text: str | None = Field(examples=["Within one month of the final decision"])
    due_on: date | None
    commitment: RemedyCommitment = Field(
        description="How the decision states the remedy, read from its verb (inferred, never "
        'printed as such): `already_done` ("has apologised"), `agreed` ("has agreed to", '
        '"will"), `recommended` ("should", "we recommend": not stated as agreed) or '
        '`offered` ("offered £200": not stated as paid or accepted).'
    )
    status: RemedyStatus = Field(
        description="Tracking status; `overdue` is pending past due_on. Starts as the decision's "
        "wording implies (already_done: completed; agreed or recommended: pending; offered: "
        "offered) until a council records one."
    )
    status_source: Provenance = Field(
        description="`inferred`: read from the decision's text; `recorded`: set by a council."
    )
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

    status: Literal["pending", "completed", "offered", "not_required"] | None = Field(
        default=None, description="`overdue` is derived from the due date and cannot be set."
    )
    completed_on: IsoDate | None = Field(
        default=None,
        description="Not in the future, and not before the decision unless the decision says "
        "the remedy was given before it. Defaults to today when `status` becomes completed.",
    )
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


class Rate(BaseModel):
    """A share with what it was computed from; `value` is null, with the reason, when there is
    nothing to rate (never 1.0 from zero)."""

    value: float | None = Field(examples=[0.75])
    numerator: int
    denominator: int
    reason: str | None = Field(
        default=None, examples=["no remedy with a stated deadline has fallen due"]
    )


def rate(part: int, whole: int, reason: str) -> Rate:
    if whole == 0:
        return Rate(value=None, numerator=part, denominator=0, reason=reason)
    return Rate(value=round(part / whole, 4), numerator=part, denominator=whole)


class WithDeadline(BaseModel):
    """Remedies owed by a stated deadline (deadlines run from the final decision)."""

    total: int
    completed_on_time: int = Field(description="Completed on or before the due date.")
    completed_late: int = Field(description="Completed after the due date.")
    completed_date_unknown: int = Field(description="Recorded completed without a date.")
    overdue: int = Field(description="Not completed and past the due date.")
    not_yet_due: int = Field(description="Not completed, due date still ahead.")


class WithoutDeadline(BaseModel):
    """Remedies owed with no stated deadline: never "due", so they enter no rate."""

    total: int
    completed: int
    not_completed: int


class ComplianceRow(BaseModel):
    organisation: str
    remedies: int = Field(description="Every remedy matching the filters.")
    remedied_before_decision: int = Field(
        description='Given before the decision ("has apologised"): stated, not owed; in no rate.'
    )
    offered: int = Field(description="Offered, not stated as paid or accepted; in no rate.")
    not_required: int = Field(description="Marked not required by a council; in no rate.")
    recommended: int = Field(
        description="Of all, recommended by the Ombudsman rather than stated as agreed."
    )
    status_recorded: int = Field(
        description="Statuses recorded by a council; the rest are read from the decision's text."
    )
    with_deadline: WithDeadline
    without_deadline: WithoutDeadline
    completion_rate: Rate = Field(
        description="Of owed remedies whose deadline has passed or which are completed: the "
        "share completed. Null when none has a stated deadline that has fallen due."
    )
    on_time_rate: Rate = Field(
        description="Of owed remedies that fell due with a known outcome: the share completed "
        "on or before the due date."
    )


class ComplianceReport(BaseModel):
    """Per organisation: what was owed after its decisions and what became of it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "filters": {
                        "organisation": ["Kent County Council"],
                        "financial_year": "2023-24",
                    },
                    "organisations": [
                        {
                            "organisation": "Kent County Council",
                            "remedies": 30,
                            "remedied_before_decision": 5,
                            "offered": 1,
                            "not_required": 0,
                            "recommended": 4,
                            "status_recorded": 9,
                            "with_deadline": {
                                "total": 11,
                                "completed_on_time": 6,
                                "completed_late": 1,
                                "completed_date_unknown": 0,
                                "overdue": 1,
                                "not_yet_due": 3,
                            },
                            "without_deadline": {"total": 13, "completed": 2, "not_completed": 11},
                            "completion_rate": {
                                "value": 0.875,
                                "numerator": 7,
                                "denominator": 8,
                                "reason": None,
                            },
                            "on_time_rate": {
                                "value": 0.75,
                                "numerator": 6,
                                "denominator": 8,
                                "reason": None,
                            },
                        }
                    ],
                }
            ]
        }
    )

    filters: dict[str, Any]
    organisations: list[ComplianceRow]


NOTHING_DUE = "no remedy with a stated deadline has fallen due"


def compliance_row(row: Mapping[Any, Any]) -> ComplianceRow:
    """One organisation's compliance from the counts of queries.compliance."""
    n = {key: int(value) for key, value in row.items() if key != "organisation"}
    done_dated = n["completed_on_time"] + n["completed_late"] + n["completed_date_unknown"]
    return ComplianceRow(
        organisation=row["organisation"],
        remedies=n["remedies"],
        remedied_before_decision=n["remedied_before_decision"],
        offered=n["offered"],
        not_required=n["not_required"],
        recommended=n["recommended"],
        status_recorded=n["status_recorded"],
        with_deadline=WithDeadline(
            total=n["dated"],
            completed_on_time=n["completed_on_time"],
            completed_late=n["completed_late"],
            completed_date_unknown=n["completed_date_unknown"],
            overdue=n["overdue"],
            not_yet_due=n["not_yet_due"],
        ),
        without_deadline=WithoutDeadline(
            total=n["undated"],
            completed=n["undated_completed"],
            not_completed=n["undated"] - n["undated_completed"],
        ),
        completion_rate=rate(done_dated, done_dated + n["overdue"], NOTHING_DUE),
        on_time_rate=rate(
            n["completed_on_time"],
            n["completed_on_time"] + n["completed_late"] + n["overdue"],
            NOTHING_DUE,
        ),
    )


def read_from_row(row: Mapping[Any, Any], site_url: str) -> RemedyRead:
    values = {k: row[k] for k in RemedyRead.model_fields if k in row}
    values["organisations"] = list(row["organisations"] or [])
    values["source_url"] = source_url(site_url, row["permalink"])
    values["attribution"] = ATTRIBUTION
    return RemedyRead.model_validate(values)


# Query parameters ----------------------------------------------------------------------------


class RemedyFilterQuery(QueryModel):
    """Every filter of /v1/remedies, also taken by /v1/stats/remedies and /v1/stats/compliance."""

    organisation: list[Name] | None = Field(
        None, description="Organisation id or exact name; repeatable."
    )
    type: list[RemedyType] | None = Field(None, description="Remedy type; repeatable.")
    status: list[RemedyStatus] | None = Field(
        None, description="Tracking status; `overdue` = pending past its due date. Repeatable."
    )
    due_before: IsoDate | None = Field(None, description="Due strictly before this date.")
    due_after: IsoDate | None = Field(None, description="Due strictly after this date.")
    decision: str | None = Field(
        None,
        max_length=40,
        description="Decision reference, any form.",
        json_schema_extra=REFERENCE_SCHEMA,
    )
    financial_year: FinancialYear | None = Field(None, description="Of the decision, like 2023-24.")
    current: bool | None = Field(
        None, description="Only remedies the current page still states (or not)."
    )
    commitment: list[RemedyCommitment] | None = Field(
        None,
        description="How the decision states the remedy (already_done, agreed, recommended, "
        "offered); repeatable.",
    )

    @field_validator("decision")
    @classmethod
    def _canonical(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return references.normalise(value)
        except references.InvalidReference as exc:
            raise ValueError(str(exc)) from None

    def criteria(self) -> RemedyFilters:
        return RemedyFilters(
            organisation=tuple(self.organisation or ()),
            type=tuple(self.type or ()),
            status=tuple(self.status or ()),
            due_before=self.due_before,
            due_after=self.due_after,
            decision=self.decision,
            financial_year=self.financial_year,
            current=self.current,
            commitment=tuple(self.commitment or ()),
        )


class RemedyListQuery(RemedyFilterQuery):
    """GET /v1/remedies: the filters, a page, and the format."""

    limit: Limit | None = None
    cursor: Cursor | None = None
    format: Literal["json", "csv"] | None = None
