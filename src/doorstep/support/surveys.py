"""Follow-up after a service (回访): inviting the customer of each completed
order once, a day after, and taking their answer — which opens a ticket when
the score is low, so that somebody calls them back.

The invitation is sent by the notifications app from the ``survey.invited``
event (``doorstep.support.consumers``), after commit, like every notice."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from doorstep.accounts.models import User
from doorstep.core.errors import Conflict, DomainError, NotFound
from doorstep.events.services import record_event
from doorstep.orders.models import Order
from doorstep.orders.states import OrderState
from doorstep.support.models import SurveyInvitation, SurveyResponse, Ticket
from doorstep.support.models.surveys import CSAT_MAX, CSAT_MIN, NPS_MAX, NPS_MIN
from doorstep.support.tickets import open_ticket

SURVEY_INVITED = "survey.invited"
SURVEY_ANSWERED = "survey.answered"
COMMENT_MAX = 2000
BATCH = 500


def nps_is_due(order: Order) -> bool:
    """Whether ``order`` is the customer's N-th, 2N-th … completed order
    (``DOORSTEP_NPS_EVERY_N_ORDERS``), counted in the order they completed."""
    every = settings.DOORSTEP_NPS_EVERY_N_ORDERS
    if every <= 0:
        return False
    done_before = Order.objects.filter(
        Q(state_changed_at__lt=order.state_changed_at)
        | Q(state_changed_at=order.state_changed_at, pk__lte=order.pk),
        customer_id=order.customer_id,
        state=OrderState.COMPLETED,
    ).count()
    return done_before % every == 0


def invite_to_survey(*, order: Order, now: datetime | None = None):
    """Invite the customer of completed ``order`` to the survey, once: a second
    call (or a concurrent one) finds the invitation and returns ``None``."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            invitation = SurveyInvitation.objects.create(
                order=order,
                customer_id=order.customer_id,
                asks_nps=nps_is_due(order),
                invited_at=now,
            )
            record_event(
                topic=SURVEY_INVITED,
                subject=invitation.public_id,
                payload={"order": order.public_id, "asks_nps": invitation.asks_nps},
            )
    except IntegrityError:
        return None
    return invitation


def orders_due_a_survey(now: datetime):
    """Completed orders whose customer has not been asked, completed at least
    ``DOORSTEP_SURVEY_DELAY_HOURS`` ago and at most that plus
    ``DOORSTEP_SURVEY_MAX_AGE_DAYS`` (a first run after deploying does not ask
    about last year's jobs), oldest first."""
    latest = now - timedelta(hours=settings.DOORSTEP_SURVEY_DELAY_HOURS)
    earliest = latest - timedelta(days=settings.DOORSTEP_SURVEY_MAX_AGE_DAYS)
    return Order.objects.filter(
        state=OrderState.COMPLETED,
        state_changed_at__lte=latest,
        state_changed_at__gt=earliest,
        survey_invitation__isnull=True,
        # A closed account is not asked anything.
        customer__is_active=True,
    ).order_by("state_changed_at", "pk")


def send_follow_up_surveys(*, now: datetime | None = None) -> dict[str, int]:
    """Periodic job ``send_follow_up_surveys``: invite every customer whose
    order is due one (at most ``BATCH`` a run; the next run takes the rest)."""
    now = now or timezone.now()
    invited = with_nps = 0
    for order in orders_due_a_survey(now)[:BATCH]:
        invitation = invite_to_survey(order=order, now=now)
        if invitation is not None:
            invited += 1
            with_nps += invitation.asks_nps
    return {"invited": invited, "with_nps": with_nps}


# --- Answering ------------------------------------------------------------------------


def access_invitation(user: User, invitation_id: str) -> SurveyInvitation:
    """The invitation ``invitation_id`` if ``user`` is the customer it asks;
    ``NotFound`` ``survey_not_found`` for anyone else (a stranger learns
    nothing, not even that it exists)."""
    invitation = (
        SurveyInvitation.objects.filter(public_id=invitation_id, customer=user)
        .select_related("order", "order__provider", "response")
        .first()
        if user.is_authenticated
        else None
    )
    if invitation is None:
        raise NotFound("survey_not_found", _("No such survey."))
    return invitation


