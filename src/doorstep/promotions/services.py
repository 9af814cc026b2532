"""Every write of paid promotion: buying one (fixed days or a daily budget),
pausing, resuming and cancelling it (with the refund of whole unused days),
ops ending it, counting what it earned and charging what a daily budget spent.

Locks, always in this order: the listing row (``catalog.services.lock_own_listing``
or ``_lock_listing``), then the promotion row, then the ledger's accounts."""

import hashlib
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import User
from doorstep.audit.services import record
from doorstep.backoffice.access import OpsPermission, require_ops_permission
from doorstep.catalog.models import Category, Listing
from doorstep.catalog.services import lock_own_listing
from doorstep.core.errors import Conflict, DomainError, NotFound
from doorstep.events.services import record_event
from doorstep.marketplace.models import City
from doorstep.payments import flows
from doorstep.payments.ledger import Leg, ledger_account, post_entry
from doorstep.payments.models import AccountKind, JournalEntry, LedgerAccount
from doorstep.promotions.audit_actions import END_PROMOTION
from doorstep.promotions.models import (
    MAX_DAYS,
    MIN_DAYS,
    REPEAT_CLICK_MINUTES,
    Promotion,
    PromotionClick,
    PromotionDay,
)
from doorstep.promotions.pricing import promotion_price
from doorstep.search.indexing import index_listing

K = AccountKind
PROMOTION_REFUND = "promotion_refund"
# The most a daily budget may be, in minor units (a typo guard, not a policy).
MAX_DAILY_BUDGET = 100_000_000


def refund_key(promotion_id: str) -> str:
    return f"promotion_refund:{promotion_id}"


def day_charge_id(promotion: Promotion, day: date) -> str:
    """What ``flows.charge_promotion`` keys one day of a daily budget by."""
    return f"{promotion.public_id}:{day.isoformat()}"


def local_day(promotion: Promotion, now: datetime) -> date:
    """The promotion's day at ``now``: its budget is counted per this day."""
    return timezone.localtime(now, ZoneInfo(promotion.time_zone)).date()


def _invalid(field: str, message: str) -> DomainError:
    return DomainError("invalid_input", message, status=400, fields={field: [message]})


def _check_days(days: object) -> int:
    if (
        isinstance(days, bool)
        or not isinstance(days, int)
        or not (MIN_DAYS <= days <= MAX_DAYS)
    ):
        message = _("Choose between %(low)d and %(high)d days.") % {
            "low": MIN_DAYS,
            "high": MAX_DAYS,
        }
        raise DomainError(
            "invalid_input", message, status=400, fields={"days": [message]}
        )
    return days


def _check_amount(value: object, field: str, *, low: int) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not (low <= value <= MAX_DAILY_BUDGET)
    ):
        raise _invalid(
            field,
            _("Enter a whole amount of minor units from %(low)d.") % {"low": low},
        )
    return value


def _targets(
    cities: list[str] | None, categories: list[str] | None
) -> tuple[list[City], list[Category]]:
    """The cities and categories named by slug; 422 ``unknown_target`` naming
    the unknown ones (well-formed slugs the marketplace does not have)."""
    city_slugs = sorted(set(cities or []))
    category_slugs = sorted(set(categories or []))
    found_cities = list(City.objects.filter(slug__in=city_slugs, is_active=True))
    found_categories = list(Category.objects.filter(slug__in=category_slugs))
    fields: dict[str, list[str]] = {}
    if len(found_cities) != len(city_slugs):
        fields["cities"] = [_("Unknown city.")]
    if len(found_categories) != len(category_slugs):
        fields["categories"] = [_("Unknown category.")]
    if fields:
        raise DomainError(
            "unknown_target",
            _("Some targets are not valid."),
            status=422,
            fields=fields,
        )
    return found_cities, found_categories


