"""Standards enforcement in the demo: the history's provider no-shows and late
cancellations gave strikes through the order events, the demo provider's appeal
waits for ops, and one provider is restricted — all through the services, with
the books still reconciling."""

import pytest
from django.db.models import Sum

from doorstep.accounts.models import ProviderProfile
from doorstep.catalog.queries import bookable_listings
from doorstep.demo.builders import DEMO_LOGINS, build_demo
from doorstep.payments.models import Posting
from doorstep.payments.reconciliation import reconcile
from doorstep.trust.standards_models import Appeal, StandingLevel, Strike

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_has_strikes_an_open_appeal_and_a_restricted_provider():
    report = build_demo(providers=30, customers=30, orders=24)

    assert report.standards.appeals == 1
    assert Strike.objects.values("provider").distinct().count() >= 2
    appeal = Appeal.objects.get(status=Appeal.Status.OPEN)
    assert appeal.provider.user.email == DEMO_LOGINS[1].email
    restricted = ProviderProfile.objects.get(standing__level=StandingLevel.RESTRICTED)
    assert restricted.status == ProviderProfile.Status.RESTRICTED
    assert not bookable_listings().filter(provider=restricted).exists()
    # the fines kept the books balanced and the gateway agrees
    unbalanced = (
        Posting.objects.values("entry", "currency")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
    )
    assert not unbalanced.exists()
    assert reconcile() == []