def _score(value, low: int, high: int, field: str, errors: dict) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high or isinstance(value, bool):
        errors[field] = [
            _("Choose a number from %(low)d to %(high)d.") % {"low": low, "high": high}
        ]
        return None
    return number


def is_low_score(csat: int, nps: int | None) -> bool:
    return csat <= settings.DOORSTEP_SURVEY_LOW_CSAT or (
        nps is not None and nps <= settings.DOORSTEP_SURVEY_LOW_NPS
    )


def _open_follow_up_ticket(response: SurveyResponse, now: datetime) -> Ticket:
    invitation = response.invitation
    customer = invitation.customer
    # The ticket is the customer's: written in their language, as they see it.
    with translation.override(customer.language or settings.LANGUAGE_CODE):
        subject = _("Low score after “%(title)s”") % {"title": invitation.order.title}
        scores = _("Satisfaction: %(csat)d of 5.") % {"csat": response.csat}
        if response.nps is not None:
            scores += " " + _("Would recommend us: %(nps)d of 10.") % {
                "nps": response.nps
            }
        body = "\n\n".join([scores, response.comment or _("No comment was left.")])
    return open_ticket(
        requester=customer,
        subject=subject[:200],
        body=body,
        order_id=invitation.order.public_id,
        source=Ticket.Source.SURVEY,
        priority=Ticket.Priority.HIGH,
        now=now,
    )


@transaction.atomic
def answer_survey(
    *,
    user: User,
    invitation_id: str,
    csat,
    nps=None,
    comment: str = "",
    now: datetime | None = None,
) -> SurveyResponse:
    """Record the customer's answer, once. CSAT (1–5) is always asked; NPS
    (0–10) only where the invitation asks it, and then required. A low score
    (``is_low_score``) opens one high-priority ticket about the order.

    Raises ``NotFound`` ``survey_not_found`` (not the customer's),
    ``Conflict`` ``survey_already_answered``, ``DomainError``
    ``invalid_input`` per field — with nothing written."""
    now = now or timezone.now()
    invitation = access_invitation(user, invitation_id)
    SurveyInvitation.objects.select_for_update().filter(pk=invitation.pk).get()
    if SurveyResponse.objects.filter(invitation=invitation).exists():
        raise Conflict(
            "survey_already_answered",
            _("You answered this survey already. Thank you!"),
        )
    errors: dict[str, list[str]] = {}
    csat_value = _score(csat, CSAT_MIN, CSAT_MAX, "csat", errors)
    if csat_value is None and "csat" not in errors:
        errors["csat"] = [_("Choose how satisfied you are, from 1 to 5.")]
    nps_value = None
    if invitation.asks_nps:
        nps_value = _score(nps, NPS_MIN, NPS_MAX, "nps", errors)
        if nps_value is None and "nps" not in errors:
            errors["nps"] = [_("Choose how likely you are to recommend us.")]
    elif nps not in (None, ""):
        errors["nps"] = [_("This survey does not ask this question.")]
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        errors["comment"] = [
            _("At most %(count)d characters.") % {"count": COMMENT_MAX}
        ]
    if errors:
        raise DomainError(
            "invalid_input", _("Some fields are not valid."), fields=errors
        )
    response = SurveyResponse.objects.create(
        invitation=invitation,
        csat=csat_value,
        nps=nps_value,
        comment=comment,
        answered_at=now,
    )
    if is_low_score(csat_value, nps_value):
        response.ticket = _open_follow_up_ticket(response, now)
        response.save(update_fields=["ticket"])
    record_event(
        topic=SURVEY_ANSWERED,
        subject=invitation.public_id,
        payload={
            "order": invitation.order.public_id,
            "csat": csat_value,
            "nps": nps_value,
            "ticket": response.ticket.public_id if response.ticket else None,
        },
    )
    return response
