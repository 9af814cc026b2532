"""Disputes on evidence: every change to a dispute, one function per action,
each in a transaction that records its event (notices go out from the
``dispute.*`` events, ``support.dispute_notices``).

The steps (Airbnb's Resolution Center): either side opens a dispute while the
job is delivered or within ``DOORSTEP_DISPUTE_WINDOW_DAYS`` of its completion
(``open_dispute``); the other side has ``DOORSTEP_DISPUTE_RESPONSE_DAYS`` to
accept the claim, offer a partial refund, offer to come back and redo the job
for free (with a refund too, if they like) or reject it
(``respond_to_dispute``);
the opener takes or declines an offer in as many days (``accept_offer``,
``decline_offer``). Whatever is not agreed — rejected, declined, or not
answered in time (``escalate_overdue_disputes``, a periodic job) — goes to ops,
who decide any split, optionally with a free redo and a penalty under the
trust rules (``decide_dispute``). A redo is a new zero-price order on the
provider's calendar (``support.redo``), booked when the offer is taken or ops
decide it, in the same transaction as the settlement.

Money: a delivered order in dispute waits in escrow (the ``dispute``
transition moves it to ``disputed``); the settlement fires ``resolve_refund``,
``resolve_split`` or ``resolve_complete`` as the system. A completed order
stays completed, and ``payments.flows.settle_dispute`` takes the refund back
from the provider after commit. Either way the flow is written down in the
settlement's transaction and retried until it is done.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from doorstep.accounts.models import User
from doorstep.audit import services as audit
from doorstep.backoffice.access import OpsPermission, require_ops_permission
from doorstep.catalog.photos import ProcessedPhoto, process_photos
from doorstep.core.errors import Conflict, DomainError, NotFound
from doorstep.events.services import record_event
from doorstep.orders.engine import apply_transition, roles_of
from doorstep.orders.locks import lock_order
from doorstep.orders.models import Order, OrderEvent
from doorstep.orders.process import Actor
from doorstep.orders.queries import access_order
from doorstep.orders.states import OrderState
from doorstep.payments.flows import order_payment
from doorstep.payments.models import PaymentStatus
from doorstep.payments.pending_flows import schedule_money_flow
from doorstep.support import audit_actions as actions
from doorstep.support.models import Dispute, DisputeEvidence, Ticket
from doorstep.support.redo import book_redo, check_redo_time
from doorstep.support.tickets import open_ticket

STATEMENT_MAX = 5000
REASON_MAX = 4000
MAX_EVIDENCE_PHOTOS = 6
# Where the order stands when a dispute may be opened about it.
DISPUTABLE_STATES = (OrderState.DELIVERED, OrderState.COMPLETED)

Status = Dispute.Status
Outcome = Dispute.Outcome
Side = Dispute.Side


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(
        "invalid_input", _("Some fields are not valid."), fields={field: [message]}
    )


def _clean_statement(statement: str, *, required: bool) -> str:
    statement = (statement or "").strip()
    if required and not statement:
        raise _invalid("statement", _("Tell us what happened."))
    if len(statement) > STATEMENT_MAX:
        raise _invalid(
            "statement", _("At most %(count)d characters.") % {"count": STATEMENT_MAX}
        )
    return statement


def _store_evidence(
    dispute: Dispute,
    *,
    author: User,
    side: str,
    statement: str,
    photos: list[ProcessedPhoto],
    now: datetime,
) -> list[DisputeEvidence]:
    """A statement (if any) and one row per photo, the first photo with the
    statement."""
    rows = []
    items: list[tuple[str, ProcessedPhoto | None]] = []
    if photos:
        items = [(statement if i == 0 else "", photo) for i, photo in enumerate(photos)]
    elif statement:
        items = [(statement, None)]
    for text, photo in items:
        row = DisputeEvidence(
            dispute=dispute, author=author, side=side, statement=text, created_at=now
        )
        if photo is not None:
            row.width, row.height = photo.width, photo.height
            row.photo.save(photo.image_name, photo.image, save=False)
        row.save()
        rows.append(row)
    return rows


def party_side(user: User, order: Order) -> str | None:
    """The side ``user`` is on in ``order`` (the customer first, as the engine
    chooses), or ``None``: being staff makes nobody a party."""
    roles = roles_of(user, order)
    if Actor.CUSTOMER in roles:
        return Side.CUSTOMER
    if Actor.PROVIDER in roles:
        return Side.PROVIDER
    return None


def _not_found() -> NotFound:
    return NotFound("dispute_not_found", _("No such dispute."))


def access_dispute(user: User, dispute_id: str) -> tuple[Dispute, str]:
    """The one access check for the parties: the dispute and the caller's
    side. Raises ``NotFound`` for anyone else (a stranger, ops outside the
    back office, the provider of another order)."""
    dispute = (
        Dispute.objects.select_related(
            "order__customer", "order__provider__user", "order__staff", "opened_by"
        )
        .filter(public_id=dispute_id)
        .first()
    )
    side = party_side(user, dispute.order) if dispute is not None else None
    if dispute is None or side is None:
        raise _not_found()
    return dispute, side


def require_deciding_role(user: User) -> None:
    """Raise ``PermissionDenied`` unless ``user``'s ops role decides disputes."""
    require_ops_permission(user, OpsPermission.DECIDE_DISPUTES)