def buy_promotion(
    *,
    user: User,
    listing_id: str,
    days: int,
    request_key: str = "",
    mode: str = Promotion.Mode.FIXED_DAYS,
    daily_budget: int = 0,
    cost_per_click: int = 0,
    cities: list[str] | None = None,
    categories: list[str] | None = None,
) -> Promotion:
    """Promote the user's published listing for ``days`` (1–30).

    Fixed days (the default): after its current fixed-days promotion if one
    runs, from now otherwise; charges the price (``pricing.promotion_price``)
    to the provider through the ledger. Daily budget: from now, at most
    ``days`` days, ``cost_per_click`` per valid click and at most
    ``daily_budget`` a day, charged per day once the day is over
    (``charge_finished_days``); one live daily budget per listing (409
    ``promotion_budget_running``). ``cities`` / ``categories`` (slugs) limit where it
    shows as promoted; none means everywhere.

    Extends ``promoted_until`` and reindexes the listing, in one transaction.
    A repeat with the same ``request_key`` returns the first purchase and
    charges nothing. Raises ``NotFound`` unless ``user`` owns the listing,
    ``DomainError`` ``not_published`` for a listing not in search, and
    ``invalid_input`` for days, amounts or targets out of range. Locks the
    listing row (the catalog's lock), then the provider's accounts."""
    days = _check_days(days)
    if mode not in Promotion.Mode.values:
        raise _invalid("mode", _("Choose fixed days or a daily budget."))
    if mode == Promotion.Mode.DAILY_BUDGET:
        # What the mode asks of the amounts is a rule no schema states: 422.
        try:
            cost_per_click = _check_amount(cost_per_click, "cost_per_click", low=1)
            daily_budget = _check_amount(daily_budget, "daily_budget", low=1)
        except DomainError as error:
            raise DomainError(
                "invalid_budget", error.message, status=422, fields=error.fields
            ) from None
        if daily_budget < cost_per_click:
            message = _("The daily budget must pay for at least one click.")
            raise DomainError(
                "invalid_budget",
                message,
                status=422,
                fields={"daily_budget": [message]},
            )
    else:
        daily_budget = cost_per_click = 0
    target_cities, target_categories = _targets(cities, categories)
    request_key = (request_key or "")[:80]
    with transaction.atomic():
        listing = lock_own_listing(user, listing_id)
        if request_key:
            earlier = Promotion.objects.filter(
                listing=listing, request_key=request_key
            ).first()
            if earlier is not None:
                return earlier
        if listing.status != Listing.Status.PUBLISHED:
            raise DomainError(
                "not_published", _("Only a published service can be promoted.")
            )
        now = timezone.now()
        if mode == Promotion.Mode.DAILY_BUDGET:
            if Promotion.objects.filter(
                listing=listing,
                mode=mode,
                status__in=[Promotion.Status.ACTIVE, Promotion.Status.PAUSED],
            ).exists():
                raise Conflict(
                    "promotion_budget_running",
                    _("This service already has a daily budget; cancel it first."),
                )
            starts_at, per_day, total = now, 0, 0
        else:
            last_end = (
                Promotion.objects.filter(
                    listing=listing,
                    mode=Promotion.Mode.FIXED_DAYS,
                    status=Promotion.Status.ACTIVE,
                    ends_at__gt=now,
                )
                .order_by("-ends_at")
                .values_list("ends_at", flat=True)
                .first()
            )
            starts_at = max(now, last_end or now)
            price_per_day, price_total = promotion_price(listing=listing, days=days)
            per_day, total = price_per_day.amount, price_total.amount
        promotion = Promotion(
            listing=listing,
            mode=mode,
            days=days,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(days=days),
            day_price=per_day,
            total=total,
            currency=listing.currency,
            daily_budget=daily_budget,
            cost_per_click=cost_per_click,
            time_zone=listing.provider.time_zone or "UTC",
            request_key=request_key,
        )
        try:
            with transaction.atomic():
                promotion.save()
        except IntegrityError:
            if request_key:
                # The same request, committed by a concurrent twin after our read.
                twin = Promotion.objects.filter(
                    listing=listing, request_key=request_key
                ).first()
                if twin is not None:
                    return twin
            raise Conflict(
                "promotion_budget_running",
                _("This service already has a daily budget; cancel it first."),
            ) from None
        promotion.cities.set(target_cities)
        promotion.categories.set(target_categories)
        if total > 0:
            entry = flows.charge_promotion(
                provider=listing.provider,
                promotion_id=promotion.public_id,
                amount=total,
                currency=promotion.currency,
            )
            promotion.charged_entry_key = entry.idempotency_key
            promotion.save(update_fields=["charged_entry_key"])
        sync_promoted_until(listing, now=now)
        record_event(
            topic="listing.promoted",
            subject=promotion.public_id,
            payload={
                "listing": listing.public_id,
                "mode": mode,
                "days": days,
                "ends_at": promotion.ends_at.isoformat(),
                "total": total,
                "daily_budget": daily_budget,
                "cost_per_click": cost_per_click,
                "currency": promotion.currency,
            },
        )
    return promotion


