"""Who is told about which event: the event → notification mapping.

``on_event`` is registered in ``doorstep.events.consumers.CONSUMERS`` for the
prefixes ``order.``, ``message.``, ``review.``, ``payout.``, ``ops.`` and
``dispatch.``. It is
delivered at least once, after commit; ``plan_for`` only reads, and
``services.notify_about_event`` creates on a unique key, so a repeat creates and
sends nothing new.

Each planned notification names a wording (see ``wording.py``) and its parameters;
the words are rendered later, in the recipient's language. Times are the order's
local times, in the order's time zone.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.urls import NoReverseMatch, reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.models import User
from doorstep.core.money import Money
from doorstep.events.models import Event
from doorstep.notifications.models import Kind
from doorstep.notifications.wording import WORDING
from doorstep.orders.models import BuyingMode, Order, RescheduleRequest
from doorstep.orders.states import OrderState


@dataclass(frozen=True)
class Planned:
    """One notification to make: for whom, of what kind, in which words."""

    recipient: User
    kind: Kind
    wording: str
    url: str = ""
    params: dict[str, object] = field(default_factory=dict)


def on_event(event: Event) -> None:
    from doorstep.notifications.services import notify_about_event

    planned = plan_for(event)
    if planned:
        notify_about_event(event=event, planned=planned)


def plan_for(event: Event) -> list[Planned]:
    """The notifications ``event`` calls for (none for topics nobody is told of)."""
    family = event.topic.split(".", 1)[0]
    planner = {
        "order": _plan_order_event,
        "message": _plan_message_event,
        "review": _plan_review_event,
        "payout": _plan_payout_event,
        "ops": _plan_ops_event,
        "verification": _plan_verification_event,
        "dispatch": _plan_dispatch_event,
        "support": _plan_support_event,
        "claim": _plan_claim_event,
    }.get(family)
    return planner(event) if planner is not None else []


# --- Orders -------------------------------------------------------------------------


@dataclass(frozen=True)
class _OrderFacts:
    order: Order
    customer: User
    provider: User | None
    params: dict[str, object]
    url: str

    def to(self, user: User | None, kind: Kind, wording: str, **extra) -> list:
        if user is None:
            return []
        params = {**self.params, **extra}
        return [Planned(user, kind, wording, url=self.url, params=params)]

    def to_customer(self, kind: Kind, wording: str, **extra) -> list[Planned]:
        return self.to(self.customer, kind, wording, **extra)

    def to_provider(self, kind: Kind, wording: str, **extra) -> list[Planned]:
        return self.to(self.provider, kind, wording, **extra)


def _local(order: Order, moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(order.time_zone or "UTC"))


def _customer_name(user: User) -> str:
    # Never an e-mail address or a phone number: the other side must not see them.
    return user.name or _("Your customer")


def _worker_user(order: Order) -> User | None:
    """Who does the job: for a platform-dispatched order worked by an agency's
    staff member, that person (reminders and changes go to whoever travels);
    otherwise the provider (an agency's bookings go to the agency's owner)."""
    if order.mode == BuyingMode.DISPATCH and order.staff_id and order.staff.user_id:
        return order.staff.user
    return order.provider.user if order.provider else None


def _facts(order: Order) -> _OrderFacts:
    provider_name = order.provider.display_name if order.provider else ""
    if order.mode == BuyingMode.DISPATCH and order.staff_id:
        provider_name = order.staff.display_name
    return _OrderFacts(
        order=order,
        customer=order.customer,
        provider=_worker_user(order),
        params={
            "title": order.title,
            "when": _local(order, order.starts_at),
            "customer": _customer_name(order.customer),
            "provider": provider_name or _("Your provider"),
        },
        url=order.get_absolute_url(),
    )


UPDATE = Kind.ORDER_UPDATE


def _paid(facts: _OrderFacts, event: Event) -> list[Planned]:
    """The provider hears of an order only once it is paid for (an order
    waiting for payment, or one whose card was refused, is no news to them)."""
    if event.payload.get("to") == OrderState.REQUESTED:
        respond_by = _local(facts.order, facts.order.respond_by)
        return facts.to_provider(
            Kind.BOOKING_REQUEST,
            "booking_requested",
            respond_by=respond_by or facts.params["when"],
        )
    if event.payload.get("to") == OrderState.ACCEPTED:  # booked instantly
        return facts.to_provider(
            Kind.BOOKING_REQUEST, "booking_instant"
        ) + facts.to_customer(Kind.BOOKING_CONFIRMED, "booking_confirmed")
    return []


def _cancelled(facts: _OrderFacts, event: Event) -> list[Planned]:
    actor = event.payload.get("actor")
    if actor == "customer":
        return facts.to_provider(Kind.ORDER_CANCELLED, "cancelled_by_customer")
    if actor == "provider":
        return facts.to_customer(Kind.ORDER_CANCELLED, "cancelled_by_provider")
    return facts.to_customer(
        Kind.ORDER_CANCELLED, "cancelled_by_platform"
    ) + facts.to_provider(Kind.ORDER_CANCELLED, "cancelled_by_platform")


def _no_show(reported: str) -> Callable[[_OrderFacts, Event], list[Planned]]:
    def plan(facts: _OrderFacts, event: Event) -> list[Planned]:
        if reported == "customer":
            return facts.to_customer(UPDATE, "customer_no_show")
        return facts.to_provider(UPDATE, "provider_no_show")

    return plan


def _both(kind: Kind, wording: str) -> Callable[[_OrderFacts, Event], list[Planned]]:
    def plan(facts: _OrderFacts, event: Event) -> list[Planned]:
        return facts.to_customer(kind, wording) + facts.to_provider(kind, wording)

    return plan


def _customer(kind: Kind, wording: str) -> Callable[[_OrderFacts, Event], list]:
    return lambda facts, event: facts.to_customer(kind, wording)


def _provider(kind: Kind, wording: str) -> Callable[[_OrderFacts, Event], list]:
    return lambda facts, event: facts.to_provider(kind, wording)


def _reschedule(facts: _OrderFacts, event: Event) -> list[Planned]:
    """A proposal goes to the other side; its answer goes back to the proposer."""
    request = RescheduleRequest.objects.filter(
        order=facts.order, public_id=event.payload.get("request", "")
    ).first()
    if request is None:
        return []
    proposer_is_customer = request.proposed_by == "customer"
    new_when = _local(facts.order, request.starts_at)
    if event.topic == "order.reschedule_proposed":
        name = facts.params["customer" if proposer_is_customer else "provider"]
        recipient = facts.provider if proposer_is_customer else facts.customer
        wording = "reschedule_proposed"
    else:
        name = facts.params["provider" if proposer_is_customer else "customer"]
        recipient = facts.customer if proposer_is_customer else facts.provider
        wording = (
            "rescheduled"
            if event.topic == "order.rescheduled"
            else "reschedule_declined"
        )
    return facts.to(recipient, UPDATE, wording, name=name, new_when=new_when)


def _arrival_late(facts: _OrderFacts, event: Event) -> list[Planned]:
    """Platform dispatch broke its promise to be at the door in time; the
    customer hears of the compensation, if the promise carries one."""
    amount = int(event.payload.get("compensation") or 0)
    if not amount:
        return facts.to_customer(UPDATE, "arrival_late")
    money = Money(amount, str(event.payload.get("currency", facts.order.currency)))
    return facts.to_customer(UPDATE, "arrival_late_compensated", amount=money)


ORDER_PLANS: dict[str, Callable[[_OrderFacts, Event], list[Planned]]] = {
    "order.pay": _paid,
    "order.pay_instant": _paid,
    # Paid later (after the service, in cash): booked without a payment.
    "order.book_pay_later": _paid,
    "order.book_pay_later_instant": _paid,
    "order.receive_cash": _customer(UPDATE, "cash_received"),
    "order.payment_failed": _customer(UPDATE, "payment_failed"),
    "order.accept": _customer(Kind.BOOKING_CONFIRMED, "booking_confirmed"),
    "order.accept_standing": _customer(Kind.BOOKING_CONFIRMED, "booking_confirmed"),
    "order.decline": _customer(Kind.BOOKING_DECLINED, "booking_declined"),
    "order.expire": lambda facts, event: (
        facts.to_customer(Kind.BOOKING_DECLINED, "booking_expired")
        + facts.to_provider(UPDATE, "request_expired")
    ),
    "order.cancel": _cancelled,
    "order.depart": _customer(Kind.PROVIDER_ON_THE_WAY, OrderState.ON_THE_WAY),
    "order.deliver": _customer(Kind.JOB_DONE, OrderState.DELIVERED),
    "order.confirm": _provider(UPDATE, "confirmed"),
    "order.auto_complete": _both(UPDATE, "auto_completed"),
    "order.dispute": _provider(UPDATE, OrderState.DISPUTED),
    "order.resolve_complete": _both(UPDATE, "resolved_complete"),
    "order.resolve_refund": _both(UPDATE, "resolved_refund"),
    "order.report_customer_no_show": _no_show("customer"),
    "order.report_provider_no_show": _no_show("provider"),
    "order.remind_before_start": _both(Kind.REMINDER, "reminder"),
    "order.reschedule_proposed": _reschedule,
    "order.rescheduled": _reschedule,
    "order.reschedule_declined": _reschedule,
    "order.response_late": _customer(UPDATE, "response_late"),
    "order.arrival_late": _arrival_late,
}


def _dispatch_expired(facts: _OrderFacts, event: Event) -> list[Planned]:
    """Nobody took a platform-dispatched order in time: the customer learns
    whether their money was only held (released) or taken (refunded)."""
    from doorstep.payments.models import Payment

    charged = Payment.objects.filter(order=facts.order, captured_amount__gt=0).exists()
    wording = "dispatch_expired_refunded" if charged else "dispatch_expired_not_charged"
    return facts.to_customer(Kind.BOOKING_DECLINED, wording)


# Orders of mode ``dispatch`` (``orders/processes/dispatch.py``): nobody is
# asked to accept (the worker took an offer), so these replace the booking
# words; every other topic is planned as for a booking.
DISPATCH_ORDER_PLANS: dict[str, Callable[[_OrderFacts, Event], list[Planned]]] = {
    "order.assign": _customer(Kind.BOOKING_CONFIRMED, "worker_assigned"),
    "order.unassign": _customer(UPDATE, "worker_unassigned"),
    "order.expire": _dispatch_expired,
}


def _plan_order_event(event: Event) -> list[Planned]:
    order = (
        Order.objects.select_related("customer", "provider__user", "staff__user")
        .filter(public_id=event.subject)
        .first()
    )
    if order is None:
        return []
    plan = ORDER_PLANS.get(event.topic)
    if order.mode == BuyingMode.DISPATCH:
        plan = DISPATCH_ORDER_PLANS.get(event.topic, plan)
    if plan is None:
        return []
    return plan(_facts(order), event)


# --- Messages -----------------------------------------------------------------------

PREVIEW_LENGTH = 140


def _plan_message_event(event: Event) -> list[Planned]:
    from doorstep.messaging.models import Message

    if event.topic == "message.flag_confirmed":
        return _flag_confirmed(event)
    if event.topic != "message.sent":
        return []
    message = (
        Message.objects.select_related(
            "sender", "conversation__customer", "conversation__provider__user"
        )
        .filter(public_id=event.subject)
        .first()
    )
    if message is None:
        return []
    conversation = message.conversation
    if message.sender_id == conversation.customer_id:
        recipient = conversation.provider.user
        name = _customer_name(message.sender)
    else:
        recipient = conversation.customer
        name = conversation.provider.display_name
    preview = message.body
    if len(preview) > PREVIEW_LENGTH:
        preview = preview[: PREVIEW_LENGTH - 1] + "…"
    return [
        Planned(
            recipient,
            Kind.NEW_MESSAGE,
            "new_message",
            url=conversation.get_absolute_url(),
            params={"name": name, "preview": preview or _("Sent a photo")},
        )
    ]


# --- Reviews ------------------------------------------------------------------------


def _plan_review_event(event: Event) -> list[Planned]:
    from doorstep.reviews.models import Direction, Review

    if event.topic not in ("review.revealed", "review.replied"):
        return []
    review = (
        Review.objects.select_related("order", "author", "customer", "provider__user")
        .filter(public_id=event.subject)
        .first()
    )
    if review is None:
        return []
    about_provider = review.direction == Direction.CUSTOMER_REVIEWS_PROVIDER
    url = review.order.get_absolute_url()
    if event.topic == "review.replied":
        if not about_provider:
            return []
        return [
            Planned(
                review.customer,
                Kind.REVIEW,
                "review_replied",
                url=url,
                params={
                    "name": review.provider.display_name,
                    "title": review.order.title,
                },
            )
        ]
    if about_provider:
        recipient, name = review.provider.user, _customer_name(review.customer)
    else:
        recipient, name = review.customer, review.provider.display_name
    return [
        Planned(
            recipient,
            Kind.REVIEW,
            "review_received",
            url=url,
            params={"name": name, "stars": review.stars, "title": review.order.title},
        )
    ]


# --- Payouts ------------------------------------------------------------------------


def _payout_outcome(event: Event) -> str:
    """``paid``, ``failed`` or ``""``, whichever way the payments app names it:
    as the topic (``payout.paid``) or as the new status in the payload."""
    suffix = event.topic.split(".", 1)[1]
    status = event.payload.get("to") or event.payload.get("status") or suffix
    return status if status in ("paid", "failed") else ""


def _plan_payout_event(event: Event) -> list[Planned]:
    from doorstep.payments.models import PayoutRequest

    outcome = _payout_outcome(event)
    if not outcome:
        return []
    payout = (
        PayoutRequest.objects.select_related("provider__user")
        .filter(public_id=event.subject)
        .first()
    )
    if payout is None:
        return []
    try:
        url = reverse("payments:wallet")
    except NoReverseMatch:  # the payments screens are not mounted
        url = ""
    return [
        Planned(
            payout.provider.user,
            Kind.PAYOUT,
            f"payout_{outcome}",
            url=url,
            params={"amount": Money(payout.amount, payout.currency)},
        )
    ]


# --- Ops ----------------------------------------------------------------------------


def _flag_confirmed(event: Event) -> list[Planned]:
    """Ops confirmed that someone tried to take deals off the platform and
    chose to warn them."""
    sender = User.objects.filter(public_id=event.subject).first()
    if sender is None:
        return []
    return [Planned(sender, Kind.STANDARDS, "off_platform_warning")]


def _plan_ops_event(event: Event) -> list[Planned]:
    """A periodic job that failed or found a problem (a reconcile mismatch):
    every active ops staff member is told, in the app and by e-mail."""
    if event.topic == "ops.new_queue_items":
        return _plan_queue_digest(event)
    if event.topic != "ops.job_attention":
        return []
    try:
        url = reverse("periodic:ops_schedule")
    except NoReverseMatch:  # the ops pages are not mounted
        url = ""
    params = {
        "job": event.payload.get("job", event.subject),
        "message": event.payload.get("message", ""),
    }
    staff = User.objects.filter(is_staff=True, is_active=True).order_by("pk")
    return [
        Planned(user, Kind.OPS_ALERT, "ops_job_attention", url=url, params=params)
        for user in staff
    ]


# --- Verification -------------------------------------------------------------------


def _plan_verification_event(event: Event) -> list[Planned]:
    """Ops' decisions on an application or a document, and document expiry:
    the provider is told, with ops' reason, and sent to the Verification page."""
    from doorstep.trust.models import ProviderApplication, ProviderDocument

    outcome = event.topic.split(".", 1)[1]
    params: dict[str, object] = {"reason": event.payload.get("reason", "")}
    if outcome.startswith("document_"):
        document = (
            ProviderDocument.objects.select_related("provider__user", "document_type")
            .filter(public_id=event.subject)
            .first()
        )
        if document is None:
            return []
        user = document.provider.user
        params["document"] = document.document_type
        params["date"] = document.expires_on
        params["days"] = event.payload.get("days", "")
        wording = outcome
    else:
        application = (
            ProviderApplication.objects.select_related("provider__user")
            .filter(public_id=event.subject)
            .first()
        )
        if application is None:
            return []
        user = application.provider.user
        wording = f"verification_{outcome}"
    if wording not in WORDING:
        return []
    try:
        url = reverse("trust:verification")
    except NoReverseMatch:  # the provider pages are not mounted
        url = ""
    return [Planned(user, Kind.VERIFICATION, wording, url=url, params=params)]


