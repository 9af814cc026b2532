""" "Download my data": everything Doorstep holds about one person, as JSON in a
zip with the pictures they uploaded.

Built on request, synchronously: one person's data is bounded (orders,
messages and notifications are read in batches of rows, not loaded with their
relations one by one) and a zip of a few hundred kilobytes is built in well
under a second. Only the account holder can ask (the views and the API pass
the signed-in user; there is no parameter naming someone else).
"""

import io
import json
import zipfile
from datetime import datetime
from pathlib import PurePosixPath

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.utils import timezone

from doorstep.legal.queries import acceptances_of
from doorstep.messaging.models import Message
from doorstep.notifications.models import Notification, NotificationPreference
from doorstep.orders.models import Order
from doorstep.payments.models import Payment, PayoutRequest
from doorstep.payments.queries import statement, wallets
from doorstep.reviews.models import Direction, Review

FORMAT_VERSION = 1


def _money(amount: int, currency: str) -> dict:
    return {"amount": amount, "currency": currency}


def _file(field, folder: str, files: dict[str, object]) -> str | None:
    """Name the file inside the zip (and remember it), or ``None``."""
    if not field:
        return None
    name = f"files/{folder}/{PurePosixPath(field.name).name}"
    files[name] = field
    return name


def _account(user, files) -> dict:
    return {
        "id": user.public_id,
        "email": user.email,
        "phone": user.phone,
        "phone_verified": user.phone_verified,
        "name": user.name,
        "photo": _file(user.photo, "account", files),
        "language": user.language,
        "time_zone": user.time_zone,
        "roles": user.roles,
        "date_joined": user.date_joined,
    }


def _provider(user, files) -> dict | None:
    provider = getattr(user, "provider_profile", None) if user.is_provider else None
    if provider is None:
        return None
    return {
        "id": provider.public_id,
        "display_name": provider.display_name,
        "bio": provider.bio,
        "photo": _file(provider.photo, "provider", files),
        "languages": provider.languages,
        "address": provider.address,
        "latitude": provider.latitude,
        "longitude": provider.longitude,
        "service_radius_km": provider.service_radius_km,
        "years_experience": provider.years_experience,
        "status": provider.status,
        "wallets": [
            {
                "currency": wallet.currency,
                "pending": wallet.pending,
                "available": wallet.available,
                "requested": wallet.requested,
                "in_transit": wallet.in_transit,
                "paid_out": wallet.paid_out,
            }
            for wallet in wallets(provider, default_currency=settings.DOORSTEP_CURRENCY)
        ],
        "statement": [
            {
                "entry": line.entry,
                "at": line.created_at,
                "kind": line.kind,
                "order": line.order,
                "account": line.account,
                "amount": _money(line.amount, line.currency),
            }
            for line in statement(provider)
        ],
        "payouts": [
            {
                "id": payout.public_id,
                "amount": _money(payout.amount, payout.currency),
                "status": payout.status,
                "requested_at": payout.created_at,
            }
            for payout in PayoutRequest.objects.filter(provider=provider)
        ],
    }


def _orders(user) -> list[dict]:
    provider = getattr(user, "provider_profile", None) if user.is_provider else None
    mine = Q(customer=user)
    if provider is not None:
        mine |= Q(provider=provider)
    orders = (
        Order.objects.filter(mine)
        .select_related("provider")
        .prefetch_related("lines")
        .order_by("created_at", "pk")
    )
    payments: dict[int, list[dict]] = {}
    for payment in Payment.objects.filter(order__in=orders).order_by("pk"):
        payments.setdefault(payment.order_id, []).append(
            {
                "kind": payment.kind,
                "status": payment.status,
                "amount": _money(payment.amount, payment.currency),
                "captured": _money(payment.captured_amount, payment.currency),
                "refunded": _money(payment.refunded_amount, payment.currency),
                "card_brand": payment.card_brand,
                "at": payment.created_at,
            }
        )
    result = []
    for order in orders:
        as_customer = order.customer_id == user.pk
        result.append(
            {
                "id": order.public_id,
                "role": "customer" if as_customer else "provider",
                "title": order.title,
                "state": order.state,
                "starts_at": order.starts_at,
                "ends_at": order.ends_at,
                "time_zone": order.time_zone,
                "address": order.address,
                "notes": order.notes,
                "provider": order.provider.display_name if order.provider else None,
                "lines": [
                    {
                        "description": line.description,
                        "quantity": line.quantity,
                        "amount": _money(line.amount, order.currency),
                    }
                    for line in order.lines.all()
                ],
                "receipt": {
                    "subtotal": _money(order.subtotal_amount, order.currency),
                    "service_fee": _money(order.service_fee_amount, order.currency),
                    "discount": _money(order.discount_amount, order.currency),
                    "tax_included": _money(order.tax_amount, order.currency),
                    "total": _money(order.total_amount, order.currency),
                    "cancellation_fee": _money(
                        order.cancellation_fee_amount, order.currency
                    ),
                },
                # A provider sees what the customer paid only through the order;
                # the card details are the customer's.
                "payments": payments.get(order.pk, []) if as_customer else [],
                "created_at": order.created_at,
            }
        )
    return result


