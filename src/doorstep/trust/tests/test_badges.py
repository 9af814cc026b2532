from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from doorstep.trust.badges import badges_of, grant_badge, live_badges, revoke_badge
from doorstep.trust.models import BadgeKind, ProviderBadge
from tests.factories import make_category, make_provider

pytestmark = pytest.mark.django_db


def test_a_granted_badge_is_live_until_it_expires():
    provider = make_provider()
    now = timezone.now()
    badge = grant_badge(
        provider,
        BadgeKind.HEALTH_CERTIFICATE,
        source="document:doc_1",
        expires_at=now + timedelta(days=30),
        now=now,
    )

    assert badges_of(provider) == [badge]
    assert not live_badges(at=now + timedelta(days=31)).filter(provider=provider)


def test_a_renewal_replaces_the_live_badge_and_keeps_the_history():
    provider = make_provider()
    grant_badge(provider, BadgeKind.ID_VERIFIED, source="document:doc_1")
    renewed = grant_badge(provider, BadgeKind.ID_VERIFIED, source="document:doc_2")

    assert badges_of(provider) == [renewed]
    assert ProviderBadge.objects.filter(provider=provider).count() == 2


def test_granting_the_same_badge_twice_changes_nothing():
    provider = make_provider()
    first = grant_badge(provider, BadgeKind.ID_VERIFIED, source="document:doc_1")
    again = grant_badge(provider, BadgeKind.ID_VERIFIED, source="document:doc_1")

    assert again == first
    assert ProviderBadge.objects.count() == 1


def test_licences_are_per_category():
    provider = make_provider()
    electrical, plumbing = make_category(), make_category()
    grant_badge(provider, BadgeKind.LICENSED, category=electrical, source="document:a")
    grant_badge(provider, BadgeKind.LICENSED, category=plumbing, source="document:b")

    assert revoke_badge(
        provider, BadgeKind.LICENSED, category=electrical, reason="expired"
    )
    assert [badge.category for badge in badges_of(provider)] == [plumbing]
    assert not revoke_badge(
        provider, BadgeKind.LICENSED, category=electrical, reason="expired"
    )


def test_the_database_holds_one_live_badge_per_kind_and_category():
    provider = make_provider()
    now = timezone.now()
    ProviderBadge.objects.create(
        provider=provider, kind=BadgeKind.ID_VERIFIED, granted_at=now, source="a"
    )
    with pytest.raises(IntegrityError):
        ProviderBadge.objects.create(
            provider=provider, kind=BadgeKind.ID_VERIFIED, granted_at=now, source="b"
        )