def _plan_queue_digest(event: Event) -> list[Planned]:
    """New items arrived in ops queues (``backoffice.alerts``): one digest per
    active ops person, naming only the queues their role sees."""
    from doorstep.backoffice.queues import queues_for

    arrived = {row["key"]: row["count"] for row in event.payload.get("queues", [])}
    try:
        url = reverse("backoffice:home")
    except NoReverseMatch:  # the ops pages are not mounted
        url = ""
    planned = []
    staff = User.objects.filter(is_staff=True, is_active=True).order_by("pk")
    for user in staff:
        seen = [queue for queue in queues_for(user) if arrived.get(queue.key)]
        if not seen:
            continue
        parts = [
            format_lazy(_("{queue}: {count} new"), queue=q.title, count=arrived[q.key])
            for q in seen
        ]
        params = {
            "count": sum(arrived[queue.key] for queue in seen),
            "queues": format_lazy("; ".join(["{}"] * len(parts)), *parts),
        }
        planned.append(
            Planned(user, Kind.OPS_ALERT, "ops_new_queue_items", url=url, params=params)
        )
    return planned


# --- Platform dispatch ----------------------------------------------------------------

# The workers' offers page (the staff app's, ``dispatch.work_urls``); until it
# is mounted an offer links nowhere.
OFFERS_URL_NAME = "work:offers"


