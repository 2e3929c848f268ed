"""Webhook subscriptions, the outbox of events, and each delivery with every attempt.

Events are written in the same transaction as the change they describe (an outbox), so a
decision stored is an event recorded; the worker fans them out to matching subscriptions and
delivers them. Deliveries are rows, so a worker restart neither loses nor repeats one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from lgsco_shared.db import Base
from lgsco_shared.domain import DeliveryStatus, SubscriptionStatus
from lgsco_shared.models.types import CreatedAt, Timestamp, enum_column


class Subscription(Base):
    __tablename__ = "subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))  # the API key's name
    callback_url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    filters: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    due_soon_days: Mapped[int] = mapped_column(Integer, default=7)
    secret: Mapped[str] = mapped_column(String(100))  # needed to sign; shown once at creation
    status: Mapped[SubscriptionStatus] = enum_column(
        SubscriptionStatus, default=SubscriptionStatus.ACTIVE, index=True
    )
    suspended_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[CreatedAt]
    deleted_at: Mapped[Timestamp | None]


class Event(Base):
    """Something a subscriber may want: `decision.published`, `remedy.overdue`, ..."""

    __tablename__ = "event"
    __table_args__ = (
        # A remedy reminder is raised once per remedy and due date.
        UniqueConstraint("type", "remedy_id", "due_on_key"),
        Index("ix_event_fanned_out_id", "fanned_out", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(40))
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("decision.id", ondelete="CASCADE"), index=True
    )
    remedy_id: Mapped[int | None] = mapped_column(ForeignKey("remedy.id", ondelete="CASCADE"))
    due_on_key: Mapped[str | None] = mapped_column(String(20))
    # Only for events aimed at one subscription (a test ping).
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscription.id", ondelete="CASCADE")
    )
    fanned_out: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[CreatedAt]


class Delivery(Base):
    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id"),
        Index("ix_delivery_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscription.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    status: Mapped[DeliveryStatus] = enum_column(DeliveryStatus, default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[Timestamp]
    leased_until: Mapped[Timestamp | None]
    delivered_at: Mapped[Timestamp | None]
    created_at: Mapped[CreatedAt]


class DeliveryAttempt(Base):
    __tablename__ = "delivery_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("delivery.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[CreatedAt]
    status_code: Mapped[int | None] = mapped_column(SmallInteger)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer)
