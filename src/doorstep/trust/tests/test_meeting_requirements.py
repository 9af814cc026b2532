"""Who meets the mandatory requirements for several categories at once (a
dispatcher's round): the same answer as asking one category at a time, in a
fixed number of queries whatever the categories, regions and people."""

import pytest
from django.utils import timezone

from doorstep.accounts.models import Agency, StaffMember
from doorstep.trust.models import DocumentStatus, DocumentType, ProviderDocument
from doorstep.trust.queries import (
    meeting_requirements_by_category,
    providers_meeting_requirements,
    staff_meeting_requirements,
)
from doorstep.trust.tests.conftest import id_requirement, require
from tests.factories import (
    SAN_FRANCISCO,
    SHANGHAI,
    make_category,
    make_provider,
    make_user,
)

pytestmark = pytest.mark.django_db


def _holds(code: str, *, provider, staff=None) -> None:
    ProviderDocument.objects.create(
        provider=provider,
        staff=staff,
        document_type=DocumentType.objects.get(code=code),
        status=DocumentStatus.APPROVED,
        file="documents/doc.pdf",
        content_type="application/pdf",
        size=100,
        uploaded_at=timezone.now(),
    )


def test_the_bulk_answer_agrees_with_one_category_at_a_time(
    django_assert_max_num_queries,
):
    id_requirement()  # everyone, everywhere
    cleaning = make_category()
    deep = make_category(parent=cleaning)
    repairs = make_category()
    # Health certificates for cleaning (and so its sub-category) in Shanghai.
    require("health_certificate", category=cleaning, region="shanghai")
    # Both documents, only the ID, outside any city with only the ID.
    both = make_provider(at=SHANGHAI)
    id_only = make_provider(at=SHANGHAI)
    far = make_provider(at=SAN_FRANCISCO)
    for provider in (both, id_only, far):
        _holds("id_card", provider=provider)
    _holds("health_certificate", provider=both)
    owner = make_provider(at=SHANGHAI)
    agency = Agency.objects.create(name="Bright Homes", owner=owner.user)
    owner.agency = agency
    owner.save(update_fields=["agency"])
    staff = [
        StaffMember.objects.create(agency=agency, user=make_user(), display_name=name)
        for name in ("Wei", "Li")
    ]
    _holds("id_card", provider=owner, staff=staff[0])
    _holds("health_certificate", provider=owner, staff=staff[0])
    _holds("id_card", provider=owner, staff=staff[1])
    staff = list(
        StaffMember.objects.filter(pk__in=[s.pk for s in staff])
        .select_related("agency__owner__provider_profile")
        .order_by("pk")
    )
    providers = [both, id_only, far]
    categories = [cleaning, deep, repairs]

    # Documents, categories, requirements, and the served cities (two).
    with django_assert_max_num_queries(5):
        bulk = meeting_requirements_by_category(
            [category.pk for category in categories],
            providers=providers,
            staff_members=staff,
        )

    for category in categories:
        assert bulk[category.pk].providers == providers_meeting_requirements(
            providers, category
        )
        assert bulk[category.pk].staff == staff_meeting_requirements(staff, category)
    assert bulk[deep.pk].providers == {both.pk, far.pk}
    assert bulk[repairs.pk].providers == {both.pk, id_only.pk, far.pk}
    assert bulk[cleaning.pk].staff == {staff[0].pk}