def ops_dispute(user: User, dispute_id: str) -> Dispute:
    """A dispute for ops whose role decides disputes. Raises
    ``PermissionDenied`` without ``DECIDE_DISPUTES``, ``NotFound`` for an
    unknown id."""
    require_deciding_role(user)
    dispute = (
        Dispute.objects.select_related(
            "order__customer", "order__provider__user", "opened_by", "decided_by"
        )
        .filter(public_id=dispute_id)
        .first()
    )
    if dispute is None:
        raise _not_found()
    return dispute


def disputes_of(user: User) -> QuerySet[Dispute]:
    """Every dispute about an order ``user`` is the customer or provider of."""
    from doorstep.orders.queries import party_orders

    return Dispute.objects.filter(order__in=party_orders(user)).select_related("order")


def escalated_disputes() -> QuerySet[Dispute]:
    """The ops queue: disputes waiting for a decision, oldest first."""
    return Dispute.objects.filter(status=Status.ESCALATED).order_by(
        "escalated_at", "pk"
    )


def refundable_amount(order: Order) -> int:
    """What the customer paid for the order and has not had back (held or
    taken); what a dispute can refund at most."""
    payment = order_payment(order)
    if payment is None:
        return 0
    if payment.status == PaymentStatus.AUTHORISED:
        return payment.amount
    if payment.status in {PaymentStatus.CAPTURED, PaymentStatus.REFUNDED}:
        return payment.captured_amount - payment.refunded_amount
    return 0


def _response_days() -> timedelta:
    return timedelta(days=settings.DOORSTEP_DISPUTE_RESPONSE_DAYS)


def _record(dispute: Dispute, step: str, **payload) -> None:
    record_event(
        topic=f"dispute.{step}",
        subject=dispute.public_id,
        payload={"order": dispute.order.public_id, **payload},
    )


# --- Opening --------------------------------------------------------------------


def _check_window(order: Order, now: datetime) -> None:
    if order.state == OrderState.COMPLETED:
        closes = order.state_changed_at + timedelta(
            days=settings.DOORSTEP_DISPUTE_WINDOW_DAYS
        )
        if now <= closes:
            return
    elif order.state == OrderState.DELIVERED:
        return
    raise DomainError(
        "dispute_window_closed",
        _(
            "A dispute can be opened once the job is done, up to %(days)d days "
            "after it is completed."
        )
        % {"days": settings.DOORSTEP_DISPUTE_WINDOW_DAYS},
    )


def open_dispute(
    *,
    user: User,
    order_id: str,
    category: str,
    statement: str,
    photos: Sequence[File] = (),
    now: datetime | None = None,
) -> Dispute:
    """Open a dispute about order ``order_id`` (a public id) as its customer
    or provider, with a reason, a statement and up to ``MAX_EVIDENCE_PHOTOS``
    photos. A delivered order moves to ``disputed`` (its money waits); a
    completed one stays completed. The other side is asked to answer by
    ``respond_by``. Raises ``NotFound`` for an order that is not the caller's,
    ``DomainError`` ``invalid_input``/photo codes for bad input,
    ``dispute_window_closed`` outside the window, ``dispute_exists`` for a
    second dispute and ``nothing_captured`` for an order nobody paid for; with
    nothing written."""
    now = now or timezone.now()
    order = access_order(user, order_id)
    side = party_side(user, order)
    if category not in Dispute.Category.values:
        raise _invalid("category", _("Choose one of the reasons."))
    statement = _clean_statement(statement, required=True)
    processed = process_photos(photos, at_most=MAX_EVIDENCE_PHOTOS)
    with transaction.atomic():
        order = lock_order(order.pk)
        if Dispute.objects.filter(order=order).exists():
            raise Conflict("dispute_exists", _("This order already has a dispute."))
        _check_window(order, now)
        paid = refundable_amount(order)
        if paid <= 0:
            raise Conflict("nothing_captured", _("No money was taken for this order."))
        state_at_opening = order.state
        dispute = Dispute.objects.create(
            order=order,
            opened_by=user,
            opener_side=side,
            category=category,
            statement=statement,
            order_state_at_opening=state_at_opening,
            paid_amount=paid,
            currency=order.currency,
            respond_by=now + _response_days(),
            created_at=now,
            updated_at=now,
        )
        _store_evidence(
            dispute, author=user, side=side, statement="", photos=processed, now=now
        )
        if state_at_opening == OrderState.DELIVERED:
            apply_transition(
                order_id=order.pk,
                name="dispute",
                user=user,
                data={"reason": statement[:500], "dispute": dispute.public_id},
            )
        _record(dispute, "opened", side=side)
    return dispute


