"""Webhook subscription requests and responses."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from lgsco_api.kit.query import Limit, QueryModel
from lgsco_shared.domain import DeliveryStatus, Outcome, SubscriptionStatus

EventName = Literal[
    "decision.published",
    "decision.changed",
    "decision.withdrawn",
    "decision.archived",
    "decision.republished",
    "remedy.due_soon",
    "remedy.overdue",
]


class SubscriptionFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisation: list[str] | None = Field(default=None, max_length=50)
    category: str | None = Field(default=None, max_length=200)
    outcome: list[Outcome] | None = None
    has_remedy: bool | None = None


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "callback_url": "https://complaints.example.gov.uk/hooks/lgsco",
                    "events": ["decision.published", "remedy.due_soon", "remedy.overdue"],
                    "filter": {"organisation": ["Kent County Council"], "has_remedy": True},
                    "due_soon_days": 14,
                }
            ]
        },
    )

    callback_url: str = Field(max_length=2000, description="https URL that receives POSTs.")
    events: list[EventName] = Field(min_length=1, max_length=7)
    filter: SubscriptionFilter = Field(default_factory=SubscriptionFilter)
    due_soon_days: int = Field(default=7, ge=1, le=90, description="Notice for remedy.due_soon.")


class SubscriptionRead(BaseModel):
    id: int
    owner: str
    callback_url: str
    events: list[str]
    filter: SubscriptionFilter
    due_soon_days: int
    status: SubscriptionStatus
    suspended_reason: str | None
    created_at: datetime


class SubscriptionCreated(SubscriptionRead):
    secret: str = Field(description="Signing secret: shown only in this response. Keep it.")


class SubscriptionPage(BaseModel):
    items: list[SubscriptionRead]


class DeliveryAttemptRead(BaseModel):
    attempted_at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryRead(BaseModel):
    id: int
    event_id: str
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    history: list[DeliveryAttemptRead]


class DeliveryPage(BaseModel):
    items: list[DeliveryRead]


class PingAccepted(BaseModel):
    event_id: str


class DeliveryQuery(QueryModel):
    """GET /v1/subscriptions/{id}/deliveries: how many of the latest."""

    limit: Limit = 50