def _plan_dispatch_event(event: Event) -> list[Planned]:
    if event.topic == "dispatch.offer_made":
        return _job_offer(event)
    if event.topic == "dispatch.offer_withdrawn":
        return _job_offer_withdrawn(event)
    if event.topic == "dispatch.no_worker":
        return _no_worker(event)
    return []


def _area(job) -> str:
    # The city only: the exact address is the worker's once they accept.
    return str(job.city) if job.city else _("your area")


def _job_offer(event: Event) -> list[Planned]:
    """The worker asked: what, where (the area, not the address), when, the
    pay and until when they may accept."""
    from doorstep.dispatch.models import Offer
    from doorstep.payments.fees import expected_earnings

    offer = (
        Offer.objects.select_related(
            "job__order", "job__city", "worker__staff__user", "worker__provider__user"
        )
        .filter(public_id=event.payload.get("offer", ""))
        .first()
    )
    if offer is None:
        return []
    worker, job = offer.worker, offer.job
    order = job.order
    user = worker.staff.user if worker.staff_id else worker.provider.user
    if user is None:
        return []
    pay = expected_earnings(order)
    try:
        url = reverse(OFFERS_URL_NAME)
    except NoReverseMatch:  # the staff app is not mounted
        url = ""
    when = _("as soon as possible") if job.is_asap else _local(order, order.starts_at)
    return [
        Planned(
            user,
            Kind.JOB_OFFER,
            "job_offer",
            url=url,
            params={
                "title": order.title,
                "area": _area(job),
                "when": when,
                "pay": Money(pay, order.currency),
                "deadline": _local(order, offer.expires_at),
            },
        )
    ]