# --- Evidence -------------------------------------------------------------------


def add_evidence(
    *,
    user: User,
    dispute_id: str,
    statement: str = "",
    photos: Sequence[File] = (),
    now: datetime | None = None,
) -> list[DisputeEvidence]:
    """A party adds a statement and/or photos while the dispute is open.
    Raises ``NotFound`` for anyone else, ``dispute_closed`` once it is
    settled or decided, ``invalid_input`` for neither text nor photo."""
    now = now or timezone.now()
    dispute, side = access_dispute(user, dispute_id)
    statement = _clean_statement(statement, required=False)
    processed = process_photos(photos, at_most=MAX_EVIDENCE_PHOTOS)
    if not statement and not processed:
        raise _invalid("statement", _("Write a statement or attach a photo."))
    with transaction.atomic():
        dispute = _lock(dispute)
        if not dispute.is_open:
            raise _closed()
        rows = _store_evidence(
            dispute,
            author=user,
            side=side,
            statement=statement,
            photos=processed,
            now=now,
        )
        dispute.updated_at = now
        dispute.save(update_fields=["updated_at"])
        _record(dispute, "evidence_added", side=side)
    return rows


def _lock(dispute: Dispute) -> Dispute:
    """The dispute's row, locked; the order's row is locked first (the one
    order of locks: order, then dispute, then the ledger's accounts)."""
    lock_order(dispute.order_id)
    return (
        Dispute.objects.select_for_update(of=("self",))
        .select_related("order")
        .get(pk=dispute.pk)
    )


def _closed() -> Conflict:
    return Conflict("dispute_closed", _("This dispute is closed."))


def _not_waiting() -> Conflict:
    return Conflict(
        "dispute_not_waiting", _("The dispute is not waiting for this from you.")
    )


# --- Asking the other side first ------------------------------------------------


RESPONSES = ("accept", "offer", "redo", "reject")


def _on_field(field: str, error: DomainError) -> DomainError:
    """``error`` (a refused redo time: taken, a day off, too soon…) shown
    beside ``field``."""
    error.fields = {field: [error.message]}
    return error


def _check_redo_time(order: Order, starts_at: datetime | None, now) -> datetime:
    if starts_at is None:
        raise _invalid("redo_at", _("Choose a day and a time for the redo."))
    try:
        check_redo_time(order=order, starts_at=starts_at, now=now)
    except DomainError as error:
        raise _on_field("redo_at", error) from error
    return starts_at


def _book_redo(dispute: Dispute, *, starts_at: datetime, by: User, now) -> None:
    """Book the free redo of the disputed order (call inside the settling
    transaction: if the time went meanwhile, nothing is written)."""
    try:
        redo = book_redo(
            order=dispute.order,
            starts_at=starts_at,
            by=by,
            reason=f"dispute:{dispute.public_id}",
            now=now,
        )
    except DomainError as error:
        raise _on_field("redo_at", error) from error
    dispute.redo_order = redo
    dispute.save(update_fields=["redo_order"])
    _record(dispute, "redo_booked", redo_order=redo.public_id)


