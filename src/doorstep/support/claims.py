"""Warranty and guarantee claims: every change, one function per action, each
in one transaction that records its event (notifications follow from it).

A **warranty claim**: within the category's warranty days after completion, the
customer says what is wrong (with photos). The provider answers within
``DOORSTEP_WARRANTY_RESPONSE_DAYS``: offers a redo at a time free on their
calendar (the customer accepts: a free order is booked, ``support.redo``) or
declines. Declined, unanswered, a lapsed offer or a redo that did not happen
goes to ops (``escalate_warranty_claims``), who order a redo, refund part or
all of the order (``payments.flows.refund_order``: after release, taken back
from the provider) or reject, with a reason, audited.

A **guarantee claim**: within ``DOORSTEP_GUARANTEE_WINDOW_HOURS`` after the
service, the customer claims for damage, up to ``DOORSTEP_GUARANTEE_CAP``; ops
approve an amount (at most the cap and the claim) paid from the guarantee fund
(``payments.flows.pay_guarantee``), or reject.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from doorstep.accounts.models import User
from doorstep.audit import services as audit
from doorstep.backoffice.access import OpsPermission, require_ops_permission
from doorstep.catalog.photos import ProcessedPhoto, process_photos
from doorstep.core.errors import Conflict, DomainError, NotFound
from doorstep.core.ids import new_public_id
from doorstep.core.money import Money
from doorstep.events.services import record_event
from doorstep.orders.models import Order, OrderEvent
from doorstep.orders.process import Actor
from doorstep.orders.queries import access_order
from doorstep.orders.states import TERMINAL_STATES, OrderState
from doorstep.payments.flows import guarantee_fund_balance, order_payment
from doorstep.payments.models import PaymentStatus
from doorstep.payments.pending_flows import schedule_money_flow
from doorstep.support.audit_actions import (
    DECIDE_GUARANTEE_CLAIM,
    DECIDE_WARRANTY_CLAIM,
)
from doorstep.support.models import ClaimPhoto, GuaranteeClaim, WarrantyClaim
from doorstep.support.redo import book_redo, check_redo_time

TEXT_MAX = 4000
NOTE_MAX = 2000
MAX_CLAIM_PHOTOS = 6
# The order was served: damage can have happened.
SERVED_STATES = frozenset(
    {
        OrderState.DELIVERED,
        OrderState.COMPLETED,
        OrderState.DISPUTED,
        OrderState.REFUNDED,
    }
)


class Outcome:
    """What ops decide on a claim."""

    REDO = "redo"
    REFUND = "refund"
    APPROVE = "approve"
    REJECT = "reject"


# --- Checks shared by the actions -----------------------------------------------------


def _invalid(fields: dict[str, list[str]]) -> DomainError:
    return DomainError("invalid_input", _("Some fields are not valid."), fields=fields)


def _clean(text: str, *, field: str, limit: int, missing: str) -> str:
    text = (text or "").strip()
    if not text:
        raise _invalid({field: [missing]})
    if len(text) > limit:
        raise _invalid({field: [_("At most %(count)d characters.") % {"count": limit}]})
    return text


def _store_photos(processed: list[ProcessedPhoto], **claim) -> None:
    for photo in processed:
        row = ClaimPhoto(
            public_id=new_public_id("clp"),
            width=photo.width,
            height=photo.height,
            **claim,
        )
        row.image.save(photo.image_name, photo.image, save=False)
        row.thumbnail.save(photo.thumbnail_name, photo.thumbnail, save=False)
        row.save()


def _moment(order: Order, *states: str) -> datetime:
    """When the order last entered one of ``states`` (its history says)."""
    event = (
        OrderEvent.objects.filter(order=order, to_state__in=states)
        .order_by("-created_at", "-pk")
        .first()
    )
    return event.created_at if event else order.state_changed_at


def warranty_days(order: Order) -> int:
    """The warranty of the order's category (a listing's, or a platform
    order's service's)."""
    if order.listing_id and order.listing.category_id:
        return order.listing.category.warranty_days
    job = getattr(order, "dispatch_job", None)
    return job.category.warranty_days if job is not None else 0


def warranty_ends_at(order: Order) -> datetime | None:
    days = warranty_days(order)
    if not days or order.state != OrderState.COMPLETED:
        return None
    return _moment(order, OrderState.COMPLETED) + timedelta(days=days)


def guarantee_cap(currency: str) -> int:
    return int(settings.DOORSTEP_GUARANTEE_CAP.get(currency, 0))


def guarantee_ends_at(order: Order) -> datetime | None:
    if order.state not in SERVED_STATES:
        return None
    served = _moment(order, OrderState.DELIVERED)
    return served + timedelta(hours=settings.DOORSTEP_GUARANTEE_WINDOW_HOURS)


def _local_date(order: Order, moment: datetime) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(order.time_zone or "UTC")).strftime("%Y-%m-%d")


# --- Access: the one check per claim --------------------------------------------------


def _claim_not_found() -> NotFound:
    return NotFound("claim_not_found", _("No such claim."))


def access_warranty_claim(
    user: User, claim_id: str, *, as_role: Actor | None = None
) -> WarrantyClaim:
    """The claim if ``user`` is a party to its order (as ``as_role`` when
    given); ``NotFound`` for anyone else, also for claims that exist."""
    claim = (
        WarrantyClaim.objects.select_related("order__provider", "redo_order")
        .filter(public_id=claim_id)
        .first()
    )
    if claim is None:
        raise _claim_not_found()
    try:
        access_order(user, claim.order.public_id, as_role=as_role)
    except NotFound:
        raise _claim_not_found() from None
    return claim


def access_guarantee_claim(user: User, claim_id: str) -> GuaranteeClaim:
    """Only the customer who claimed sees a guarantee claim (outside ops)."""
    claim = (
        GuaranteeClaim.objects.select_related("order")
        .filter(public_id=claim_id, customer=user)
        .first()
    )
    if claim is None:
        raise _claim_not_found()
    return claim


def _locked(model, claim_id: str):
    claim = model.objects.select_for_update().filter(public_id=claim_id).first()
    if claim is None:
        raise _claim_not_found()
    return claim


def _answered() -> Conflict:
    return Conflict(
        "claim_answered",
        _("This claim has moved on in the meantime. Reload to see where it is."),
    )


def _event(topic: str, claim, **payload) -> None:
    record_event(
        topic=f"claim.{topic}",
        subject=claim.public_id,
        payload={"order": claim.order.public_id, **payload},
    )


# --- Warranty: the customer, the provider ---------------------------------------------


def file_warranty_claim(
    *,
    customer: User,
    order_id: str,
    description: str,
    photos: Sequence[File] = (),
    now: datetime | None = None,
) -> WarrantyClaim:
    """The customer of a completed order claims under its warranty. Raises
    ``NotFound`` (not their order), ``DomainError`` ``order_not_completed``,
    ``no_warranty``, ``claim_window_closed`` (the warranty has ended: the
    message says when), ``invalid_input`` / photo errors (400), ``Conflict``
    ``claim_exists``; nothing is written when it raises."""
    now = now or timezone.now()
    order = access_order(customer, order_id, as_role=Actor.CUSTOMER)
    description = _clean(
        description,
        field="description",
        limit=TEXT_MAX,
        missing=_("Say what is not right."),
    )
    processed = process_photos(photos, at_most=MAX_CLAIM_PHOTOS)
    if order.state != OrderState.COMPLETED:
        raise DomainError(
            "order_not_completed",
            _("You can claim under the warranty once the order is completed."),
        )
    days = warranty_days(order)
    if not days:
        raise DomainError(
            "no_warranty", _("This service does not come with a warranty.")
        )
    ends_at = warranty_ends_at(order)
    if now > ends_at:
        raise DomainError(
            "claim_window_closed",
            ngettext(
                "The %(days)d-day warranty on this order ended on %(date)s.",
                "The %(days)d-day warranty on this order ended on %(date)s.",
                days,
            )
            % {"days": days, "date": _local_date(order, ends_at)},
        )
    try:
        with transaction.atomic():
            claim = WarrantyClaim.objects.create(
                order=order,
                customer=customer,
                description=description,
                created_at=now,
                respond_by=now
                + timedelta(days=settings.DOORSTEP_WARRANTY_RESPONSE_DAYS),
            )
            _store_photos(processed, warranty_claim=claim)
            _event("warranty_filed", claim)
    except IntegrityError:
        raise Conflict(
            "claim_exists",
            _("You already have an open warranty claim for this order."),
        ) from None
    return claim


@transaction.atomic
def offer_redo(
    *,
    claim_id: str,
    provider_user: User,
    starts_at: datetime,
    note: str = "",
    now: datetime | None = None,
) -> WarrantyClaim:
    """The provider offers to redo the job at ``starts_at``, which must be
    free on their calendar by the rules of a booking (claimed when the
    customer accepts). Raises ``NotFound``, ``Conflict`` ``claim_answered``,
    and what a booking at that time raises (``slot_taken``, ``day_off``…)."""
    now = now or timezone.now()
    access_warranty_claim(provider_user, claim_id, as_role=Actor.PROVIDER)
    claim = _locked(WarrantyClaim, claim_id)
    if claim.status != WarrantyClaim.Status.FILED:
        raise _answered()
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise _invalid(
            {"note": [_("At most %(count)d characters.") % {"count": NOTE_MAX}]}
        )
    check_redo_time(order=claim.order, starts_at=starts_at, now=now)
    claim.status = WarrantyClaim.Status.REDO_OFFERED
    claim.offered_starts_at = starts_at
    claim.provider_note = note
    claim.answered_at = now
    claim.save(
        update_fields=["status", "offered_starts_at", "provider_note", "answered_at"]
    )
    _event("redo_offered", claim, starts_at=starts_at.isoformat())
    return claim


def _escalate(claim: WarrantyClaim, *, why: str, now: datetime) -> None:
    claim.status = WarrantyClaim.Status.ESCALATED
    claim.escalated_at = now
    claim.escalation_reason = why
    claim.save(update_fields=["status", "escalated_at", "escalation_reason"])
    _event("escalated", claim, why=why)


@transaction.atomic
def decline_claim(
    *, claim_id: str, provider_user: User, note: str, now: datetime | None = None
) -> WarrantyClaim:
    """The provider declines (saying why): the claim goes to ops."""
    now = now or timezone.now()
    access_warranty_claim(provider_user, claim_id, as_role=Actor.PROVIDER)
    note = _clean(
        note, field="note", limit=NOTE_MAX, missing=_("Say why, for our team.")
    )
    claim = _locked(WarrantyClaim, claim_id)
    if claim.status != WarrantyClaim.Status.FILED:
        raise _answered()
    claim.provider_note = note
    claim.answered_at = now
    claim.save(update_fields=["provider_note", "answered_at"])
    _escalate(claim, why="provider_declined", now=now)
    return claim


@transaction.atomic
def accept_redo(
    *, claim_id: str, customer: User, now: datetime | None = None
) -> WarrantyClaim:
    """The customer accepts the provider's offer: the free redo is booked at
    the offered time (``support.redo.book_redo``). Raises ``NotFound``,
    ``Conflict`` ``claim_answered``, or ``slot_taken`` when the time went
    meanwhile (the offer stays; the customer may decline it)."""
    now = now or timezone.now()
    access_warranty_claim(customer, claim_id, as_role=Actor.CUSTOMER)
    claim = _locked(WarrantyClaim, claim_id)
    if claim.status != WarrantyClaim.Status.REDO_OFFERED:
        raise _answered()
    _book(claim, starts_at=claim.offered_starts_at, by=customer, now=now)
    return claim


@transaction.atomic
def decline_redo(
    *, claim_id: str, customer: User, now: datetime | None = None
) -> WarrantyClaim:
    """The customer does not want the offered redo: the claim goes to ops."""
    now = now or timezone.now()
    access_warranty_claim(customer, claim_id, as_role=Actor.CUSTOMER)
    claim = _locked(WarrantyClaim, claim_id)
    if claim.status != WarrantyClaim.Status.REDO_OFFERED:
        raise _answered()
    _escalate(claim, why="customer_declined_redo", now=now)
    return claim


def _book(claim: WarrantyClaim, *, starts_at: datetime, by: User, now) -> None:
    redo = book_redo(
        order=claim.order,
        starts_at=starts_at,
        by=by,
        reason=f"warranty:{claim.public_id}",
        now=now,
    )
    claim.status = WarrantyClaim.Status.REDO_BOOKED
    claim.redo_order = redo
    claim.offered_starts_at = redo.starts_at
    claim.save(update_fields=["status", "redo_order", "offered_starts_at"])
    _event("redo_booked", claim, redo_order=redo.public_id)


# --- The sweep ------------------------------------------------------------------------


def escalate_warranty_claims(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic job: claims the provider did not answer in time, offers
    whose time passed unaccepted and redos that did not happen go to ops;
    redos completed close their claim. Returns counts by what happened."""
    now = now or timezone.now()
    counts = {"unanswered": 0, "offer_lapsed": 0, "redo_failed": 0, "redone": 0}
    status = WarrantyClaim.Status
    due = [
        *(
            ("unanswered", pk)
            for pk in WarrantyClaim.objects.filter(
                status=status.FILED, respond_by__lte=now
            ).values_list("public_id", flat=True)
        ),
        *(
            ("offer_lapsed", pk)
            for pk in WarrantyClaim.objects.filter(
                status=status.REDO_OFFERED, offered_starts_at__lte=now
            ).values_list("public_id", flat=True)
        ),
        *(
            ("redo", pk)
            for pk in WarrantyClaim.objects.filter(
                status=status.REDO_BOOKED,
                redo_order__state__in=TERMINAL_STATES,
            ).values_list("public_id", flat=True)
        ),
    ]
    for why, claim_id in due:
        with transaction.atomic():
            claim = _locked(WarrantyClaim, claim_id)
            if why == "redo":
                if claim.status != status.REDO_BOOKED:
                    continue
                if claim.redo_order.state == OrderState.COMPLETED:
                    claim.status = status.REDONE
                    claim.closed_at = now
                    claim.save(update_fields=["status", "closed_at"])
                    _event("redone", claim)
                    counts["redone"] += 1
                else:
                    _escalate(claim, why="redo_failed", now=now)
                    counts["redo_failed"] += 1
            elif claim.status == (
                status.FILED if why == "unanswered" else status.REDO_OFFERED
            ):
                _escalate(claim, why=why, now=now)
                counts[why] += 1
    return counts


