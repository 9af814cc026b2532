"""Provider plans in the API: the plans offered (public), and the signed-in
provider's own subscription — read, subscribe or change (``POST``), subscribe
with a new card on the gateway's page (``checkout``, then ``complete``), cancel
(``DELETE``). There is no way to reach another provider's subscription: every
path is ``/me``."""

import re
from datetime import datetime
from typing import Annotated, Literal

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import AfterValidator, Field, StringConstraints

from doorstep.api.schemas import InputSchema, MoneyOut
from doorstep.catalog.schemas import Currency
from doorstep.core.errors import NotFound
from doorstep.subscriptions import queries, services
from doorstep.subscriptions.models import Plan, Subscription, SubscriptionCharge

router = Router(tags=["plans"])


class PlanPriceOut(Schema):
    interval: str = Field(description="month or year")
    price: MoneyOut


class PlanOut(Schema):
    id: str
    name: str
    description: str
    commission_discount_bps: int = Field(
        description="Off the platform's commission, in basis points."
    )
    extra_quote_leads: int = Field(description="More quote requests per month.")
    badge: str = Field(description="Shown on your profile; empty for none.")
    extra_photos: int
    trial_days: int
    prices: list[PlanPriceOut]


class ChargeOut(Schema):
    id: str
    reason: str
    status: str
    amount: MoneyOut
    credit: MoneyOut = Field(description="Plan changes: the unused old plan.")
    period_start: datetime
    period_end: datetime
    attempts: int
    next_retry_at: datetime | None
    created_at: datetime


class SubscriptionOut(Schema):
    id: str
    plan: PlanOut
    interval: str
    price: MoneyOut
    status: str = Field(
        description="trialing, active, past_due (a renewal failed; retried), "
        "cancelled or expired."
    )
    current_period_start: datetime
    current_period_end: datetime
    cancel_at_period_end: bool
    payment_method: str | None = Field(description="The saved card charged.")
    charges: list[ChargeOut]


class SubscriptionIn(InputSchema):
    plan: str = Field(description="The plan's id.")
    interval: Literal["month", "year"] = "month"
    currency: str = Field(
        default="", description="Needed to subscribe; a change keeps yours."
    )
    payment_method: str = Field(
        default="", description="A saved card's id; your default card if empty."
    )


# The gateway's page sends the person's browser to the return URL: an absolute
# web address, never a relative path, a script or another scheme. Said once, for
# the check and for the document (so clients can tell before they send).
RETURN_URL_PATTERN = (
    r"^(?:[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#@:]+(?::[0-9]{1,5})?(?:[/?#]\S*)?)?$"
)


def _check_return_url(value: str) -> str:
    if not re.fullmatch(RETURN_URL_PATTERN, value):
        raise ValueError(
            _("Enter an absolute http or https address, e.g. https://example.com/plan.")
        )
    return value


ReturnUrl = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=2000),
    AfterValidator(_check_return_url),
    Field(
        description="Where the gateway's page sends the person back once the "
        "card is typed (your app's own page): an absolute http(s) address. "
        "Empty: the plans page on the website.",
        json_schema_extra={"pattern": RETURN_URL_PATTERN},
    ),
]


class CheckoutIn(InputSchema):
    plan: str = Field(description="The plan's id.")
    interval: Literal["month", "year"] = "month"
    currency: Currency = Field(description="The currency to pay in.")
    return_url: ReturnUrl = ""


class CheckoutOut(Schema):
    """The first period's payment, to be confirmed on the gateway's page (the
    card is typed there, never sent to this API)."""

    intent_id: str = Field(
        description="For `POST /me/subscription/checkout/{intent_id}/complete`."
    )
    status: str = Field(description="The gateway's word, as for an order's payment.")
    amount: MoneyOut
    client_secret: str = Field(
        description="For the gateway's SDK (Stripe: confirmPayment)."
    )
    next_action_url: str = Field(
        description="The gateway's page to open for the card (absolute)."
    )


def plan_out(plan: Plan) -> dict:
    return {
        "id": plan.public_id,
        "name": plan.name,
        "description": plan.description,
        "commission_discount_bps": plan.commission_discount_bps,
        "extra_quote_leads": plan.extra_quote_leads,
        "badge": plan.badge,
        "extra_photos": plan.extra_photos,
        "trial_days": plan.trial_days,
        "prices": [
            {
                "interval": price.interval,
                "price": {"amount": price.amount, "currency": price.currency},
            }
            for price in plan.prices.all()
        ],
    }


def _charge_out(charge: SubscriptionCharge) -> dict:
    return {
        "id": charge.public_id,
        "reason": charge.reason,
        "status": charge.status,
        "amount": {"amount": charge.amount, "currency": charge.currency},
        "credit": {"amount": charge.credit, "currency": charge.currency},
        "period_start": charge.period_start,
        "period_end": charge.period_end,
        "attempts": charge.attempt_count,
        "next_retry_at": charge.next_retry_at,
        "created_at": charge.created_at,
    }


def _out(subscription: Subscription) -> dict:
    return {
        "id": subscription.public_id,
        "plan": plan_out(subscription.plan),
        "interval": subscription.interval,
        "price": {"amount": subscription.amount, "currency": subscription.currency},
        "status": subscription.status,
        "current_period_start": subscription.current_period_start,
        "current_period_end": subscription.current_period_end,
        "cancel_at_period_end": subscription.cancel_at_period_end,
        "payment_method": (
            subscription.payment_method.public_id
            if subscription.payment_method
            else None
        ),
        "charges": [_charge_out(c) for c in subscription.charges.all()],
    }