def respond_to_dispute(
    *,
    user: User,
    dispute_id: str,
    answer: str,
    amount: int | None = None,
    redo_at: datetime | None = None,
    statement: str = "",
    now: datetime | None = None,
) -> Dispute:
    """The other side answers: ``accept`` the claim (settled at once: a full
    refund when the customer complained, the provider paid in full when the
    provider did), ``offer`` a refund of ``amount`` (at most what was paid;
    the opener then decides), ``redo`` — the provider offers to come back at
    ``redo_at`` (free on their calendar) and do it again for nothing, with a
    refund of ``amount`` too if given — or ``reject`` it (ops decide). Raises
    ``NotFound`` for a stranger, ``dispute_not_waiting`` for the opener or a
    dispute past this step, ``refund_too_large`` / ``invalid_input`` for a bad
    amount, ``redo_not_offered`` for a redo offered by the customer, and what
    booking at ``redo_at`` raises (``slot_taken``, ``day_off``…)."""
    now = now or timezone.now()
    dispute, side = access_dispute(user, dispute_id)
    if answer not in RESPONSES:
        raise _invalid("answer", _("Accept, offer a refund or a redo, or reject."))
    statement = _clean_statement(statement, required=False)
    if answer == "offer":
        _check_amount(amount, dispute.paid_amount, field="amount", allow_zero=False)
    if answer == "redo":
        if side != Side.PROVIDER:
            raise DomainError(
                "redo_not_offered",
                _("Only the provider can offer to redo the job."),
                fields={"answer": [_("Only the provider can offer to redo the job.")]},
            )
        amount = amount or 0
        _check_amount(amount, dispute.paid_amount, field="amount", allow_zero=True)
        redo_at = _check_redo_time(dispute.order, redo_at, now)
    with transaction.atomic():
        dispute = _lock(dispute)
        if dispute.status != Status.AWAITING_RESPONSE or side == dispute.opener_side:
            raise _not_waiting()
        dispute.response_statement = statement
        dispute.responded_at = now
        dispute.updated_at = now
        dispute.save(update_fields=["response_statement", "responded_at", "updated_at"])
        if answer == "accept":
            refund = dispute.claimed_refund
            _settle(
                dispute,
                refund=refund,
                status=Status.SETTLED,
                user=user,
                reason=statement,
                now=now,
            )
        elif answer in ("offer", "redo"):
            dispute.status = Status.OFFER_MADE
            dispute.offer_amount = amount
            dispute.offer_redo_at = redo_at if answer == "redo" else None
            dispute.offered_at = now
            dispute.respond_by = now + _response_days()
            dispute.save(
                update_fields=[
                    "status",
                    "offer_amount",
                    "offer_redo_at",
                    "offered_at",
                    "respond_by",
                ]
            )
            _record(
                dispute,
                "offer_made",
                amount=amount,
                redo_at=redo_at.isoformat() if answer == "redo" else None,
            )
        else:
            _escalate(dispute, Dispute.Escalation.REJECTED, now=now)
    return dispute


def accept_offer(
    *, user: User, dispute_id: str, now: datetime | None = None
) -> Dispute:
    """The opener takes the offer: settled at once, the offered amount back to
    the customer and the rest to the provider; an offered redo is booked. If
    its time was taken meanwhile, ``slot_taken`` is raised and nothing
    changes (the opener may still decline)."""
    now = now or timezone.now()
    dispute, side = access_dispute(user, dispute_id)
    with transaction.atomic():
        dispute = _lock(dispute)
        if dispute.status != Status.OFFER_MADE or side != dispute.opener_side:
            raise _not_waiting()
        if dispute.offer_redo_at is not None:
            _book_redo(dispute, starts_at=dispute.offer_redo_at, by=user, now=now)
        _settle(
            dispute,
            refund=dispute.offer_amount or 0,
            status=Status.SETTLED,
            user=user,
            reason="",
            now=now,
        )
    return dispute


def decline_offer(
    *, user: User, dispute_id: str, now: datetime | None = None
) -> Dispute:
    """The opener declines the offer: ops decide."""
    now = now or timezone.now()
    dispute, side = access_dispute(user, dispute_id)
    with transaction.atomic():
        dispute = _lock(dispute)
        if dispute.status != Status.OFFER_MADE or side != dispute.opener_side:
            raise _not_waiting()
        _escalate(dispute, Dispute.Escalation.OFFER_DECLINED, now=now)
    return dispute


def _escalate(dispute: Dispute, why: str, *, now: datetime) -> None:
    dispute.status = Status.ESCALATED
    dispute.escalation = why
    dispute.escalated_at = now
    dispute.respond_by = None
    dispute.updated_at = now
    dispute.save(
        update_fields=[
            "status",
            "escalation",
            "escalated_at",
            "respond_by",
            "updated_at",
        ]
    )
    _record(dispute, "escalated", why=why)