# --- Ops decisions --------------------------------------------------------------------


def refundable(order: Order) -> int:
    """What is left to refund on the order's charge."""
    payment = order_payment(order)
    if payment is None or payment.status not in {
        PaymentStatus.CAPTURED,
        PaymentStatus.REFUNDED,
    }:
        return 0
    return payment.captured_amount - payment.refunded_amount


def _reason(reason: str) -> str:
    return _clean(
        reason,
        field="reason",
        limit=NOTE_MAX,
        missing=_("Say why: the customer and the provider are told."),
    )


@transaction.atomic
def decide_warranty_claim(
    *,
    claim_id: str,
    user: User,
    outcome: str,
    reason: str,
    amount: int | None = None,
    starts_at: datetime | None = None,
    now: datetime | None = None,
) -> WarrantyClaim:
    """Ops decide an open claim: ``redo`` (a free order at ``starts_at``, free
    on the provider's calendar), ``refund`` (``amount`` minor units of what the
    customer paid, through ``payments.flows.refund_order`` after commit: from
    escrow, or taken back from the provider once released) or ``reject``;
    with ``reason``, audited. Raises ``PermissionDenied`` (ops role),
    ``NotFound``, ``Conflict`` ``claim_answered`` / ``nothing_captured``,
    ``DomainError`` ``invalid_input`` / ``refund_too_large`` and what a
    booking raises."""
    require_ops_permission(user, OpsPermission.DECIDE_DISPUTES)
    now = now or timezone.now()
    reason = _reason(reason)
    claim = _locked(WarrantyClaim, claim_id)
    if not claim.is_open:
        raise _answered()
    before = {"status": claim.status}
    if outcome == Outcome.REDO:
        if starts_at is None:
            raise _invalid({"starts_at": [_("Choose when the provider comes back.")]})
        _book(claim, starts_at=starts_at, by=user, now=now)
    elif outcome == Outcome.REFUND:
        left = refundable(claim.order)
        if not left:
            raise Conflict("nothing_captured", _("No money was taken for this order."))
        if amount is None or amount <= 0 or amount > left:
            money = Money(left, claim.order.currency).format()
            raise DomainError(
                "refund_too_large",
                _("Refund between 0.01 and %(amount)s.") % {"amount": money},
                fields={"amount": [_("At most %(amount)s.") % {"amount": money}]},
            )
        claim.status = WarrantyClaim.Status.REFUNDED
        claim.refund_amount = amount
        schedule_money_flow(
            order=claim.order,
            flow="refund_order",
            arguments={"amount": amount, "reference": f"warranty:{claim.public_id}"},
        )
    elif outcome == Outcome.REJECT:
        claim.status = WarrantyClaim.Status.REJECTED
    else:
        raise _invalid({"outcome": [_("Choose a redo, a refund or a rejection.")]})
    claim.decided_at = now
    claim.decided_by = user
    claim.decision_reason = reason
    if claim.status != WarrantyClaim.Status.REDO_BOOKED:
        claim.closed_at = now
    claim.save()
    audit.record(
        actor=user,
        action=DECIDE_WARRANTY_CLAIM,
        target=claim,
        reason=reason,
        before=before,
        after={
            "status": claim.status,
            "refund_amount": claim.refund_amount,
            "currency": claim.order.currency,
            "redo_order": claim.redo_order.public_id if claim.redo_order else "",
        },
    )
    _event("decided", claim, outcome=outcome, amount=claim.refund_amount)
    return claim