def _job_offer_withdrawn(event: Event) -> list[Planned]:
    """The job went to someone else (another worker asked at the same time
    accepted first, or ops assigned it): the worker need not answer any more."""
    from doorstep.dispatch.models import Offer

    offer = (
        Offer.objects.select_related(
            "job__order", "worker__staff__user", "worker__provider__user"
        )
        .filter(public_id=event.payload.get("offer", ""))
        .first()
    )
    if offer is None:
        return []
    worker = offer.worker
    user = worker.staff.user if worker.staff_id else worker.provider.user
    if user is None:
        return []
    try:
        url = reverse(OFFERS_URL_NAME)
    except NoReverseMatch:
        url = ""
    return [
        Planned(
            user,
            Kind.JOB_OFFER,
            "job_offer_taken",
            url=url,
            params={"title": offer.job.order.title},
        )
    ]


def _no_worker(event: Event) -> list[Planned]:
    """Nobody could be offered the job: the customer is told the platform keeps
    looking; ops who dispatch orders are alerted (the queue lists it too)."""
    from doorstep.backoffice.access import OpsPermission, has_ops_permission
    from doorstep.dispatch.models import DispatchJob

    job = (
        DispatchJob.objects.select_related("order__customer", "city")
        .filter(order__public_id=event.subject)
        .first()
    )
    if job is None:
        return []
    order = job.order
    give_up_at = _local(order, job.give_up_at) or ""
    planned = [
        Planned(
            order.customer,
            UPDATE,
            "dispatch_still_looking",
            url=order.get_absolute_url(),
            params={"title": order.title, "give_up_at": give_up_at},
        )
    ]
    try:
        url = reverse("backoffice:unplaced_dispatch_orders")
    except NoReverseMatch:  # the ops pages are not mounted
        url = ""
    params = {
        "order": order.public_id,
        "title": order.title,
        "area": _area(job),
        "offers": job.offers_made,
        "give_up_at": give_up_at,
    }
    staff = User.objects.filter(is_staff=True, is_active=True).order_by("pk")
    planned += [
        Planned(user, Kind.OPS_ALERT, "dispatch_no_worker", url=url, params=params)
        for user in staff
        if has_ops_permission(user, OpsPermission.DISPATCH_ORDERS)
    ]
    return planned