def escalate_overdue_disputes(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic job: every dispute whose side did not answer by
    ``respond_by`` goes to ops. Each in its own transaction, re-checked under
    the lock (an answer may have come in the meantime). Then the agreed redos
    that did not happen are followed up (``follow_up_failed_redos``)."""
    now = now or timezone.now()
    due = Dispute.objects.filter(
        status__in=(Status.AWAITING_RESPONSE, Status.OFFER_MADE), respond_by__lte=now
    ).values_list("pk", flat=True)
    escalated = 0
    for pk in list(due):
        with transaction.atomic():
            dispute = _lock(Dispute.objects.get(pk=pk))
            if dispute.status not in (Status.AWAITING_RESPONSE, Status.OFFER_MADE):
                continue
            if dispute.respond_by is None or dispute.respond_by > now:
                continue
            _escalate(dispute, Dispute.Escalation.NO_RESPONSE, now=now)
            escalated += 1
    return {"escalated": escalated, "redo_failed": follow_up_failed_redos(now=now)}


# A redo that ends like this did not happen through no fault of the customer's.
FAILED_REDO_STATES = (OrderState.CANCELLED, OrderState.NO_SHOW_PROVIDER)


def follow_up_failed_redos(*, now: datetime | None = None) -> int:
    """A settled dispute's free redo that the provider cancelled (or ops did),
    or did not come to, is not the end of it: a high-priority ticket about the
    order is opened for the customer, once, so the support team puts it right
    (a refund, another provider). Returns how many were followed up."""
    now = now or timezone.now()
    cancelled_by_customer = OrderEvent.objects.filter(
        transition="cancel", actor=Actor.CUSTOMER
    ).values("order")
    failed = (
        Dispute.objects.filter(
            redo_failed_at__isnull=True, redo_order__state__in=FAILED_REDO_STATES
        )
        .exclude(redo_order__in=cancelled_by_customer)
        .values_list("pk", flat=True)
    )
    followed = 0
    for pk in list(failed):
        with transaction.atomic():
            dispute = _lock(Dispute.objects.get(pk=pk))
            if dispute.redo_failed_at is not None:
                continue
            _open_redo_ticket(dispute, now=now)
            dispute.redo_failed_at = now
            dispute.save(update_fields=["redo_failed_at"])
            _record(dispute, "redo_failed", redo_order=dispute.redo_order.public_id)
            followed += 1
    return followed


def _open_redo_ticket(dispute: Dispute, *, now: datetime) -> None:
    order, redo = dispute.order, dispute.redo_order
    customer = order.customer
    # The ticket is the customer's: written in their language, as they see it.
    with translation.override(customer.language or settings.LANGUAGE_CODE):
        subject = _("The free redo of “%(title)s” did not happen") % {
            "title": order.title
        }
        body = _(
            "The redo agreed in dispute %(dispute)s (order %(redo)s) ended as "
            "“%(state)s”. Our support team will put it right."
        ) % {
            "dispute": dispute.public_id,
            "redo": redo.public_id,
            "state": redo.state_label,
        }
    open_ticket(
        requester=customer,
        subject=subject[:200],
        body=body,
        order_id=order.public_id,
        source=Ticket.Source.SYSTEM,
        priority=Ticket.Priority.HIGH,
        now=now,
    )


# --- Ops decide -----------------------------------------------------------------


def _check_amount(
    amount: int | None, paid: int, *, field: str, allow_zero: bool
) -> int:
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise _invalid(field, _("Enter the refund, in minor units."))
    if amount < 0 or (amount == 0 and not allow_zero):
        raise _invalid(field, _("Enter an amount above zero."))
    if amount > paid:
        message = _("At most what was paid.")
        raise DomainError(
            "refund_too_large",
            _("You can refund at most what was paid."),
            fields={field: [message]},
        )
    return amount


def decide_dispute(
    *,
    user: User,
    dispute_id: str,
    refund_amount: int,
    reason: str,
    penalise_provider: bool = False,
    redo_at: datetime | None = None,
    now: datetime | None = None,
) -> Dispute:
    """Ops decide a dispute that was escalated: ``refund_amount`` (0 to all
    that was paid) back to the customer, the rest to the provider, with a
    reason; with ``redo_at``, a free redo booked at that time on the
    provider's calendar; optionally the quality rule of the trust standards
    applies to the provider (a strike and its fine; needs
    ``ENFORCE_STANDARDS`` too). Audited with the decision. Raises
    ``PermissionDenied`` without ``DECIDE_DISPUTES``, ``NotFound``,
    ``dispute_not_waiting`` unless escalated, ``reason_missing`` /
    ``refund_too_large`` / ``invalid_input``, and what booking the redo
    raises (``slot_taken``…), with nothing written."""
    now = now or timezone.now()
    dispute = ops_dispute(user, dispute_id)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            "reason_missing",
            _("Give a reason."),
            fields={"reason": [_("Give a reason.")]},
        )
    if len(reason) > REASON_MAX:
        raise _invalid(
            "reason", _("At most %(count)d characters.") % {"count": REASON_MAX}
        )
    _check_amount(refund_amount, dispute.paid_amount, field="refund", allow_zero=True)
    if penalise_provider:
        require_ops_permission(user, OpsPermission.ENFORCE_STANDARDS)
    if redo_at is not None:
        _check_redo_time(dispute.order, redo_at, now)
    with transaction.atomic():
        dispute = _lock(dispute)
        if dispute.status != Status.ESCALATED:
            raise _not_waiting()
        before = {"status": dispute.status}
        if redo_at is not None:
            _book_redo(dispute, starts_at=redo_at, by=user, now=now)
        _settle(
            dispute,
            refund=refund_amount,
            status=Status.DECIDED,
            user=user,
            reason=reason,
            now=now,
        )
        dispute.decided_by = user
        dispute.decision_reason = reason
        strike = None
        if penalise_provider and dispute.order.provider is not None:
            from doorstep.trust.standards import penalise
            from doorstep.trust.standards_models import PenaltyTrigger

            strike = penalise(
                provider=dispute.order.provider,
                trigger=PenaltyTrigger.QUALITY_COMPLAINT,
                order=dispute.order,
                reason=reason,
                user=user,
                now=now,
            )
            dispute.penalised = True
        dispute.save(update_fields=["decided_by", "decision_reason", "penalised"])
        audit.record(
            actor=user,
            action=actions.DECIDE_DISPUTE,
            target=dispute,
            reason=reason,
            before=before,
            after={
                "status": dispute.status,
                "outcome": dispute.outcome,
                "refund": {"amount": refund_amount, "currency": dispute.currency},
                "redo_order": dispute.redo_order.public_id
                if dispute.redo_order is not None
                else None,
                "order": dispute.order.public_id,
                "strike": strike.public_id if strike is not None else None,
            },
        )
    return dispute


# --- Settling -------------------------------------------------------------------


def outcome_for(dispute: Dispute, refund: int) -> str:
    if refund <= 0:
        return Outcome.NO_REFUND
    if refund >= dispute.paid_amount:
        return Outcome.FULL_REFUND
    return Outcome.PARTIAL_REFUND


# The order's transition for each outcome, while the money is still held.
RESOLVING_TRANSITIONS = {
    Outcome.FULL_REFUND: "resolve_refund",
    Outcome.PARTIAL_REFUND: "resolve_split",
    Outcome.NO_REFUND: "resolve_complete",
}


def _settle(
    dispute: Dispute,
    *,
    refund: int,
    status: str,
    user: User,
    reason: str,
    now: datetime,
) -> None:
    """Close the dispute on ``refund`` and move the money (after commit,
    written down in this transaction). Call with the dispute locked."""
    order = dispute.order
    order.refresh_from_db()
    outcome = outcome_for(dispute, refund)
    data = {
        "dispute": dispute.public_id,
        "refund": {"amount": refund, "currency": dispute.currency},
        "reason": reason[:500],
    }
    if order.state == OrderState.DISPUTED:
        apply_transition(
            order_id=order.pk,
            name=RESOLVING_TRANSITIONS[outcome],
            user=user,
            system=True,
            data=data,
        )
    elif order.state in (OrderState.COMPLETED, OrderState.REFUNDED):
        if refund > 0:
            schedule_money_flow(
                order=order,
                flow="settle_dispute",
                arguments={"refund_amount": refund, "reference": dispute.public_id},
            )
    else:
        raise Conflict(
            "illegal_transition",
            _("This order cannot do that now (it is %(state)s).")
            % {"state": order.process.state(order.state).label},
        )
    dispute.status = status
    dispute.outcome = outcome
    dispute.refund_amount = refund
    dispute.respond_by = None
    dispute.closed_at = now
    dispute.updated_at = now
    dispute.save(
        update_fields=[
            "status",
            "outcome",
            "refund_amount",
            "respond_by",
            "closed_at",
            "updated_at",
        ]
    )
    _record(
        dispute,
        "settled" if status == Status.SETTLED else "decided",
        outcome=outcome,
        refund=refund,
    )