# --- The platform guarantee -----------------------------------------------------------


def file_guarantee_claim(
    *,
    customer: User,
    order_id: str,
    description: str,
    amount: int,
    photos: Sequence[File] = (),
    now: datetime | None = None,
) -> GuaranteeClaim:
    """The customer claims for damage done during the service, within the
    window after it and up to the cap. Raises ``NotFound``, ``DomainError``
    ``order_not_completed`` (not served yet), ``claim_window_closed``,
    ``over_guarantee_cap``, ``invalid_input`` / photo errors, ``Conflict``
    ``claim_exists``; nothing is written when it raises."""
    now = now or timezone.now()
    order = access_order(customer, order_id, as_role=Actor.CUSTOMER)
    description = _clean(
        description,
        field="description",
        limit=TEXT_MAX,
        missing=_("Say what was damaged and how."),
    )
    if not isinstance(amount, int) or amount <= 0:
        raise _invalid({"amount": [_("Give the amount you claim, above zero.")]})
    processed = process_photos(photos, at_most=MAX_CLAIM_PHOTOS)
    if order.state not in SERVED_STATES:
        raise DomainError(
            "order_not_completed",
            _("You can claim under the guarantee once the job is done."),
        )
    ends_at = guarantee_ends_at(order)
    if now > ends_at:
        hours = settings.DOORSTEP_GUARANTEE_WINDOW_HOURS
        raise DomainError(
            "claim_window_closed",
            ngettext(
                "Damage must be reported within %(hours)d hour of the service; "
                "the time ran out on %(date)s.",
                "Damage must be reported within %(hours)d hours of the service; "
                "the time ran out on %(date)s.",
                hours,
            )
            % {"hours": hours, "date": _local_date(order, ends_at)},
        )
    cap = guarantee_cap(order.currency)
    if amount > cap:
        message = (
            _("The guarantee covers at most %(amount)s per claim.")
            % {"amount": Money(cap, order.currency).format()}
            if cap
            else _("The guarantee does not cover payments in this currency.")
        )
        raise DomainError("over_guarantee_cap", message, fields={"amount": [message]})
    try:
        with transaction.atomic():
            claim = GuaranteeClaim.objects.create(
                order=order,
                customer=customer,
                description=description,
                claimed_amount=amount,
                currency=order.currency,
                created_at=now,
            )
            _store_photos(processed, guarantee_claim=claim)
            _event("guarantee_filed", claim, amount=amount)
    except IntegrityError:
        raise Conflict(
            "claim_exists",
            _("You already have a guarantee claim being reviewed for this order."),
        ) from None
    return claim


