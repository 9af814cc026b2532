"""Which channels each kind of notification uses unless the person chose otherwise.

In-app is always on. E-mail is on for order changes, reviews and payouts and off
for new messages (a busy conversation would flood the inbox). SMS is offered only
for the urgent kinds — things that matter within the hour — and is absent (not
just off) for the rest.
"""

from dataclasses import dataclass

from doorstep.accounts.models import User
from doorstep.notifications.models import Channel, Kind, NotificationPreference

E, S = Channel.EMAIL, Channel.SMS

DEFAULTS: dict[Kind, dict[Channel, bool]] = {
    Kind.BOOKING_REQUEST: {E: True, S: True},
    Kind.BOOKING_CONFIRMED: {E: True, S: True},
    Kind.BOOKING_DECLINED: {E: True},
    Kind.ORDER_CANCELLED: {E: True, S: True},
    Kind.PROVIDER_ON_THE_WAY: {E: True, S: True},
    Kind.REMINDER: {E: True, S: True},
    Kind.JOB_DONE: {E: True},
    Kind.ORDER_UPDATE: {E: True},
    Kind.NEW_MESSAGE: {E: False},
    Kind.REVIEW: {E: True},
    Kind.PAYOUT: {E: True},
    Kind.OPS_ALERT: {E: True},
    Kind.VERIFICATION: {E: True},
    # Standards enforcement: strikes, fines, suspensions, appeal decisions.
    Kind.STANDARDS: {E: True},
    # A new version of the terms: people are owed notice by e-mail too.
    Kind.POLICY: {E: True},
    # A job offered by the platform waits a minute or two for an answer.
    Kind.JOB_OFFER: {E: False, S: True},
    Kind.AGENCY: {E: True},
    # The support team answered a ticket: people wait for it, so by e-mail too.
    Kind.SUPPORT_REPLY: {E: True},
    # A day after a job: one short question, by e-mail unless turned off.
    Kind.FOLLOW_UP_SURVEY: {E: True},
    # A dispute waits on an answer within days: e-mail, not only in-app.
    Kind.DISPUTE_UPDATE: {E: True},
    # A job request waits hours for a quote: e-mail and SMS, like a booking.
    Kind.QUOTE_UPDATE: {E: True, S: True},
    # Good news that waits: in-app and by e-mail, never by SMS.
    Kind.REWARDS: {E: True},
    # A failed plan payment needs a new card within days: e-mail too.
    Kind.PLAN: {E: True},
}
# Kinds only ops staff receive (and see among their preferences).
STAFF_ONLY = frozenset({Kind.OPS_ALERT})


def is_offered(kind: str, channel: str) -> bool:
    return channel in DEFAULTS.get(Kind(kind), {})


def _choices_of(user: User) -> dict[tuple[str, str], bool]:
    rows = NotificationPreference.objects.filter(user=user).values_list(
        "kind", "channel", "enabled"
    )
    return {(kind, channel): enabled for kind, channel, enabled in rows}


def enabled_channels(user: User, kind: str) -> list[Channel]:
    """The channels besides in-app that ``user`` wants ``kind`` on."""
    chosen = _choices_of(user)
    return [
        channel
        for channel, default in DEFAULTS[Kind(kind)].items()
        if chosen.get((kind, channel.value), default)
    ]


@dataclass(frozen=True)
class PreferenceRow:
    kind: Kind
    email: bool
    sms: bool | None  # None: SMS is not offered for this kind

    @property
    def label(self) -> str:
        return str(self.kind.label)


def preference_grid(user: User) -> list[PreferenceRow]:
    """Every kind with the person's effective choice per channel."""
    chosen = _choices_of(user)
    rows = []
    for kind, defaults in DEFAULTS.items():
        if kind in STAFF_ONLY and not user.is_staff:
            continue
        values: dict[Channel, bool | None] = {}
        for channel in Channel:
            if channel in defaults:
                values[channel] = chosen.get(
                    (kind.value, channel.value), defaults[channel]
                )
            else:
                values[channel] = None
        rows.append(PreferenceRow(kind=kind, email=bool(values[E]), sms=values[S]))
    return rows
