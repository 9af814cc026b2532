"""What closing an account means beyond the accounts app, registered with
``accounts.lifecycle`` (see ``apps.py``).

The law and the ledger keep orders, their money, receipts and reviews: the
books must balance and tax records be kept, and a review stays true of the job
it describes. What identifies the person goes: their name, e-mail, phone,
photos and saved addresses (the accounts app), the address and notes on their
orders, the text and pictures of the messages they sent, what they were
notified of. Reviews stay, signed "Deleted user" (``User.__str__``).
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.fields.files import FieldFile
from django.db.models.functions import Replace
from django.utils.translation import gettext as _

from doorstep.accounts.services import DELETED_USER_NAME
from doorstep.messaging.models import Message
from doorstep.notifications.models import Notification, NotificationPreference
from doorstep.orders.models import Order
from doorstep.orders.states import OPEN_STATES
from doorstep.payments.models import AccountKind, LedgerAccount
from doorstep.payments.queries import wallets

REDACTED = "[redacted]"
# Two decimals of a degree (about a kilometre): enough for the city and region
# that tax and statistics need, not enough to find the door.
COORDINATE_DECIMALS = 2


def _provider_of(user):
    return getattr(user, "provider_profile", None) if user.is_provider else None


def open_obligations(*, user) -> list[tuple[str, str]]:
    """Why ``user`` cannot close their account now, as ``(code, message)``."""
    problems = []
    provider = _provider_of(user)
    mine = Q(customer=user)
    if provider is not None:
        mine |= Q(provider=provider)
    if Order.objects.filter(mine, state__in=OPEN_STATES).exists():
        problems.append(
            (
                "account_has_open_orders",
                _(
                    "You have bookings that are not finished yet. Complete or "
                    "cancel them first, then close your account."
                ),
            )
        )
    if provider is not None:
        owed = [
            wallet
            for wallet in wallets(provider, default_currency=settings.DOORSTEP_CURRENCY)
            if wallet.pending or wallet.available or wallet.in_transit
        ]
        # A finished job whose money has not reached the balance yet (the
        # release runs just after completion) is money to pay out too.
        in_escrow = LedgerAccount.objects.filter(
            kind=AccountKind.ORDER_ESCROW, order__provider=provider
        ).exclude(balance=0)
        if owed or in_escrow.exists():
            problems.append(
                (
                    "account_has_balance",
                    _(
                        "You still have earnings to be paid out. Request a payout "
                        "and wait until it arrives, then close your account."
                    ),
                )
            )
    return problems


def _delete_files_on_commit(files: list[FieldFile]) -> None:
    names = [(file.storage, file.name) for file in files if file]

    def delete() -> None:
        for storage, name in names:
            storage.delete(name)

    transaction.on_commit(delete)


def _scrub(queryset, fields: list[str], needles: list[str], replacement: str) -> None:
    """Replace each exact ``needle`` in ``fields`` of ``queryset``'s rows (the
    other party quoting the person's phone number, a notice naming them)."""
    for needle in needles:
        for field in fields:
            queryset.filter(**{f"{field}__contains": needle}).update(
                **{field: Replace(field, Value(needle), Value(replacement))}
            )


def erase_personal_data(*, user) -> None:
    """Redact what identifies ``user`` outside the accounts app. Runs inside
    ``accounts.services.delete_account``'s transaction, before the accounts
    app blanks the user row (so their contact details are still known)."""
    contact = [value for value in (user.email, user.phone) if value]
    provider = _provider_of(user)
    theirs = Q(conversation__customer=user)
    involved = Q(customer=user)
    if provider is not None:
        theirs |= Q(conversation__provider=provider)
        involved |= Q(provider=provider)
    _scrub(Message.objects.filter(theirs), ["body", "original_body"], contact, REDACTED)
    _scrub(Order.objects.filter(involved), ["notes"], contact, REDACTED)
    # Other people's notices name the person ("Cora asked to book …"); only a
    # full name is replaced: a short one would match ordinary words.
    if len(user.name.strip()) >= 4:
        _scrub(
            Notification.objects.exclude(recipient=user),
            ["title", "body"],
            [user.name.strip()],
            DELETED_USER_NAME,
        )
    files: list[FieldFile] = [user.photo]
    if provider is not None:
        files.append(provider.photo)
    sent = Message.objects.filter(sender=user)
    for message in sent.exclude(attachment=""):
        files += [message.attachment, message.attachment_thumbnail]
    sent.update(
        body=REDACTED,
        original_body="",
        masked_kinds=[],
        attachment="",
        attachment_thumbnail="",
        attachment_width=None,
        attachment_height=None,
    )
    for order in Order.objects.filter(customer=user).only(
        "pk", "latitude", "longitude"
    ):
        Order.objects.filter(pk=order.pk).update(
            address=REDACTED,
            notes="",
            latitude=round(order.latitude, COORDINATE_DECIMALS),
            longitude=round(order.longitude, COORDINATE_DECIMALS),
        )
    Notification.objects.filter(recipient=user).delete()
    NotificationPreference.objects.filter(user=user).delete()
    _delete_files_on_commit(files)