@transaction.atomic
def decide_guarantee_claim(
    *,
    claim_id: str,
    user: User,
    outcome: str,
    reason: str,
    amount: int | None = None,
    now: datetime | None = None,
) -> GuaranteeClaim:
    """Ops approve ``amount`` (at most the cap, the claim, what is left on
    the customer's card and what the fund holds), paid from the guarantee
    fund after commit (``payments.flows.pay_guarantee``), or reject; with
    ``reason``, audited. Raises ``PermissionDenied``, ``NotFound``,
    ``Conflict`` ``claim_answered`` / ``insufficient_funds``, ``DomainError``
    ``over_guarantee_cap`` / ``refund_too_large`` / ``invalid_input``."""
    require_ops_permission(user, OpsPermission.DECIDE_DISPUTES)
    now = now or timezone.now()
    reason = _reason(reason)
    claim = _locked(GuaranteeClaim, claim_id)
    if claim.status != GuaranteeClaim.Status.FILED:
        raise _answered()
    if outcome == Outcome.APPROVE:
        limit = min(guarantee_cap(claim.currency), claim.claimed_amount)
        if amount is None or amount <= 0 or amount > limit:
            message = _("Approve between 0.01 and %(amount)s.") % {
                "amount": Money(limit, claim.currency).format()
            }
            raise DomainError(
                "over_guarantee_cap", message, fields={"amount": [message]}
            )
        left = refundable(claim.order)
        if amount > left:
            message = _(
                "At most %(amount)s can be paid back to the customer's card."
            ) % {"amount": Money(left, claim.currency).format()}
            raise DomainError("refund_too_large", message, fields={"amount": [message]})
        if amount > guarantee_fund_balance(claim.currency):
            raise Conflict(
                "insufficient_funds",
                _("The guarantee fund holds less than this: ask finance to fund it."),
            )
        claim.status = GuaranteeClaim.Status.APPROVED
        claim.approved_amount = amount
        schedule_money_flow(
            order=claim.order,
            flow="pay_guarantee",
            arguments={"amount": amount, "reference": claim.public_id},
        )
    elif outcome == Outcome.REJECT:
        claim.status = GuaranteeClaim.Status.REJECTED
    else:
        raise _invalid({"outcome": [_("Approve an amount, or reject.")]})
    claim.decided_at = now
    claim.decided_by = user
    claim.decision_reason = reason
    claim.save()
    audit.record(
        actor=user,
        action=DECIDE_GUARANTEE_CLAIM,
        target=claim,
        reason=reason,
        before={"status": GuaranteeClaim.Status.FILED},
        after={
            "status": claim.status,
            "approved_amount": claim.approved_amount,
            "currency": claim.currency,
        },
    )
    _event("decided", claim, outcome=outcome, amount=claim.approved_amount)
    return claim
