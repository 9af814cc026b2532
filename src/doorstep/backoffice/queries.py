"""What the ops console reads: the search across people, providers, orders and
listings; everything about one user; the audit trail page. Each read checks
the caller's ops role first (``require_ops_permission``), so no surface can
forget to."""

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from doorstep.accounts.models import ProviderProfile, User
from doorstep.accounts.services import normalize_phone
from doorstep.audit.models import AuditEntry
from doorstep.audit.queries import entries_for, search_entries
from doorstep.audit.services import target_key
from doorstep.backoffice.access import OpsPermission, require_ops_permission
from doorstep.backoffice.queues import OpsQueue, queue_by_key
from doorstep.catalog.models import Listing
from doorstep.core.errors import DomainError, NotFound
from doorstep.events.models import Event
from doorstep.messaging.models import Conversation, Message, MessageFlag
from doorstep.orders.models import Order
from doorstep.payments.models import JournalEntry, Payment, PayoutRequest
from doorstep.payments.queries import Wallet, entries_for_order, wallets
from doorstep.reviews.models import Direction, Review
from doorstep.trust.badges import badges_of

# Results per kind: a search is for finding one thing, not for browsing.
RESULTS_PER_KIND = 20
# Orders and reviews shown on a user's page (the counts say how many in all).
ROWS_PER_SECTION = 25
# The highest code point: ``value < prefix + TOP`` bounds every string that
# starts with ``prefix``.
TOP = "\U0010ffff"
PUBLIC_ID = re.compile(r"^(usr|prv|ord|lst)_[A-Za-z0-9]*$")
PHONE = re.compile(r"^\+?[\d\s().-]{5,}$")


def _prefixed(field_name: str, prefix: str) -> Q:
    """Values of ``field_name`` that start with ``prefix``, as a range on the
    field's B-tree index. ``startswith`` is a ``LIKE``, which SQLite cannot run
    on an ordinary index; a range can, on SQLite and on PostgreSQL (C
    collation) alike."""
    return Q(**{f"{field_name}__gte": prefix, f"{field_name}__lt": prefix + TOP})


@dataclass
class SearchResults:
    query: str
    users: list[User] = field(default_factory=list)
    providers: list[ProviderProfile] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    listings: list[Listing] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.users or self.providers or self.orders or self.listings)


def search(*, user: User, query: str) -> SearchResults:
    """Users, providers, orders and listings matching ``query``: a public id or
    its start (``usr_``, ``prv_``, ``ord_``, ``lst_``), an e-mail address or its
    start, a phone number (any common format) or its start, the start of a
    person's or a provider's name, or of a listing's title (any case).

    Every lookup is a range on an index (the ``*_search`` indexes on the
    lowered names and titles), so the search stays fast with 100,000 users.
    Raises ``PermissionDenied`` unless ``user``'s ops role may look people up.
    """
    require_ops_permission(user, OpsPermission.VIEW_PEOPLE)
    query = query.strip()[:120]
    results = SearchResults(query)
    if len(query) < 2:
        return results
    if PUBLIC_ID.match(query):
        _by_public_id(results, query)
    elif "@" in query:
        results.users = _first(
            User.objects.filter(_prefixed("email", query.lower())).order_by("email")
        )
    elif PHONE.match(query):
        # Stored in E.164: the number as typed with its country code (with or
        # without the "+"), or a national number of the default region.
        digits = re.sub(r"\D", "", query)
        starts = {"+" + digits, _e164(query)} - {""}
        condition = Q()
        for start in starts:
            condition |= _prefixed("phone", start)
        results.users = _first(User.objects.filter(condition).order_by("phone"))
    else:
        text = query.lower()
        results.users = _first(
            User.objects.alias(key=Lower("name"))
            .filter(_prefixed("key", text))
            .order_by("key")
        )
        results.providers = _first(
            ProviderProfile.objects.alias(key=Lower("display_name"))
            .filter(_prefixed("key", text))
            .select_related("user")
            .order_by("key")
        )
        results.listings = _first(
            Listing.objects.alias(key=Lower("title"))
            .filter(_prefixed("key", text))
            .select_related("provider")
            .order_by("key")
        )
    return results