# --- Support tickets ------------------------------------------------------------------


def _preview(text: str) -> str:
    return text if len(text) <= PREVIEW_LENGTH else text[: PREVIEW_LENGTH - 1] + "…"


def _plan_support_event(event: Event) -> list[Planned]:
    """The requester is told of the team's answer (in the app and by e-mail);
    the assignee of the requester's reply (in the app: a new message); ops who
    handle tickets of each SLA target broken (an ops alert, once per breach:
    the periodic check records one event per breach)."""
    from doorstep.backoffice.access import OpsPermission, has_ops_permission
    from doorstep.support.models import Ticket, TicketMessage

    ticket = (
        Ticket.objects.select_related("requester", "assignee")
        .filter(public_id=event.subject)
        .first()
    )
    if ticket is None:
        return []
    message = None
    if "message" in event.payload:
        message = TicketMessage.objects.filter(
            public_id=event.payload["message"], ticket=ticket
        ).first()
    if event.topic == "support.ops_replied" and message is not None:
        return [
            Planned(
                ticket.requester,
                Kind.SUPPORT_REPLY,
                "support_reply",
                url=ticket.get_absolute_url(),
                params={"subject": ticket.subject, "preview": _preview(message.body)},
            )
        ]
    if event.topic == "support.requester_replied" and message is not None:
        if ticket.assignee is None:
            return []
        return [
            Planned(
                ticket.assignee,
                Kind.NEW_MESSAGE,
                "support_requester_replied",
                url=_ops_ticket_url(ticket),
                params={
                    "subject": ticket.subject,
                    "requester": str(ticket.requester),
                    "preview": _preview(message.body),
                },
            )
        ]
    if event.topic == "support.sla_breached":
        clock = (
            _("first response")
            if event.payload.get("clock") == "first_response"
            else _("resolution")
        )
        params = {
            "subject": ticket.subject,
            "ticket": ticket.public_id,
            "clock": clock,
            "priority": Ticket.Priority(
                event.payload.get("priority", ticket.priority)
            ).label,
        }
        staff = User.objects.filter(is_staff=True, is_active=True).order_by("pk")
        return [
            Planned(
                user,
                Kind.OPS_ALERT,
                "support_sla_breached",
                url=_ops_ticket_url(ticket),
                params=params,
            )
            for user in staff
            if has_ops_permission(user, OpsPermission.HANDLE_TICKETS)
        ]
    return []


