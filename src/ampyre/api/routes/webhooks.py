"""Webhooks: URLs that receive events as signed POSTs, and the history of each delivery."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel, Field

from ampyre.api.auth import Operator, Reader
from ampyre.api.context import ApiContext, context
from ampyre.api.pagination import Page, Paging, page
from ampyre.api.problems import Problem, responses
from ampyre.domain.events import EventKind
from ampyre.domain.webhooks import (
    Delivery,
    DeliveryState,
    Webhook,
)

router = APIRouter(tags=["webhooks"])

WebhookId = Annotated[int, Path(ge=1, le=2**62)]
DeliveryId = Annotated[int, Path(ge=1, le=2**62)]

_SIGNING = (
    "Each delivery is a `POST` of the event's JSON document `{kind, station_id, at, data}` "
    "with headers `Ampyre-Event` (the kind), `Ampyre-Delivery` (an id, the same on every "
    "attempt: deduplicate on it), `Ampyre-Attempt` and `Ampyre-Signature: t=<unix seconds>,"
    "v1=<hex HMAC-SHA256 of `<t>.<body>` keyed with the secret>`. A 2xx answer delivers it; "
    "anything else (redirects are not followed) or no answer is retried with exponential "
    "backoff, then the delivery is `failed`."
)


class WebhookIn(BaseModel):
    url: str = Field(max_length=2000, examples=["https://example.com/ampyre"])
    kinds: list[EventKind] = Field(min_length=1, description="the event kinds to deliver")
    secret: str | None = Field(
        default=None,
        min_length=16,
        max_length=255,
        description="the HMAC key (16 to 255 printable ASCII characters); generated if omitted",
    )
    description: str | None = Field(default=None, max_length=1000)
    active: bool = True


class WebhookPatch(BaseModel):
    url: str | None = Field(default=None, max_length=2000)
    kinds: list[EventKind] | None = Field(default=None, min_length=1)
    secret: str | None = Field(
        default=None,
        max_length=255,
        description="a new HMAC key; an empty string generates one (shown in the answer)",
    )
    description: str | None = Field(default=None, max_length=1000)
    active: bool | None = None


class WebhookOut(BaseModel):
    id: int
    url: str
    kinds: list[str]
    description: str | None
    active: bool = Field(description="false: no new deliveries (pending ones still go out)")
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="the HMAC key signatures are made with; shown only now")


class DeliveryOut(BaseModel):
    id: int
    webhook_id: int
    event_kind: str
    station_id: str
    state: DeliveryState
    attempts: int
    status_code: int | None = Field(description="the last attempt's HTTP status, if any")
    error: str | None = Field(description="what went wrong on the last attempt")
    created_at: datetime
    updated_at: datetime = Field(description="the last attempt (or the creation)")
    next_attempt_at: datetime | None = Field(description="when a pending delivery is tried next")
    body: str = Field(description="the exact JSON body sent")


def _webhook(w: Webhook) -> WebhookOut:
    return WebhookOut(
        id=w.id,
        url=w.url,
        kinds=sorted(w.kinds),
        description=w.description,
        active=w.active,
        created_at=w.created_at,
        updated_at=w.updated_at,
    )


def _created(w: Webhook) -> WebhookCreated:
    return WebhookCreated(**_webhook(w).model_dump(), secret=w.secret)


def _delivery(d: Delivery) -> DeliveryOut:
    return DeliveryOut(
        id=d.id,
        webhook_id=d.webhook_id,
        event_kind=d.event_kind,
        station_id=d.station_id,
        state=d.state,
        attempts=d.attempts,
        status_code=d.status_code,
        error=d.error,
        created_at=d.created_at,
        updated_at=d.updated_at,
        next_attempt_at=d.next_attempt_at,
        body=d.body,
    )


Context = Annotated[ApiContext, Depends(context)]


@router.post(
    "/webhooks",
    status_code=201,
    summary="Register a webhook",
    description="Events of the given kinds are POSTed to `url` (http or https). The answer "
    "holds the `secret` deliveries are signed with: it is shown only now. " + _SIGNING,
    responses=responses(401, 403, 422),
)
async def create_webhook(
    body: WebhookIn, _: Operator, ctx: Context, response: Response
) -> WebhookCreated:
    webhook = await ctx.webhooks.create(
        body.url,
        [k.value for k in body.kinds],
        secret=body.secret,
        description=body.description,
        active=body.active,
    )
    response.headers["Location"] = f"/api/v1/webhooks/{webhook.id}"
    return _created(webhook)


@router.get(
    "/webhooks",
    summary="List the webhooks",
    description="Every webhook, oldest first (their secrets are never shown).",
    responses=responses(400, 401, 422),
)
async def list_webhooks(
    _: Reader, ctx: Context, paging: Annotated[Paging, Depends()]
) -> Page[WebhookOut]:
    found = await ctx.webhooks.all(paging.after_int(), paging.fetch)
    return page(found, paging, _webhook, lambda w: w.id)


@router.get("/webhooks/{webhook_id}", summary="One webhook", responses=responses(401, 404, 422))
async def get_webhook(webhook_id: WebhookId, _: Reader, ctx: Context) -> WebhookOut:
    return _webhook(await ctx.webhooks.get(webhook_id))


@router.patch(
    "/webhooks/{webhook_id}",
    summary="Change a webhook",
    description="Changes the fields given; `description: null` clears it. A new `secret` "
    '(or `""` to have one generated) is shown in the answer, once.',
    responses=responses(401, 403, 404, 422),
    response_model=WebhookCreated | WebhookOut,
)
async def update_webhook(
    webhook_id: WebhookId, body: WebhookPatch, _: Operator, ctx: Context
) -> WebhookCreated | WebhookOut:
    given = body.model_fields_set
    for field in ("url", "kinds", "secret", "active"):
        if field in given and getattr(body, field) is None:
            raise Problem(422, f"{field} cannot be null", title="Invalid webhook")
    webhook = await ctx.webhooks.update(
        webhook_id,
        url=body.url,
        kinds=None if body.kinds is None else [k.value for k in body.kinds],
        secret=body.secret,
        description=body.description,
        clear_description="description" in given and body.description is None,
        active=body.active,
    )
    return _created(webhook) if body.secret is not None else _webhook(webhook)


@router.delete(
    "/webhooks/{webhook_id}",
    status_code=204,
    summary="Remove a webhook",
    description="Removes the webhook with its delivery history; pending deliveries are dropped.",
    responses=responses(401, 403, 404, 422),
)
async def delete_webhook(webhook_id: WebhookId, _: Operator, ctx: Context) -> Response:
    await ctx.webhooks.delete(webhook_id)
    return Response(status_code=204)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    summary="A webhook's delivery history",
    description="Newest first: each delivery's state (`pending`, `delivered`, `failed`), "
    "attempts, the last HTTP status and error, and when it is tried next. Page with `cursor`.",
    responses=responses(400, 401, 404, 422),
)
async def list_deliveries(
    webhook_id: WebhookId,
    _: Reader,
    ctx: Context,
    paging: Annotated[Paging, Depends()],
) -> Page[DeliveryOut]:
    found = await ctx.webhooks.deliveries(webhook_id, paging.after_int(), paging.fetch)
    return page(found, paging, _delivery, lambda d: d.id)


@router.get(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}",
    summary="One delivery",
    responses=responses(401, 404, 422),
)
async def get_delivery(
    webhook_id: WebhookId, delivery_id: DeliveryId, _: Reader, ctx: Context
) -> DeliveryOut:
    return _delivery(await ctx.webhooks.delivery(webhook_id, delivery_id))


@router.post(
    "/webhooks/{webhook_id}/test",
    status_code=202,
    summary="Send a test event",
    description="Queues a `webhook.ping` event (`data: {webhook_id}`) to the webhook, whatever "
    "kinds it subscribed to; follow it in the delivery history.",
    responses=responses(401, 403, 404, 422),
)
async def test_webhook(webhook_id: WebhookId, _: Operator, ctx: Context) -> DeliveryOut:
    return _delivery(await ctx.webhooks.ping(webhook_id))


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
    status_code=202,
    summary="Send a delivery's event again",
    description="Queues the same body as a new delivery (with a new `Ampyre-Delivery` id).",
    responses=responses(401, 403, 404, 422),
)
async def redeliver(
    webhook_id: WebhookId, delivery_id: DeliveryId, _: Operator, ctx: Context
) -> DeliveryOut:
    return _delivery(await ctx.webhooks.redeliver(webhook_id, delivery_id))