def _first(queryset: QuerySet) -> list:
    return list(queryset[:RESULTS_PER_KIND])


def _e164(raw: str) -> str:
    try:
        return normalize_phone(raw)
    except DomainError:
        return ""


def _by_public_id(results: SearchResults, query: str) -> None:
    kind = query[:3]
    if kind == "usr":
        results.users = _first(
            User.objects.filter(_prefixed("public_id", query)).order_by("public_id")
        )
    elif kind == "prv":
        results.providers = _first(
            ProviderProfile.objects.filter(_prefixed("public_id", query))
            .select_related("user")
            .order_by("public_id")
        )
    elif kind == "ord":
        results.orders = _first(
            Order.objects.filter(_prefixed("public_id", query))
            .select_related("customer", "provider")
            .order_by("public_id")
        )
    else:
        results.listings = _first(
            Listing.objects.filter(_prefixed("public_id", query))
            .select_related("provider")
            .order_by("public_id")
        )


# --- One user ---------------------------------------------------------------------


@dataclass
class UserDossier:
    """Everything ops may need about one person, for their page."""

    person: User
    roles: list[str]
    provider: ProviderProfile | None
    badges: list
    listings: list[Listing]
    orders_as_customer: list[Order]
    orders_as_customer_count: int
    orders_as_provider: list[Order]
    orders_as_provider_count: int
    balances: list[Wallet]
    payouts: list[PayoutRequest]
    reviews_written: list[Review]
    reviews_received: list[Review]
    flags: list[MessageFlag]
    messages_sent: int
    audit_entries: list[AuditEntry]


def user_dossier(*, user: User, public_id: str) -> UserDossier:
    """The page of the person ``public_id``. Raises ``PermissionDenied`` unless
    ``user``'s ops role may look people up, ``NotFound`` if nobody has that id."""
    require_ops_permission(user, OpsPermission.VIEW_PEOPLE)
    person = (
        User.objects.filter(public_id=public_id)
        .select_related("provider_profile")
        .prefetch_related("groups")
        .first()
    )
    if person is None:
        raise NotFound("not_found", _("No such user."))
    provider = getattr(person, "provider_profile", None)
    as_customer = (
        Order.objects.filter(customer=person)
        .select_related("provider")
        .order_by("-created_at")
    )
    as_provider = (
        Order.objects.filter(provider=provider)
        .select_related("customer")
        .order_by("-created_at")
        if provider
        else Order.objects.none()
    )
    written = Review.objects.filter(author=person).select_related("order")
    about_them = Q(customer=person, direction=Direction.PROVIDER_REVIEWS_CUSTOMER)
    if provider:
        about_them |= Q(
            provider=provider, direction=Direction.CUSTOMER_REVIEWS_PROVIDER
        )
    received = Review.objects.filter(about_them)
    targets = [person, provider] if provider else [person]
    return UserDossier(
        person=person,
        roles=[str(group) for group in person.groups.all()],
        provider=provider,
        badges=badges_of(provider) if provider else [],
        listings=list(Listing.objects.filter(provider=provider)) if provider else [],
        orders_as_customer=list(as_customer[:ROWS_PER_SECTION]),
        orders_as_customer_count=as_customer.count(),
        orders_as_provider=list(as_provider[:ROWS_PER_SECTION]),
        orders_as_provider_count=as_provider.count() if provider else 0,
        balances=(
            wallets(provider, default_currency=settings.DOORSTEP_CURRENCY)
            if provider
            else []
        ),
        payouts=(
            list(
                PayoutRequest.objects.filter(provider=provider)
                .select_related("batch")
                .order_by("-created_at")[:ROWS_PER_SECTION]
            )
            if provider
            else []
        ),
        reviews_written=list(written.order_by("-created_at")[:ROWS_PER_SECTION]),
        reviews_received=list(
            received.select_related("author", "order").order_by("-created_at")[
                :ROWS_PER_SECTION
            ]
        ),
        flags=list(MessageFlag.objects.filter(sender=person).order_by("-created_at")),
        messages_sent=Message.objects.filter(sender=person).count(),
        audit_entries=list(_entries_about(targets)[:100]),
    )


