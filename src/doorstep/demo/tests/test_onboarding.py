"""The demo's onboarding: every step shown, built through the real services."""

import pytest

from doorstep.catalog.models import Listing
from doorstep.demo.builders import build_demo
from doorstep.demo.onboarding import APPLICANTS
from doorstep.trust.badges import badges_of
from doorstep.trust.models import (
    ApplicationStatus,
    BadgeKind,
    ProviderApplication,
    ProviderDocument,
)
from doorstep.trust.queries import expiring_documents, missing_requirements

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_has_providers_at_every_onboarding_step(settings):
    settings.DOORSTEP_REQUIRE_VERIFIED_DOCUMENTS = True
    build_demo(providers=10, customers=5, orders=0)

    statuses = set(ProviderApplication.objects.values_list("status", flat=True))
    assert statuses == set(ApplicationStatus.values)
    assert expiring_documents(within_days=30).exists()
    changes = ProviderApplication.objects.get(status="changes_requested")
    assert "cut off" in changes.reason
    assert ProviderDocument.objects.count() >= len(APPLICANTS)

    # The demo provider login is verified and may publish its draft service.
    demo_provider = ProviderApplication.objects.get(
        provider__user__email="provider@demo.doorstep.dev"
    ).provider
    assert {BadgeKind.ID_VERIFIED, BadgeKind.HEALTH_CERTIFICATE} <= {
        badge.kind for badge in badges_of(demo_provider)
    }
    draft = demo_provider.listings.get(status=Listing.Status.DRAFT)
    assert missing_requirements(demo_provider, draft.category) == []