def _ops_ticket_url(ticket) -> str:
    try:
        return reverse("support:ops_ticket", args=[ticket.public_id])
    except NoReverseMatch:  # the ops pages are not mounted
        return ""


# --- Warranty and guarantee claims ----------------------------------------------------


def _plan_claim_event(event: Event) -> list[Planned]:
    """Each step of a claim, to the side that has to act or wants to know: a
    claim to the provider, an offer to the customer, a booked redo, an
    escalation and ops' decision to both (a guarantee claim is the
    customer's alone)."""
    from doorstep.support.models import GuaranteeClaim, WarrantyClaim

    model = GuaranteeClaim if event.subject.startswith("gcl") else WarrantyClaim
    claim = (
        model.objects.select_related(
            "order__customer", "order__provider__user", "order__staff__user"
        )
        .filter(public_id=event.subject)
        .first()
    )
    if claim is None:
        return []
    order = claim.order
    facts = _facts(order)
    url = reverse(
        "claims:guarantee" if model is GuaranteeClaim else "claims:warranty",
        args=[claim.public_id],
    )
    facts = _OrderFacts(
        order=order,
        customer=facts.customer,
        provider=facts.provider,
        params={**facts.params, "reason": claim.decision_reason},
        url=url,
    )
    kind = Kind.ORDER_UPDATE
    topic = event.topic.removeprefix("claim.")
    if model is GuaranteeClaim:
        if topic != "decided":
            return []
        amount = Money(claim.approved_amount, claim.currency)
        wording = (
            "guarantee_approved"
            if claim.status == GuaranteeClaim.Status.APPROVED
            else "guarantee_rejected"
        )
        return facts.to_customer(kind, wording, amount=amount)
    redo_when = _local(order, claim.offered_starts_at)
    if topic == "warranty_filed":
        return facts.to_provider(
            kind, "warranty_filed", respond_by=_local(order, claim.respond_by)
        )
    if topic == "redo_offered":
        return facts.to_customer(kind, "redo_offered", redo_when=redo_when)
    if topic == "redo_booked":
        return [
            *facts.to_customer(kind, "redo_booked", redo_when=redo_when),
            *facts.to_provider(kind, "redo_booked", redo_when=redo_when),
        ]
    if topic == "escalated":
        return [
            *facts.to_customer(kind, "claim_escalated"),
            *facts.to_provider(kind, "claim_escalated"),
        ]
    if topic == "decided":
        wording = {
            WarrantyClaim.Status.REFUNDED: "warranty_refunded",
            WarrantyClaim.Status.REDO_BOOKED: "warranty_redo_ordered",
        }.get(claim.status, "warranty_rejected")
        amount = Money(claim.refund_amount, order.currency)
        return [
            *facts.to_customer(kind, wording, amount=amount),
            *facts.to_provider(kind, wording, amount=amount),
        ]
    return []