def _entries_about(targets: list) -> QuerySet[AuditEntry]:
    condition = Q()
    for target in targets:
        target_type, target_id = target_key(target)
        condition |= Q(target_type=target_type, target_id=target_id)
    return AuditEntry.objects.filter(condition)


def provider_user_id(*, user: User, public_id: str) -> str:
    """The public id of the person behind provider ``public_id``."""
    require_ops_permission(user, OpsPermission.VIEW_PEOPLE)
    found = (
        ProviderProfile.objects.filter(public_id=public_id)
        .values_list("user__public_id", flat=True)
        .first()
    )
    if found is None:
        raise NotFound("not_found", _("No such provider."))
    return found


# --- The audit trail --------------------------------------------------------------


def audit_trail(
    *,
    user: User,
    text: str = "",
    action: str = "",
    actor: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEntry]:
    """Entries matching every filter, newest first. ``actor`` is an e-mail
    address (as the trail recorded it) or ``system``. Raises
    ``PermissionDenied`` unless ``user``'s ops role reads the audit trail."""
    require_ops_permission(user, OpsPermission.VIEW_AUDIT)
    entries = search_entries(text=text, action=action, since=since, until=until)
    if actor:
        entries = entries.filter(actor_label__iexact=actor)
    return entries


# --- Queues -----------------------------------------------------------------------

QUEUE_PAGE_SIZE = 50
# What each queue's page shows of an item, fetched with it.
QUEUE_RELATED = {
    "reported_reviews": ("review", "review__author", "review__provider", "reporter"),
    "failed_money_flows": ("order",),
    "disputed_orders": ("customer", "provider"),
    "unplaced_dispatch_orders": ("order", "order__customer", "service", "city"),
}


def queue_page(
    *, user: User, key: str, number: str | int | None
) -> tuple[OpsQueue, Page]:
    """Page ``number`` of queue ``key``'s items, oldest first. Raises
    ``NotFound`` for an unknown queue and ``PermissionDenied`` unless ``user``'s
    ops role sees it.

    The page's ids are found first on the queue's own table (an index walk,
    however deep the page), then only those rows are loaded with what the page
    shows of them: a late page of 10,000 items does not join 10,000 rows."""
    queue = queue_by_key(key)
    if queue is None:
        raise NotFound("not_found", _("No such queue."))
    if queue.permission is not None:
        require_ops_permission(user, queue.permission)
    ids = queue.waiting().order_by(queue.since_field, "pk").values_list("pk", flat=True)
    page = Paginator(ids, QUEUE_PAGE_SIZE).get_page(number)
    wanted = list(page.object_list)
    rows = queue.waiting().model.objects.filter(pk__in=wanted)
    related = QUEUE_RELATED.get(key)
    if related:
        rows = rows.select_related(*related)
    found = rows.in_bulk()
    page.object_list = [found[pk] for pk in wanted if pk in found]
    return queue, page


# --- One order --------------------------------------------------------------------


@dataclass
class OrderDossier:
    """What the ops order page adds to the order's own history: its money,
    its domain events, its conversation and its audit entries."""

    payments: list[Payment]
    journal: list[JournalEntry]
    events: list[Event]
    conversation: Conversation | None
    messages: int
    audit_entries: list[AuditEntry]


def order_dossier(*, user: User, order: Order) -> OrderDossier:
    """Raises ``PermissionDenied`` unless ``user``'s ops role may look people
    (and so their orders' money and messages) up."""
    require_ops_permission(user, OpsPermission.VIEW_PEOPLE)
    conversation = Conversation.objects.filter(order=order).first()
    return OrderDossier(
        payments=list(Payment.objects.filter(order=order).order_by("pk")),
        journal=list(
            entries_for_order(order)
            .prefetch_related("postings__account")
            .order_by("pk")
        ),
        events=list(Event.objects.filter(subject=order.public_id).order_by("pk")),
        conversation=conversation,
        messages=(
            Message.objects.filter(conversation=conversation).count()
            if conversation
            else 0
        ),
        audit_entries=list(entries_for(order)[:100]),
    )
