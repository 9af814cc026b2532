"""Favourites and recommendations in the demo, through the real services.

Customers who came back to a provider save that provider, and the service
they booked most; some also looked at other services of the same kind near
their address. Then the neighbours and openings are computed as the periodic
job does, so "For you", "Similar services" and the Saved page make sense from
the first start: the demo customer's home page suggests services like the
ones in their order history, near their saved address.
"""

import random
from collections import Counter
from datetime import datetime

from doorstep.accounts.models import User
from doorstep.core.errors import DomainError
from doorstep.orders.models import Order
from doorstep.orders.states import OrderState
from doorstep.recommendations import services
from doorstep.search.models import SearchDocument

# Besides the demo login, this many customers with completed orders save.
SAVERS = 60
VIEWS_PER_SAVER = 4


def seed_favourites(
    *, logins: dict[str, User], seed: int, now: datetime
) -> dict[str, int]:
    """Favourites and views for the demo customer and others with a past;
    returns what was made and the rebuild's counts."""
    rng = random.Random(seed + 23)
    completed = Order.objects.filter(
        state=OrderState.COMPLETED, listing__isnull=False
    ).values_list("customer_id", "listing_id", "provider_id")
    history: dict[int, Counter] = {}
    providers: dict[int, Counter] = {}
    for customer_id, listing_id, provider_id in completed:
        history.setdefault(customer_id, Counter())[listing_id] += 1
        providers.setdefault(customer_id, Counter())[provider_id] += 1
    customer_ids = sorted(history)
    rng.shuffle(customer_ids)
    demo = logins["customer"].pk
    chosen = [demo, *[c for c in customer_ids if c != demo][:SAVERS]]
    users = User.objects.in_bulk(chosen)
    docs = list(SearchDocument.objects.values_list("listing_id", "category_id"))
    by_category: dict[int, list[int]] = {}
    for listing_id, category_id in docs:
        by_category.setdefault(category_id, []).append(listing_id)
    category_of = dict(docs)
    public = dict(SearchDocument.objects.values_list("listing_id", "public_id"))
    provider_public = dict(
        SearchDocument.objects.values_list("provider_id", "provider_public_id")
    )
    saved = viewed = 0
    for customer_id in chosen:
        customer = users.get(customer_id)
        if customer is None or customer_id not in history:
            continue
        for listing_id, _count in history[customer_id].most_common(2):
            if listing_id in public:
                try:
                    services.save_favourite(
                        customer=customer, listing_id=public[listing_id]
                    )
                    saved += 1
                except DomainError:
                    pass
        provider_id, _count = providers[customer_id].most_common(1)[0]
        if provider_id in provider_public:
            services.save_favourite(
                customer=customer, provider_id=provider_public[provider_id]
            )
            saved += 1
        for listing_id in history[customer_id]:
            siblings = by_category.get(category_of.get(listing_id), [])
            for other in rng.sample(siblings, min(VIEWS_PER_SAVER, len(siblings))):
                services.record_visit(customer=customer, listing_id=other)
                viewed += 1
    counts = services.rebuild_neighbours(now=now)
    return {"favourites": saved, "views": viewed, **counts}