def _current(request: HttpRequest) -> Subscription:
    provider = services.provider_of(request.auth)  # type: ignore[attr-defined]
    subscription = services.current_subscription(provider)
    if subscription is None:
        raise NotFound("subscription_not_found", _("You have no current plan."))
    return subscription


@router.get("/plans", response=list[PlanOut], auth=None, summary="The plans offered")
def list_plans(request: HttpRequest) -> list[dict]:
    return [plan_out(plan) for plan in queries.offered_plans()]


@router.get(
    "/me/subscription",
    response=SubscriptionOut,
    summary="Your plan",
    description="404 `subscription_not_found` when you have none.",
)
def get_subscription(request: HttpRequest) -> dict:
    return _out(_current(request))


@router.post(
    "/me/subscription",
    response={200: SubscriptionOut, 201: SubscriptionOut},
    summary="Subscribe to a plan, or change plan",
    description=(
        "Without a plan, subscribes (201): the first period is charged now to "
        "`payment_method` (or your default card), unless the plan starts with a "
        "free trial. With one, changes plan (200), prorated: a dearer plan is "
        "charged the unused difference now (a refused card: "
        "`card_declined`, nothing changes), a cheaper one refunds it."
    ),
)
def post_subscription(request: HttpRequest, payload: SubscriptionIn) -> Status:
    user = request.auth  # type: ignore[attr-defined]
    provider = services.provider_of(user)
    if services.current_subscription(provider) is None:
        subscription = services.subscribe(
            user=user,
            plan_id=payload.plan,
            interval=payload.interval,
            currency=payload.currency,
            method_id=payload.payment_method,
        )
        return Status(201, _out(subscription))
    if payload.payment_method:
        services.set_subscription_card(user=user, method_id=payload.payment_method)
    subscription = services.change_plan(
        user=user, plan_id=payload.plan, interval=payload.interval
    )
    return Status(200, _out(subscription))


@router.post(
    "/me/subscription/checkout",
    response={201: CheckoutOut},
    summary="Subscribe with a new card: open the payment",
    description=(
        "The first period of `plan`, paid with a card typed on the gateway's "
        "own page: open `next_action_url` in a browser; the gateway sends the "
        "person back to `return_url`, and then "
        "`POST /me/subscription/checkout/{intent_id}/complete` subscribes. "
        "Nothing is subscribed or charged until then. "
        "409 `subscription_active` (change plan instead), `plan_not_available`; "
        "422 `new_card_at_checkout_only` when the payment service has no page "
        "of its own for cards (subscribe with a saved card: "
        "`POST /me/subscription`); 400 bad fields (`return_url` not an absolute "
        "http(s) address)."
    ),
)
def checkout_subscription(request: HttpRequest, payload: CheckoutIn) -> Status:
    intent = services.start_subscription_with_new_card(
        user=request.auth,  # type: ignore[attr-defined]
        plan_id=payload.plan,
        interval=payload.interval,
        currency=payload.currency,
        return_url=payload.return_url
        or request.build_absolute_uri(reverse("subscriptions:plans")),
    )
    return Status(
        201,
        {
            "intent_id": intent.intent_id,
            "status": intent.status,
            "amount": {"amount": intent.amount, "currency": intent.currency},
            "client_secret": intent.client_secret,
            "next_action_url": request.build_absolute_uri(intent.next_action_url),
        },
    )


@router.post(
    "/me/subscription/checkout/{intent_id}/complete",
    response={200: SubscriptionOut, 201: SubscriptionOut},
    summary="Subscribe with a new card: finish",
    description=(
        "After the gateway's page: asks the gateway how the payment stands "
        "(never the app's word), subscribes on the plan it was opened for, "
        "takes the money and saves the card for the renewals (201). Safe to "
        "repeat: the same subscription again (200). 404 for a payment that is "
        "not yours; 422 `card_declined` when the card was refused (nothing "
        "subscribed: open a new checkout)."
    ),
)
def complete_checkout(request: HttpRequest, intent_id: str) -> Status:
    subscription = services.finish_subscription_with_new_card(
        user=request.auth,  # type: ignore[attr-defined]
        intent_id=intent_id,
    )
    return Status(200 if subscription.replayed else 201, _out(subscription))


@router.delete(
    "/me/subscription",
    response=SubscriptionOut,
    summary="Cancel your plan",
    description=(
        "At the end of the paid period (perks until then), or with "
        "`?at_once=true` now (the unused time is not refunded)."
    ),
)
def delete_subscription(request: HttpRequest, at_once: bool = False) -> dict:
    subscription = services.cancel_subscription(
        user=request.auth,  # type: ignore[attr-defined]
        at_once=at_once,
    )
    return _out(subscription)


@router.post(
    "/me/subscription/resume",
    response=SubscriptionOut,
    summary="Keep your plan after all",
    description="Takes back a cancellation at the end of the period: the plan "
    "renews again. Safe to repeat. 404 `subscription_not_found` without a plan.",
)
def resume_subscription(request: HttpRequest) -> dict:
    return _out(
        services.resume_subscription(user=request.auth)  # type: ignore[attr-defined]
    )
