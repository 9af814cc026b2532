"""The rollups recomputed the slow, obvious way: every source row read into
Python and counted, with no SQL aggregation, no day ranges and none of the
incremental bookkeeping. The tests compare the fact tables with this."""

from collections import defaultdict
from datetime import timedelta

from doorstep.analytics.models import (
    DailyDurationFacts,
    DailyDurationPlaceFacts,
    DailyDurationTotalFacts,
    DailyMoneyFacts,
    DailyMoneyPlaceFacts,
    DailyOrderFacts,
    DailyOrderPlaceFacts,
    DailyProviderFacts,
    DailyProviderPlaceFacts,
    DailySatisfactionFacts,
    DailySatisfactionPlaceFacts,
    DailySearchFacts,
    DailySearchPlaceFacts,
)
from doorstep.analytics.rollups import (
    ACTIVATION_DAYS,
    Slicer,
    day_of,
    duration_bucket,
    order_durations,
)
from doorstep.orders.models import Order, OrderEvent
from doorstep.payments.models import JournalEntry, Payment
from doorstep.reviews.models import Review
from doorstep.support.models import SurveyResponse

UNPAID = {"awaiting_payment", "payment_expired"}
TABLES = {
    "orders": DailyOrderFacts,
    "money": DailyMoneyFacts,
    "satisfaction": DailySatisfactionFacts,
    "searches": DailySearchFacts,
    "providers": DailyProviderFacts,
    "durations": DailyDurationFacts,
}
KEYS = {
    "orders": ("day", "category", "city", "cell", "currency"),
    "money": ("day", "category", "city", "cell", "currency"),
    "satisfaction": ("day", "category", "city", "cell"),
    "searches": ("day", "category", "city", "cell"),
    "providers": ("day", "category", "city", "cell"),
    "durations": ("day", "category", "city", "cell", "measure", "bucket"),
}
# The coarser grains: ``family@grain`` is the cell-grain family summed over
# the key columns it drops.
COARSER = {
    "orders@place": (DailyOrderPlaceFacts, "orders", ("cell",)),
    "money@place": (DailyMoneyPlaceFacts, "money", ("cell",)),
    "satisfaction@place": (DailySatisfactionPlaceFacts, "satisfaction", ("cell",)),
    "searches@place": (DailySearchPlaceFacts, "searches", ("cell",)),
    "providers@place": (DailyProviderPlaceFacts, "providers", ("cell",)),
    "durations@place": (DailyDurationPlaceFacts, "durations", ("cell",)),
    "durations@total": (
        DailyDurationTotalFacts,
        "durations",
        ("category", "city", "cell"),
    ),
}
for _name, (_model, _family, _dropped) in COARSER.items():
    TABLES[_name] = _model
    KEYS[_name] = tuple(key for key in KEYS[_family] if key not in _dropped)


def stored() -> dict[str, dict]:
    """The fact tables as ``{family: {key: {column: value}}}``, rows that are
    all zeros left out."""
    result = {}
    for family, model in TABLES.items():
        keys = KEYS[family]
        rows = {}
        for row in model.objects.values():
            row.pop("id")
            key = tuple(row.pop(name) for name in keys)
            values = {name: value for name, value in row.items() if value}
            if values:
                rows[key] = values
        result[family] = rows
    return result


def _slice(order: Order | None, slicer: Slicer) -> tuple:
    if order is None:
        return "", "", 0
    category = order.listing.category.slug if order.listing_id else ""
    return (category, *slicer.place(order.latitude, order.longitude))