def sync_promoted_until(listing: Listing, *, now: datetime) -> None:
    """Set ``listing.promoted_until`` (what search reads) from its promotions
    and reindex it if that changed: the end of the unbroken run of active
    promotions that covers ``now``, leaving out a daily budget spent for
    today. Call with the listing row locked."""
    until = now
    promotions = Promotion.objects.filter(
        listing=listing, status=Promotion.Status.ACTIVE, ends_at__gt=now
    ).order_by("starts_at", "pk")
    for promotion in promotions:
        if promotion.is_daily_budget and promotion.spent_out_on == local_day(
            promotion, now
        ):
            continue
        if promotion.starts_at <= until:
            until = max(until, promotion.ends_at)
    promoted_until = until if until > now else None
    if listing.promoted_until != promoted_until:
        listing.promoted_until = promoted_until
        listing.save(update_fields=["promoted_until", "updated_at"])
        index_listing(listing)


def _lock_listing(listing_id: int) -> Listing:
    return (
        Listing.objects.select_for_update(of=("self",))
        .select_related("provider")
        .get(pk=listing_id)
    )


def _lock_own_promotion(user: User, promotion_id: str) -> tuple[Listing, Promotion]:
    """The user's promotion with its listing, both rows locked (listing first).
    ``NotFound`` for someone else's, as for one that does not exist."""
    found = (
        Promotion.objects.filter(
            public_id=promotion_id, listing__provider__user_id=user.pk
        )
        .values_list("listing_id", flat=True)
        .first()
        if isinstance(promotion_id, str)
        else None
    )
    if found is None:
        raise NotFound("not_found", _("No such promotion."))
    listing = _lock_listing(found)
    promotion = Promotion.objects.select_for_update().get(public_id=promotion_id)
    return listing, promotion


def access_own_promotion(*, user: User, promotion_id: str) -> Promotion:
    """The user's promotion, for reading; ``NotFound`` for anyone else's."""
    promotion = (
        Promotion.objects.select_related("listing")
        .filter(public_id=promotion_id, listing__provider__user_id=user.pk)
        .first()
        if isinstance(promotion_id, str)
        else None
    )
    if promotion is None:
        raise NotFound("not_found", _("No such promotion."))
    return promotion


def pause_promotion(*, user: User, promotion_id: str) -> Promotion:
    """The provider pauses their running or queued promotion: not shown as
    promoted, no clicks charged, until resumed. A fixed-days promotion's days
    keep passing (they were bought as dates). 409 ``promotion_not_active`` otherwise."""
    with transaction.atomic():
        listing, promotion = _lock_own_promotion(user, promotion_id)
        if not promotion.can_pause():
            raise Conflict(
                "promotion_not_active", _("Only an active promotion can be paused.")
            )
        now = timezone.now()
        promotion.status = Promotion.Status.PAUSED
        promotion.stopped_at = now
        promotion.save(update_fields=["status", "stopped_at"])
        sync_promoted_until(listing, now=now)
        record_event(topic="promotion.paused", subject=promotion.public_id, payload={})
    return promotion


def resume_promotion(*, user: User, promotion_id: str) -> Promotion:
    """Undo a pause: active again (ended if its last day passed meanwhile).
    409 ``promotion_not_paused`` for a promotion that is not paused."""
    with transaction.atomic():
        listing, promotion = _lock_own_promotion(user, promotion_id)
        if not promotion.can_resume():
            raise Conflict(
                "promotion_not_paused", _("Only a paused promotion can be resumed.")
            )
        now = timezone.now()
        promotion.status = (
            Promotion.Status.ACTIVE
            if promotion.ends_at > now
            else Promotion.Status.ENDED
        )
        promotion.stopped_at = None
        promotion.save(update_fields=["status", "stopped_at"])
        sync_promoted_until(listing, now=now)
        record_event(topic="promotion.resumed", subject=promotion.public_id, payload={})
    return promotion