def _messages(user, files) -> list[dict]:
    provider = getattr(user, "provider_profile", None) if user.is_provider else None
    mine = Q(conversation__customer=user)
    if provider is not None:
        mine |= Q(conversation__provider=provider)
    messages = (
        Message.objects.filter(mine)
        .select_related("conversation")
        .order_by("conversation_id", "created_at", "pk")
    )
    result = []
    for message in messages.iterator(chunk_size=500):
        own = message.sender_id == user.pk
        result.append(
            {
                "id": message.public_id,
                "conversation": message.conversation.public_id,
                "from": "you" if own else "other party",
                "text": message.body,
                "attachment": _file(message.attachment, "messages", files)
                if own
                else None,
                "at": message.created_at,
            }
        )
    return result


def _review(review: Review) -> dict:
    return {
        "id": review.public_id,
        "order": review.order.public_id,
        "direction": review.direction,
        "stars": review.stars,
        "text": review.text,
        "reply": review.reply,
        "created_at": review.created_at,
        "hidden": review.hidden_at is not None,
    }


def _reviews(user) -> dict:
    provider = getattr(user, "provider_profile", None) if user.is_provider else None
    about_me = Q(direction=Direction.PROVIDER_REVIEWS_CUSTOMER, customer=user)
    if provider is not None:
        about_me |= Q(direction=Direction.CUSTOMER_REVIEWS_PROVIDER, provider=provider)
    reviews = Review.objects.select_related("order")
    return {
        "written": [_review(r) for r in reviews.filter(author=user).order_by("pk")],
        # Only reviews already revealed: a review still sealed by the double-blind
        # window is not shown to its subject, and the export must not either.
        "received": [
            _review(r)
            for r in reviews.filter(about_me, revealed_at__isnull=False)
            .exclude(author=user)
            .order_by("pk")
        ],
    }


def _notifications(user) -> dict:
    return {
        "received": [
            {
                "id": n.public_id,
                "kind": n.kind,
                "title": n.title,
                "body": n.body,
                "at": n.created_at,
                "read_at": n.read_at,
            }
            for n in Notification.objects.filter(recipient=user).iterator(
                chunk_size=500
            )
        ],
        "preferences": [
            {"kind": p.kind, "channel": p.channel, "enabled": p.enabled}
            for p in NotificationPreference.objects.filter(user=user)
        ],
    }


def _consents(user) -> list[dict]:
    return [
        {
            "document": acceptance.version.document,
            "version": acceptance.version.number,
            "accepted_at": acceptance.accepted_at,
            "source": acceptance.source,
        }
        for acceptance in acceptances_of(user)
    ]


def export_data(user) -> dict:
    """Everything held about ``user``, JSON-able (times as ISO 8601), and the
    files to put beside it (``{name in the zip: FieldFile}``) under ``_files``."""
    files: dict[str, object] = {}
    data = {
        "format_version": FORMAT_VERSION,
        "exported_at": timezone.now(),
        "account": _account(user, files),
        "addresses": [
            {
                "label": address.label,
                "address": address.address,
                "latitude": address.latitude,
                "longitude": address.longitude,
                "is_default": address.is_default,
            }
            for address in user.addresses.all()
        ],
        "provider": _provider(user, files),
        "orders": _orders(user),
        "messages": _messages(user, files),
        "reviews": _reviews(user),
        "notifications": _notifications(user),
        "consents": _consents(user),
    }
    return {**data, "_files": files}


def export_filename(user, now: datetime | None = None) -> str:
    moment = (now or timezone.now()).strftime("%Y%m%d")
    return f"doorstep-data-{user.public_id}-{moment}.zip"


def export_zip(user) -> bytes:
    """The export as a zip: ``data.json`` and the files under ``files/``."""
    data = export_data(user)
    files = data.pop("_files")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json",
            json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        )
        for name, field in files.items():
            try:
                with field.open("rb") as handle:
                    archive.writestr(name, handle.read())
            except (FileNotFoundError, OSError):
                continue  # a file gone from storage: the JSON still names it
    return buffer.getvalue()
