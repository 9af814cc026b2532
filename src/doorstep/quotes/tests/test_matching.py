"""Who a request goes to: category (and subcategories), service area,
documents when the operator requires them, free time in the wanted dates and
times of day, never the customer, never a restricted provider, never more than
the operator's N — best ranked first."""

import pytest

from doorstep.accounts.models import ProviderProfile
from doorstep.core.errors import DomainError
from doorstep.marketplace.models import MarketplaceSettings
from doorstep.quotes.tests.helpers import post, quoting_listing
from doorstep.scheduling import services as scheduling
from doorstep.trust.models import DocumentRequirement, DocumentType
from tests.factories import make_category, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def repairs():
    return make_category("home-repairs")


def invited(request) -> list:
    return [i.listing for i in request.invitations.order_by("rank")]


def test_never_more_than_the_operators_n_best_ranked_first(repairs):
    MarketplaceSettings.objects.update(quote_invitations=3, version=50)
    listings = [
        quoting_listing(repairs, at=(31.2304 + k * 0.004, 121.4737)) for k in range(6)
    ]

    request = post(make_user(), repairs)

    assert invited(request) == listings[:3]  # the nearest (all else equal)
    assert request.invitations_limit == 3


def test_subcategories_are_matched_and_other_categories_are_not(repairs):
    plumbing = make_category("plumbing", parent=repairs)
    other = quoting_listing(make_category("tutoring"))
    sub = quoting_listing(plumbing)

    request = post(make_user(), repairs)

    assert invited(request) == [sub]
    assert other not in invited(request)


def test_outside_the_listings_radius_is_not_matched(repairs):
    quoting_listing(repairs, at=(31.2304, 121.4737), radius_km=2)
    far_reach = quoting_listing(repairs, at=(31.2600, 121.4737), radius_km=10)

    request = post(make_user(), repairs, latitude=31.2700, longitude=121.4737)

    assert invited(request) == [far_reach]


def test_a_provider_with_no_free_time_in_the_window_is_not_matched(repairs):
    busy = quoting_listing(repairs)
    free = quoting_listing(repairs, at=(31.2320, 121.4750))
    scheduling.replace_weekly_rules(provider=busy.provider, rules=[])

    request = post(make_user(), repairs)

    assert invited(request) == [free]


def test_times_of_day_narrow_the_match(repairs):
    mornings = quoting_listing(repairs, hours=("08:00", "11:00"))
    evenings = quoting_listing(
        repairs, at=(31.2320, 121.4750), hours=("17:00", "21:00")
    )

    request = post(make_user(), repairs, times_of_day=["evening"])

    assert invited(request) == [evenings]
    assert mornings not in invited(request)


def test_never_the_customer_nor_a_restricted_provider(repairs):
    own = quoting_listing(repairs)
    restricted = quoting_listing(repairs, at=(31.2320, 121.4750))
    ProviderProfile.objects.filter(pk=restricted.provider_id).update(
        status=ProviderProfile.Status.RESTRICTED
    )
    fine = quoting_listing(repairs, at=(31.2330, 121.4760))

    request = post(own.provider.user, repairs)

    assert invited(request) == [fine]


def test_documents_the_category_requires_when_the_operator_requires_them(
    repairs, settings
):
    settings.DOORSTEP_REQUIRE_VERIFIED_DOCUMENTS = True
    licence = DocumentType.objects.create(code="trade_licence", name_en="Licence")
    DocumentRequirement.objects.create(
        document_type=licence, category=repairs, mandatory=True
    )
    quoting_listing(repairs)

    with pytest.raises(DomainError) as refused:
        post(make_user(), repairs)

    assert refused.value.code == "no_providers_match"
