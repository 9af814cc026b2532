"""Every write of the notifications app: making notifications from an event,
sending their deliveries (once), reading them, choosing channels."""

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from doorstep.accounts.models import User
from doorstep.core.errors import DomainError
from doorstep.events.models import Event
from doorstep.notifications import channels, preferences, queries, wording
from doorstep.notifications.consumers import Planned
from doorstep.notifications.models import (
    Channel,
    Delivery,
    Kind,
    Notification,
    NotificationPreference,
)

logger = logging.getLogger(__name__)

PENDING, SENT, FAILED = (
    Delivery.Status.PENDING,
    Delivery.Status.SENT,
    Delivery.Status.FAILED,
)


# --- Making notifications -----------------------------------------------------------


def notify_about_event(
    *, event: Event, planned: Sequence[Planned]
) -> list[Notification]:
    """Make the notifications ``planned`` for ``event`` and queue their deliveries.

    Idempotent, because events arrive at least once: each notification is
    created on its unique key ``(event, recipient, kind)``; a repeat finds it and
    makes no new delivery. It only queues again the deliveries still pending and
    due — so a crash between commit and queueing loses nothing, and a duplicate
    task finds its delivery sent (see ``send_delivery``).

    Titles and bodies are rendered now, in each recipient's language.
    """
    now = timezone.now()
    due: list[int] = []
    made: list[Notification] = []
    with transaction.atomic():
        for plan in planned:
            recipient = plan.recipient
            with translation.override(recipient.language):
                title, body = wording.render(plan.wording, plan.params)
            notification, created = Notification.objects.get_or_create(
                event=event,
                recipient=recipient,
                kind=plan.kind,
                defaults={
                    "title": title[:200],
                    "body": body,
                    "url": plan.url,
                    "created_at": now,
                },
            )
            made.append(notification)
            if not created:
                due.extend(
                    notification.deliveries.filter(
                        status=PENDING, next_attempt_at__lte=now
                    ).values_list("pk", flat=True)
                )
                continue
            for channel in preferences.enabled_channels(recipient, plan.kind):
                if channels.can_reach(recipient, channel):
                    delivery = Delivery.objects.create(
                        notification=notification, channel=channel, next_attempt_at=now
                    )
                    due.append(delivery.pk)
        transaction.on_commit(lambda: _queue(due))
    return made


def _queue(delivery_ids: list[int], run_after: datetime | None = None) -> None:
    from doorstep.notifications.tasks import deliver_notification

    for delivery_id in delivery_ids:
        if run_after is None:
            deliver_notification.enqueue(delivery_id)
        elif deliver_notification.get_backend().supports_defer:
            deliver_notification.using(run_after=run_after).enqueue(delivery_id)
        # Otherwise (a backend without delayed tasks) the sweep retries it.


# --- Sending ------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    """1, 4, 16, 64… times the base delay after the 1st, 2nd, 3rd… failure."""
    base = settings.DOORSTEP_NOTIFICATION_RETRY_SECONDS
    return timedelta(seconds=base * 4 ** (attempts - 1))


def send_delivery(*, delivery_id: int, now: datetime | None = None) -> str | None:
    """Send one delivery, at most once; return its status after (None: gone).

    Locks the delivery row for the whole attempt, so a second task for the same
    delivery waits and then finds it sent (or not yet due) and does nothing.
    The send happens under the lock on purpose: sending and marking sent are one
    step. E-mail only enqueues the worker's mail task — a row written in this
    very transaction with the database task backend — so the two commit
    together; SMS calls the carrier.

    A failure is recorded and retried after ``retry_delay``; after
    ``DOORSTEP_NOTIFICATION_MAX_ATTEMPTS`` attempts (or at once when the person
    has no address on the channel) the delivery is ``failed``.
    """
    now = now or timezone.now()
    retry_at = None
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None:
            return None
        if delivery.status != PENDING:
            return delivery.status
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
            return delivery.status  # a duplicate task ahead of the retry's time
        notification = Notification.objects.select_related("recipient").get(
            pk=delivery.notification_id
        )
        delivery.attempts += 1
        try:
            channels.send(notification, delivery.channel)
        except channels.Unreachable as error:
            delivery.status = FAILED
            delivery.next_attempt_at = None
            delivery.last_error = str(error)
        except Exception as error:  # any failure of a mail server or an SMS carrier
            logger.warning(
                "delivery %s (%s) failed, attempt %s: %s",
                delivery.pk,
                delivery.channel,
                delivery.attempts,
                error,
            )
            delivery.last_error = f"{type(error).__name__}: {error}"[:500]
            if delivery.attempts >= settings.DOORSTEP_NOTIFICATION_MAX_ATTEMPTS:
                delivery.status = FAILED
                delivery.next_attempt_at = None
            else:
                retry_at = now + retry_delay(delivery.attempts)
                delivery.next_attempt_at = retry_at
        else:
            delivery.status = SENT
            delivery.sent_at = now
            delivery.next_attempt_at = None
            delivery.last_error = ""
        delivery.save(
            update_fields=[
                "status",
                "attempts",
                "last_error",
                "next_attempt_at",
                "sent_at",
            ]
        )
        if retry_at is not None:
            transaction.on_commit(lambda: _queue([delivery_id], run_after=retry_at))
    return delivery.status


def retry_due_deliveries(
    *,
    now: datetime | None = None,
    overdue_by: timedelta = timedelta(0),
    limit: int = 500,
) -> int:
    """The sweep: try every pending delivery due at least ``overdue_by`` ago
    (its own task was lost, or the backend cannot delay tasks). Returns how many
    it sent."""
    now = now or timezone.now()
    due = Delivery.objects.filter(
        status=PENDING, next_attempt_at__lte=now - overdue_by
    ).values_list("pk", flat=True)[:limit]
    return sum(send_delivery(delivery_id=pk, now=now) == SENT for pk in list(due))


# --- Reading ------------------------------------------------------------------------


@transaction.atomic
def mark_read(*, user: User, notification_id: str) -> Notification:
    """Mark one of ``user``'s notifications read (again: no change). Raises
    ``NotFound`` for anyone else's."""
    notification = queries.find_notification(user, notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def mark_all_read(*, user: User) -> int:
    """Mark every unread notification of ``user`` read; return how many."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- Choosing channels --------------------------------------------------------------


@transaction.atomic
def set_preferences(*, user: User, choices: Mapping[tuple[str, str], bool]) -> None:
    """Turn channels on or off per kind: ``{(kind, channel): enabled}``.

    Raises ``DomainError`` 400 ``unknown_preference`` for a kind or channel that
    does not exist, 422 ``channel_not_offered`` for a channel the kind does not
    offer (SMS is only for urgent kinds: a rule, not a shape). In-app is
    not a channel here: it cannot be turned off.
    """
    for (kind, channel), enabled in choices.items():
        if kind not in Kind.values or channel not in Channel.values:
            message = _("There is no such kind of notification or channel.")
            raise DomainError(
                "unknown_preference", message, status=400, fields={kind: [message]}
            )
        if not preferences.is_offered(kind, channel):
            message = _("%(channel)s is not offered for “%(kind)s”.") % {
                "channel": Channel(channel).label,
                "kind": Kind(kind).label,
            }
            raise DomainError("channel_not_offered", message, fields={kind: [message]})
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, channel=channel, defaults={"enabled": enabled}
        )
