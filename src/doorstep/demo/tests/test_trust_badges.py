"""The demo's trust signals come from the real services."""

import pytest

from doorstep.demo.builders import build_demo
from doorstep.trust.check_models import BackgroundCheck, BackgroundCheckConsent
from doorstep.trust.models import BadgeKind, ProviderBadge

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_has_checks_in_every_state_and_badges_from_them():
    report = build_demo(providers=30, customers=30, orders=24)

    assert report.trust["checks"] == 5
    statuses = set(BackgroundCheck.objects.values_list("status", flat=True))
    assert statuses == {"clear", "consider", "suspended"}
    live = ProviderBadge.objects.filter(revoked_at__isnull=True)
    assert live.filter(kind=BadgeKind.BACKGROUND_CHECKED).count() == 3
    assert live.filter(kind=BadgeKind.ID_VERIFIED).exists()
    started = BackgroundCheck.objects.values("provider")
    assert BackgroundCheckConsent.objects.exclude(provider__in=started).count() == 2
    assert (
        live.filter(kind=BadgeKind.TOP_PROVIDER).count() == report.trust["top_provider"]
    )