def recompute() -> dict[str, dict]:
    slicer = Slicer()
    facts: dict[str, dict] = {
        family: defaultdict(lambda: defaultdict(int)) for family in TABLES
    }
    orders = list(Order.objects.select_related("listing__category").order_by("pk"))
    bookings = [o for o in orders if o.state not in UNPAID and o.redo_of_id is None]
    first = {}
    for order in sorted(bookings, key=lambda o: (o.created_at, o.pk)):
        first.setdefault(order.customer_id, order.pk)
    for order in orders:
        key = (day_of(order.created_at), *_slice(order, slicer))
        row = facts["orders"][(*key, order.currency)]
        row["placed"] += 1
        if order in bookings:
            row["bookings"] += 1
            if first[order.customer_id] == order.pk:
                row["first_bookings"] += 1
            else:
                row["repeat_bookings"] += 1
        paid = any(
            p.kind == "order"
            and p.status in {"captured", "refunded"}
            and p.captured_amount > 0
            for p in Payment.objects.filter(order=order)
        )
        if paid:
            row["gmv_orders"] += 1
            row["gmv_amount"] += order.subtotal_amount
        row["completed"] += order.state == "completed"
        row["cancelled"] += order.state == "cancelled"
        row["no_shows"] += order.state in {"no_show_customer", "no_show_provider"}
        row["unfilled"] += order.state in {"declined", "expired"}
        history = [
            (e.from_state, e.to_state, e.created_at)
            for e in OrderEvent.objects.filter(order=order).order_by("created_at", "pk")
        ]
        row["disputed"] += any(step[1] == "disputed" for step in history)
        for measure, seconds in order_durations(history).items():
            bucket = facts["durations"][(*key, measure, duration_bucket(seconds))]
            bucket["count"] += 1
            bucket["seconds_sum"] += int(seconds)
    for entry in JournalEntry.objects.select_related("order__listing__category"):
        key = (day_of(entry.created_at), *_slice(entry.order, slicer))
        for posting in entry.postings.select_related("account"):
            row = facts["money"][(*key, posting.currency)]
            account, amount = posting.account.kind, posting.amount
            if account == "gateway_funds" and entry.kind == "capture":
                row["captured"] += amount
            elif account == "gateway_funds" and entry.kind == "refund":
                row["refunded"] -= amount
            elif account == "commission_revenue":
                row["commission"] -= amount
            elif account == "service_fee_revenue":
                row["service_fees"] -= amount
            elif account == "cancellation_fee_revenue":
                row["cancellation_fees"] -= amount
    for review in Review.objects.select_related("order__listing__category"):
        if review.direction != "customer_reviews_provider" or review.hidden_at:
            continue
        row = facts["satisfaction"][
            (day_of(review.created_at), *_slice(review.order, slicer))
        ]
        row["reviews"] += 1
        row["stars_sum"] += review.stars
    for answer in SurveyResponse.objects.select_related("invitation__order"):
        order = answer.invitation.order
        row = facts["satisfaction"][
            (day_of(answer.answered_at), *_slice(order, slicer))
        ]
        row["csat_answers"] += 1
        row["csat_sum"] += answer.csat
        if answer.nps is not None:
            row["nps_answers"] += 1
            row["nps_promoters"] += answer.nps >= 9
            row["nps_detractors"] += answer.nps <= 6
    from doorstep.accounts.models import ProviderProfile
    from doorstep.analytics.models import SearchRecord

    for record in SearchRecord.objects.all():
        row = facts["searches"][
            (day_of(record.created_at), record.category, record.city, record.cell)
        ]
        row["searches"] += 1
        row["zero_result"] += record.results == 0
    for provider in ProviderProfile.objects.all():
        row = facts["providers"][
            (
                day_of(provider.created_at),
                "",
                *slicer.place(provider.latitude, provider.longitude),
            )
        ]
        row["new_providers"] += 1
        completions = [
            e.created_at
            for e in OrderEvent.objects.filter(
                order__provider=provider, to_state="completed"
            )
        ]
        if completions and min(completions) - provider.created_at <= timedelta(
            days=ACTIVATION_DAYS
        ):
            row["activated"] += 1
    for name, (_model, family, _dropped) in COARSER.items():
        keep = [KEYS[family].index(key) for key in KEYS[name]]
        for key, row in list(facts[family].items()):
            coarse = facts[name][tuple(key[i] for i in keep)]
            for column, value in row.items():
                coarse[column] += value
    return {
        family: {
            key: {name: value for name, value in row.items() if value}
            for key, row in rows.items()
            if any(row.values())
        }
        for family, rows in facts.items()
    }


def cohorts() -> set[tuple]:
    """(role, party, month, cohort, orders) for every party and active month."""
    from doorstep.analytics.rollups import month_of

    months: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
    for order in Order.objects.all():
        if order.state not in UNPAID and order.redo_of_id is None:
            months[("customer", order.customer_id)][month_of(order.created_at)] += 1
    for event in OrderEvent.objects.filter(to_state="completed").select_related(
        "order"
    ):
        if event.order.provider_id:
            months[("provider", event.order.provider_id)][
                month_of(event.created_at)
            ] += 1
    return {
        (role, party, month, min(counts), n)
        for (role, party), counts in months.items()
        for month, n in counts.items()
    }


def stored_cohorts() -> set[tuple]:
    from doorstep.analytics.models import CohortActivity

    return set(
        CohortActivity.objects.values_list(
            "role", "party_id", "month", "cohort", "orders"
        )
    )