def unused_days(promotion: Promotion, now: datetime) -> int:
    """Whole days of a fixed-days promotion not yet begun at ``now``: what
    cancelling now gives back."""
    if promotion.is_daily_budget:
        return 0
    left = promotion.ends_at - max(now, promotion.starts_at)
    return max(0, min(promotion.days, left // timedelta(days=1)))


def _refund_days(promotion: Promotion, days: int) -> JournalEntry | None:
    """Give back ``days`` × the day price of a charged fixed-days promotion,
    first cancelling what the provider still owes, then to the available
    balance. Once per promotion (keyed ``refund_key``)."""
    amount = days * promotion.day_price
    if amount <= 0 or not promotion.charged_entry_key:
        return None
    key = refund_key(promotion.public_id)
    existing = JournalEntry.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    provider = promotion.listing.provider
    currency = promotion.currency
    receivable = ledger_account(
        kind=K.PROVIDER_RECEIVABLE, currency=currency, provider=provider
    )
    owed = (
        LedgerAccount.objects.select_for_update()
        .values_list("balance", flat=True)
        .get(pk=receivable.pk)
    )
    forgiven = min(amount, max(owed, 0))
    legs = [
        Leg(ledger_account(kind=K.PROMOTION_REVENUE, currency=currency), amount),
        Leg(receivable, -forgiven),
        Leg(
            ledger_account(
                kind=K.PROVIDER_AVAILABLE, currency=currency, provider=provider
            ),
            -(amount - forgiven),
        ),
    ]
    return post_entry(
        kind=PROMOTION_REFUND,
        legs=[leg for leg in legs if leg.amount],
        idempotency_key=key,
        description=promotion.public_id,
    )


def _stop(listing: Listing, promotion: Promotion, *, reason: str) -> Promotion:
    """Cancel ``promotion`` (rows locked): refund its whole unused days,
    re-point search. A repeat on a cancelled promotion changes nothing."""
    now = timezone.now()
    days = unused_days(promotion, now)
    promotion.status = Promotion.Status.CANCELLED
    promotion.stopped_at = now
    promotion.end_reason = reason[:500]
    promotion.refunded_days = days
    entry = _refund_days(promotion, days)
    promotion.refund_entry_key = entry.idempotency_key if entry else ""
    promotion.save(
        update_fields=[
            "status",
            "stopped_at",
            "end_reason",
            "refunded_days",
            "refund_entry_key",
        ]
    )
    sync_promoted_until(listing, now=now)
    record_event(
        topic="promotion.cancelled",
        subject=promotion.public_id,
        payload={
            "refunded_days": days,
            "refund": days * promotion.day_price,
            "currency": promotion.currency,
        },
    )
    return promotion


def cancel_promotion(*, user: User, promotion_id: str) -> Promotion:
    """The provider cancels their promotion. Fixed days: the whole days not yet
    begun are refunded (``unused_days`` × day price) through the ledger.
    Daily budget: nothing more is spent; today's spend is charged by the next
    ``charge_finished_days``. Cancelling a cancelled promotion again returns
    it unchanged (no second refund); an ended one is 409 ``promotion_not_active``."""
    with transaction.atomic():
        listing, promotion = _lock_own_promotion(user, promotion_id)
        if promotion.status == Promotion.Status.CANCELLED:
            return promotion
        if not promotion.can_cancel():
            raise Conflict(
                "promotion_not_active", _("This promotion has already ended.")
            )
        return _stop(listing, promotion, reason="")


def end_promotion(*, actor: User, promotion_id: str, reason: str) -> Promotion:
    """Ops end a provider's promotion (a misleading listing, a complaint),
    with a reason, refunded as a cancellation and audited. Needs
    ``OpsPermission.ENFORCE_STANDARDS`` (403); a reason (400); 409
    ``promotion_not_active`` for one already over."""
    require_ops_permission(actor, OpsPermission.ENFORCE_STANDARDS)
    reason = (reason or "").strip()
    if not reason:
        raise _invalid("reason", _("Say why the promotion is ended."))
    found = (
        Promotion.objects.filter(public_id=promotion_id)
        .values_list("listing_id", flat=True)
        .first()
        if isinstance(promotion_id, str)
        else None
    )
    if found is None:
        raise NotFound("not_found", _("No such promotion."))
    with transaction.atomic():
        listing = _lock_listing(found)
        promotion = Promotion.objects.select_for_update().get(public_id=promotion_id)
        if not promotion.can_cancel():
            raise Conflict(
                "promotion_not_active", _("This promotion has already ended.")
            )
        before = {"status": promotion.status}
        _stop(listing, promotion, reason=reason)
        record(
            actor=actor,
            action=END_PROMOTION,
            target=promotion,
            reason=reason,
            before=before,
            after={
                "status": promotion.status,
                "refunded_days": promotion.refunded_days,
            },
        )
    return promotion


def end_finished_promotions(*, now: datetime | None = None) -> int:
    """The periodic job (every 15 minutes): mark promotions whose last day
    passed as ended, charge the daily budgets' finished days
    (``charge_finished_days``) and promote again the daily budgets whose spent
    day is over. Returns how many promotions ended."""
    now = now or timezone.now()
    finished = list(
        Promotion.objects.filter(
            status__in=[Promotion.Status.ACTIVE, Promotion.Status.PAUSED],
            ends_at__lte=now,
        ).values_list("pk", "listing_id")
    )
    ended = Promotion.objects.filter(pk__in=[pk for pk, _listing in finished]).update(
        status=Promotion.Status.ENDED
    )
    charge_finished_days(now=now)
    spent_out = Promotion.objects.filter(
        mode=Promotion.Mode.DAILY_BUDGET,
        status=Promotion.Status.ACTIVE,
        spent_out_on__isnull=False,
    )
    for promotion in spent_out:
        if promotion.spent_out_on < local_day(promotion, now):
            with transaction.atomic():
                listing = _lock_listing(promotion.listing_id)
                Promotion.objects.filter(pk=promotion.pk).update(spent_out_on=None)
                sync_promoted_until(listing, now=now)
    # A purchase queued behind one that was paused or cancelled starts after a
    # gap: search learns of it here (within one run of the job).
    started = (
        Promotion.objects.filter(
            status=Promotion.Status.ACTIVE,
            starts_at__lte=now,
            ends_at__gt=now,
            spent_out_on__isnull=True,
        )
        .filter(
            Q(listing__promoted_until__isnull=True)
            | Q(listing__promoted_until__lt=F("ends_at"))
        )
        .values_list("listing_id", flat=True)
        .distinct()
    )
    for listing_id in list(started):
        with transaction.atomic():
            sync_promoted_until(_lock_listing(listing_id), now=now)
    return ended


def charge_finished_days(*, now: datetime | None = None) -> int:
    """Charge each daily-budget day that is over (or whose promotion stopped)
    and spent something: one ledger entry per day, keyed by the promotion and
    the day, from the provider's balance (what it cannot cover is owed).
    Idempotent. Returns how many days it charged."""
    now = now or timezone.now()
    charged = 0
    candidates = PromotionDay.objects.filter(spend__gt=0, charged_entry_key="")
    for day_id in candidates.values_list("pk", flat=True):
        with transaction.atomic():
            day = (
                PromotionDay.objects.select_for_update()
                .select_related("promotion__listing__provider")
                .get(pk=day_id)
            )
            promotion = day.promotion
            if day.charged_entry_key or (
                day.day >= local_day(promotion, now)
                and promotion.status == Promotion.Status.ACTIVE
            ):
                continue
            entry = flows.charge_promotion(
                provider=promotion.listing.provider,
                promotion_id=day_charge_id(promotion, day.day),
                amount=day.spend,
                currency=promotion.currency,
            )
            day.charged_entry_key = entry.idempotency_key
            day.save(update_fields=["charged_entry_key"])
            charged += 1
    return charged


# --- Counting: impressions, clicks ---------------------------------------------------


def _running(listing_ids: list[int], now: datetime) -> list[Promotion]:
    if not listing_ids:
        return []
    return list(
        Promotion.objects.filter(
            listing_id__in=listing_ids,
            status=Promotion.Status.ACTIVE,
            starts_at__lte=now,
            ends_at__gt=now,
        ).order_by("listing_id", "mode", "starts_at")
    )


def _charged_promotion(promotions: list[Promotion]) -> dict[int, Promotion]:
    """Per listing, the one promotion a page view is counted for: a fixed-days
    one if it runs (already paid for), else the daily budget."""
    chosen: dict[int, Promotion] = {}
    for promotion in promotions:
        current = chosen.get(promotion.listing_id)
        if current is None or (
            current.is_daily_budget and not promotion.is_daily_budget
        ):
            chosen[promotion.listing_id] = promotion
    return chosen


def _day_row(promotion: Promotion, day: date) -> None:
    PromotionDay.objects.bulk_create(
        [PromotionDay(promotion=promotion, day=day, budget=promotion.daily_budget)],
        ignore_conflicts=True,
    )


def count_impressions(*, listing_ids: list[int]) -> None:
    """The promoted hits a results page showed: one impression each for the
    promotion running now (one ``UPDATE`` per promotion)."""
    now = timezone.now()
    for promotion in _charged_promotion(_running(listing_ids, now)).values():
        today = local_day(promotion, now)
        _day_row(promotion, today)
        PromotionDay.objects.filter(promotion=promotion, day=today).update(
            impressions=F("impressions") + 1
        )


def visitor_key(*, user_id: int | None, session_key: str | None, address: str) -> str:
    """Who clicked, as a hash (no personal data kept): the signed-in user, else
    the browser session, else the network address."""
    if user_id:
        raw = f"user:{user_id}"
    elif session_key:
        raw = f"session:{session_key}"
    else:
        raw = f"address:{address}"
    return hashlib.sha256(raw.encode()).hexdigest()[:64]


def count_click(
    *, listing_id: int, visitor: str = "", user: User | None = None
) -> PromotionClick | None:
    """A listing opened from a results page while promoted. Not counted (nor
    charged) when the provider opens their own listing, or the same
    ``visitor`` opened it within ``REPEAT_CLICK_MINUTES``. A daily budget's
    click costs ``cost_per_click``, added to the day's spend by one conditional
    ``UPDATE`` that refuses to pass the day's budget (and a check constraint
    behind it), so concurrent clicks never overspend; once the budget cannot
    pay another click the listing is not promoted for the rest of the day.
    Returns the click recorded (``None`` if no promotion runs)."""
    now = timezone.now()
    promotion = _charged_promotion(_running([listing_id], now)).get(listing_id)
    if promotion is None:
        return None
    visitor = visitor or "anonymous"
    with transaction.atomic():
        outcome, cost = PromotionClick.Outcome.COUNTED, 0
        if user is not None and user.is_authenticated:
            is_own = Listing.objects.filter(
                pk=listing_id, provider__user_id=user.pk
            ).exists()
        else:
            is_own = False
        repeat = PromotionClick.objects.filter(
            promotion=promotion,
            visitor=visitor,
            at__gt=now - timedelta(minutes=REPEAT_CLICK_MINUTES),
            outcome=PromotionClick.Outcome.COUNTED,
        ).exists()
        today = local_day(promotion, now)
        if is_own:
            outcome = PromotionClick.Outcome.OWN
        elif repeat:
            outcome = PromotionClick.Outcome.REPEAT
        else:
            _day_row(promotion, today)
            day = PromotionDay.objects.filter(promotion=promotion, day=today)
            if promotion.is_daily_budget:
                cost = promotion.cost_per_click
                paid = day.filter(
                    spend__lte=F("budget") - cost, charged_entry_key=""
                ).update(clicks=F("clicks") + 1, spend=F("spend") + cost)
                if not paid:
                    outcome, cost = PromotionClick.Outcome.BUDGET_SPENT, 0
            else:
                day.update(clicks=F("clicks") + 1)
        click = PromotionClick.objects.create(
            promotion=promotion, visitor=visitor, at=now, cost=cost, outcome=outcome
        )
        if promotion.is_daily_budget and (
            outcome == PromotionClick.Outcome.BUDGET_SPENT
            or (
                outcome == PromotionClick.Outcome.COUNTED
                and PromotionDay.objects.filter(
                    promotion=promotion,
                    day=today,
                    spend__gt=F("budget") - promotion.cost_per_click,
                ).exists()
            )
        ):
            _spent_out(promotion, today, now)
    return click


def _spent_out(promotion: Promotion, today: date, now: datetime) -> None:
    """The day's budget cannot pay another click: stop promoting the listing
    until the next day (the periodic job promotes it again). Takes the
    listing lock before touching the promotion row, as every writer does."""
    listing = _lock_listing(promotion.listing_id)
    updated = Promotion.objects.filter(
        Q(spent_out_on__isnull=True) | Q(spent_out_on__lt=today), pk=promotion.pk
    ).update(spent_out_on=today)
    if updated:
        sync_promoted_until(listing, now=now)
