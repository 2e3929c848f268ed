"""/v1/subscriptions: webhooks that push new decisions and remedy deadlines to council systems.

Deliveries are made by the worker, never inside these requests.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Response

from lgsco_api.kit.auth import Principal, require
from lgsco_api.kit.deps import SessionDep, SettingsDep, invalid
from lgsco_api.kit.errors import NotFound, Problem
from lgsco_api.kit.query import ClosedQueryRoute
from lgsco_api.kit.schemas import AUTH_ERRORS, ERRORS, NOT_FOUND, ProblemDetail
from lgsco_api.subscriptions import queries, schemas
from lgsco_shared import events, webhooks
from lgsco_shared.domain import DeliveryStatus, SubscriptionStatus
from lgsco_shared.models import Subscription

router = APIRouter(
    tags=["subscriptions"], responses={**ERRORS, **AUTH_ERRORS}, route_class=ClosedQueryRoute
)
SubscriptionsWriteDep = Annotated[Principal, Depends(require("subscriptions:write"))]
SubscriptionId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _read(subscription: Subscription) -> schemas.SubscriptionRead:
    return schemas.SubscriptionRead(
        id=subscription.id,
        owner=subscription.owner,
        callback_url=subscription.callback_url,
        events=subscription.events,
        filter=schemas.SubscriptionFilter(**subscription.filters),
        due_soon_days=subscription.due_soon_days,
        status=subscription.status,
        suspended_reason=subscription.suspended_reason,
        created_at=subscription.created_at,
    )


async def _owned(session: SessionDep, principal: Principal, subscription_id: int) -> Subscription:
    subscription = await queries.get(session, subscription_id)
    if subscription is None or not (principal.has("admin") or subscription.owner == principal.name):
        raise NotFound("subscription", subscription_id)
    return subscription


TOO_MANY: dict[int | str, dict[str, Any]] = {
    409: {
        "model": ProblemDetail,
        "description": "Conflict: the key or the callback host holds the most subscriptions",
    }
}


@router.post(
    "/subscriptions",
    status_code=201,
    response_model=schemas.SubscriptionCreated,
    responses=TOO_MANY,
)
async def create_subscription(
    body: Annotated[schemas.SubscriptionCreate, Body()],
    principal: SubscriptionsWriteDep,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> schemas.SubscriptionCreated:
    """Subscribe a callback URL to events (scope subscriptions:write).

    The callback must be https and resolve to public addresses (settings can allow http and
    listed hosts for development). Each delivery is a JSON POST with an `Idempotency-Key` and an
    `X-LGSCO-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">` made with the
    secret returned here, once. Failed deliveries are retried with backoff for about two days;
    then the subscription is suspended and `suspended_reason` says why. One key may hold
    LGSCO_WEBHOOK_MAX_PER_KEY active subscriptions, and one callback host receive
    LGSCO_WEBHOOK_MAX_PER_HOST (of all keys); beyond either, 409.
    """
    try:
        await asyncio.to_thread(
            webhooks.check_callback,
            body.callback_url,
            allow_http=settings.webhook_allow_http,
            allowed_hosts=settings.webhook_allowed_hosts,
        )
    except webhooks.CallbackRejected as exc:
        raise invalid("callback_url", str(exc), where="body") from None
    refused = await queries.over_limit(
        session,
        owner=principal.name or "",
        callback_url=body.callback_url,
        per_key=settings.webhook_max_per_key,
        per_host=settings.webhook_max_per_host,
    )
    if refused is not None:
        raise Problem(409, refused)
    secret = webhooks.new_secret()
    subscription = await queries.create(
        session,
        owner=principal.name or "",
        callback_url=body.callback_url,
        events=list(dict.fromkeys(body.events)),
        filters=body.filter.model_dump(mode="json", exclude_none=True),
        due_soon_days=body.due_soon_days,
        secret=secret,
    )
    await session.commit()
    response.headers["Location"] = f"/v1/subscriptions/{subscription.id}"
    return schemas.SubscriptionCreated(**_read(subscription).model_dump(), secret=secret)


@router.get("/subscriptions", response_model=schemas.SubscriptionPage)
async def list_subscriptions(
    principal: SubscriptionsWriteDep, session: SessionDep
) -> schemas.SubscriptionPage:
    """Your subscriptions (an admin key sees everyone's)."""
    owner = None if principal.has("admin") else principal.name
    return schemas.SubscriptionPage(items=[_read(s) for s in await queries.visible(session, owner)])


@router.get(
    "/subscriptions/{subscription_id}", response_model=schemas.SubscriptionRead, responses=NOT_FOUND
)
async def get_subscription(
    subscription_id: SubscriptionId, principal: SubscriptionsWriteDep, session: SessionDep
) -> schemas.SubscriptionRead:
    """One subscription, with its status and, if suspended, why."""
    return _read(await _owned(session, principal, subscription_id))


@router.delete("/subscriptions/{subscription_id}", status_code=204, responses=NOT_FOUND)
async def delete_subscription(
    subscription_id: SubscriptionId, principal: SubscriptionsWriteDep, session: SessionDep
) -> Response:
    """Stop deliveries to this subscription; its delivery history is kept."""
    subscription = await _owned(session, principal, subscription_id)
    subscription.status = SubscriptionStatus.DELETED
    await session.commit()
    return Response(status_code=204)


@router.post(
    "/subscriptions/{subscription_id}/ping",
    status_code=202,
    response_model=schemas.PingAccepted,
    responses=NOT_FOUND,
)
async def ping_subscription(
    subscription_id: SubscriptionId, principal: SubscriptionsWriteDep, session: SessionDep
) -> schemas.PingAccepted:
    """Queue a signed `ping` event to this subscription only, to test the receiving end."""
    subscription = await _owned(session, principal, subscription_id)
    if subscription.status != SubscriptionStatus.ACTIVE:
        raise Problem(
            409,
            f"Subscription {subscription_id} is {subscription.status}; "
            "create a new one to resume deliveries.",
        )
    event = await events.ping(session, subscription.id)
    await session.commit()
    return schemas.PingAccepted(event_id=f"evt_{event.id}")


@router.get(
    "/subscriptions/{subscription_id}/deliveries",
    response_model=schemas.DeliveryPage,
    responses=NOT_FOUND,
)
async def list_deliveries(
    subscription_id: SubscriptionId,
    principal: SubscriptionsWriteDep,
    session: SessionDep,
    query: Annotated[schemas.DeliveryQuery, Query()],
) -> schemas.DeliveryPage:
    """Recent deliveries, newest first, each with every attempt (status code or error, time)."""
    await _owned(session, principal, subscription_id)
    rows = await queries.deliveries(session, subscription_id, query.limit)
    return schemas.DeliveryPage(
        items=[
            schemas.DeliveryRead(
                id=d.id,
                event_id=f"evt_{e.id}",
                event_type=e.type,
                status=d.status,
                attempts=d.attempts,
                next_attempt_at=d.next_attempt_at if d.status == DeliveryStatus.PENDING else None,
                delivered_at=d.delivered_at,
                history=[
                    schemas.DeliveryAttemptRead(
                        attempted_at=a.attempted_at,
                        status_code=a.status_code,
                        error=a.error,
                        duration_ms=a.duration_ms,
                    )
                    for a in attempts
                ],
            )
            for d, e, attempts in rows
        ]
    )
