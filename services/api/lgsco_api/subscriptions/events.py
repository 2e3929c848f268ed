"""The webhook events and their payloads, for the OpenAPI document's `webhooks` section.

The worker (lgsco_ingest.deliveries) builds these bodies; these models only describe them to
integrators, and tests/webhooks check that a real delivery has exactly these members.

Annotations here are evaluated at import (no `from __future__ import annotations`): each
event's operation is declared in a loop, and FastAPI reads the closure's annotations.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import Body, FastAPI, Header
from pydantic import BaseModel, Field

from lgsco_shared import webhooks
from lgsco_shared.domain import (
    ATTRIBUTION,
    DeliveryStatus,
    Outcome,
    PublicationStatus,
    RemedyStatus,
    RemedyType,
)

SIGNATURE_SCHEME = (
    "Every delivery is an HTTPS POST of a JSON body with these headers: `X-LGSCO-Signature: "
    "t=<unix seconds>,v1=<hex HMAC-SHA256>`, the HMAC keyed with the subscription's secret "
    '(shown once, when the subscription is created) over the bytes `"<t>." + body`; '
    "`Idempotency-Key: evt_<id>` (the same on every retry of an event: de-duplicate on it); "
    "`X-LGSCO-Event: <type>`. Verify by recomputing the HMAC over the raw body, comparing in "
    "constant time, and refusing a `t` more than 5 minutes from your clock. Answer 2xx within "
    "the timeout; anything else is retried with exponential backoff for 48 hours, then the "
    "subscription is suspended. Redirects are not followed."
)


class EventDecision(BaseModel):
    """The decision the event is about, as stored when the event was sent."""

    reference: str = Field(description="LGSCO case reference.", examples=["23 005 403"])
    organisations: list[str] = Field(
        description="Names of the bodies the decision is about.", examples=[["Kent County Council"]]
    )
    category: str | None = Field(description="Category.", examples=["Adult care services"])
    subcategory: str | None = Field(description="Subcategory.", examples=["Charging"])
    outcome: Outcome | None = Field(description="Published outcome.", examples=["upheld"])
    outcome_label: str | None = Field(description="Outcome as printed.", examples=["Upheld"])
    decided_on: date | None = Field(description="Decision date.", examples=["2023-12-05"])
    summary: str | None = Field(description="Summary as published.")
    status: PublicationStatus = Field(description="published, withdrawn or archived.")
    withdrawn_on: date | None = Field(description="When the page was found gone.")
    republished_on: date | None = Field(description="When the page came back.")
    version: int = Field(description="Content version of the decision.", examples=[2])
    changed_fields: list[str] = Field(
        description="Fields this version changed (empty for a new decision).",
        examples=[["summary"]],
    )
    source_url: str = Field(description="The LGSCO's published page.")
    attribution: str = Field(description="Attribution to show.", examples=[ATTRIBUTION])


class EventRemedy(BaseModel):
    """The remedy a reminder is about."""

    id: int = Field(description="Remedy id (GET /v1/remedies/{id}).", examples=[77])
    type: RemedyType = Field(description="Remedy type.")
    sentence: str = Field(description="The sentence stating it.")
    amount: Decimal | None = Field(description="Amount stated, pounds.", examples=["250.00"])
    payee: str | None = Field(description="Who is paid.", examples=["Mrs X"])
    due_on: date | None = Field(description="Due date.", examples=["2024-01-05"])
    status: RemedyStatus = Field(description="Tracking status.")


class EventBody(BaseModel):
    """The body of every delivery."""

    id: str = Field(description="Event id, also the Idempotency-Key.", examples=["evt_5120"])
    type: str = Field(description="Event type.", examples=["decision.published"])
    created_at: datetime = Field(description="When the event was raised.")
    decision: EventDecision | None = Field(
        default=None, description="The decision (absent on ping)."
    )
    remedy: EventRemedy | None = Field(
        default=None, description="The remedy (remedy.due_soon and remedy.overdue only)."
    )
    link: str | None = Field(
        default=None,
        description="This API's URL for the decision or remedy.",
        examples=["https://api.example/v1/decisions/23-005-403"],
    )


EVENT_MEANINGS: dict[str, str] = {
    webhooks.DECISION_PUBLISHED: "A decision was stored for the first time.",
    webhooks.DECISION_CHANGED: "A stored decision's page changed (see changed_fields).",
    webhooks.DECISION_WITHDRAWN: "A decision's page was taken down before about five years.",
    webhooks.DECISION_ARCHIVED: "A decision's page was taken down at about five years.",
    webhooks.DECISION_REPUBLISHED: "A decision's page came back after being taken down.",
    webhooks.REMEDY_DUE_SOON: "A remedy falls due within the subscription's due_soon_days.",
    webhooks.REMEDY_OVERDUE: "A remedy is past its due date and not recorded as completed.",
    webhooks.PING: "Sent on request (POST /v1/subscriptions/{id}/ping) to test a receiver.",
}

Signature = Annotated[
    str,
    Header(
        alias=webhooks.SIGNATURE_HEADER,
        description="t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.<body>'>",
    ),
]
IdempotencyKey = Annotated[
    str, Header(alias="Idempotency-Key", description="evt_<id>: the same on every retry.")
]
EventHeader = Annotated[str, Header(alias="X-LGSCO-Event", description="The event type.")]


def _example(event: str) -> dict[str, object]:
    body: dict[str, object] = {
        "id": "evt_5120",
        "type": event,
        "created_at": "2024-01-08T06:00:12+00:00",
    }
    if event == webhooks.PING:
        return body
    body["decision"] = {
        "reference": "23 005 403",
        "organisations": ["Kent County Council"],
        "category": "Adult care services",
        "subcategory": "Charging",
        "outcome": "upheld",
        "outcome_label": "Upheld",
        "decided_on": "2023-12-05",
        "summary": "The Council delayed a financial assessment; it agreed to apologise.",
        "status": "archived" if event == webhooks.DECISION_ARCHIVED else "published",
        "withdrawn_on": "2028-11-02" if event == webhooks.DECISION_ARCHIVED else None,
        "republished_on": None,
        "version": 1 if event == webhooks.DECISION_PUBLISHED else 2,
        "changed_fields": [] if event == webhooks.DECISION_PUBLISHED else ["summary"],
        "source_url": "https://www.lgo.org.uk/decisions/adult-care-services/charging/23-005-403",
        "attribution": ATTRIBUTION,
    }
    body["link"] = "https://api.example/v1/decisions/23-005-403"
    if event.startswith("remedy."):
        body["remedy"] = {
            "id": 77,
            "type": "financial_payment",
            "sentence": "The Council will pay Mrs X £250.",
            "amount": "250.00",
            "payee": "Mrs X",
            "due_on": "2024-01-05",
            "status": DeliveryStatus.PENDING,
        }
        body["link"] = "https://api.example/v1/remedies/77"
    return body


def install(app: FastAPI) -> None:
    """Declare each event in the document's `webhooks` section."""
    for event in (*webhooks.EVENTS, webhooks.PING):
        _declare(app, event)


def _declare(app: FastAPI, event: str) -> None:
    meaning = EVENT_MEANINGS[event]
    examples = {event: {"summary": event, "value": _example(event)}}

    async def receive(
        body: Annotated[EventBody, Body(openapi_examples=examples)],
        signature: Signature,
        idempotency_key: IdempotencyKey,
        event_type: EventHeader,
    ) -> None:
        """Placeholder: the subscriber implements this operation."""

    receive.__doc__ = f"{meaning}\n\n{SIGNATURE_SCHEME}"
    app.webhooks.post(
        event,
        summary=meaning.rstrip("."),
        operation_id=f"webhook_{event.replace('.', '_')}",
        responses={200: {"description": "Received: any 2xx stops the retries."}},
    )(receive)
