"""The Top provider rules and the periodic requalification."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from doorstep.audit.models import AuditEntry
from doorstep.core.errors import DomainError, PermissionDenied
from doorstep.orders.models import Order
from doorstep.orders.process import Actor
from doorstep.orders.states import OrderState
from doorstep.periodic.jobs import JOBS_BY_NAME
from doorstep.reviews.models import ProviderReputation
from doorstep.trust.check_models import TopProviderRules
from doorstep.trust.models import BadgeKind, ProviderBadge
from doorstep.trust.top_provider import (
    active_rules,
    requalify_top_providers,
    update_top_provider_rules,
)
from tests.factories import make_listing, make_ops, make_order, make_provider

pytestmark = pytest.mark.django_db

RULES = {
    "min_rating": Decimal("4.50"),
    "min_reviews": 3,
    "min_completed_jobs": 2,
    "max_median_response_minutes": 120,
    "max_cancellation_bps": 2000,
    "window_days": 30,
}


@pytest.fixture
def rules():
    return update_top_provider_rules(user=make_ops("Ops admin"), values=RULES)


def _provider(*, rating=4.9, reviews=10, response=30):
    provider = make_provider(median_response_minutes=response)
    ProviderReputation.objects.create(provider=provider, mean=rating, count=reviews)
    return provider


def _orders(provider, *, completed=0, provider_cancelled=0):
    listing = make_listing(provider=provider)
    hours = iter(range(0, 100, 3))
    for _index in range(completed):
        order = make_order(
            listing=listing, starts_in=timedelta(days=2, hours=next(hours))
        )
        Order.objects.filter(pk=order.pk).update(state=OrderState.COMPLETED)
    for _index in range(provider_cancelled):
        order = make_order(
            listing=listing, starts_in=timedelta(days=2, hours=next(hours))
        )
        Order.objects.filter(pk=order.pk).update(
            state=OrderState.CANCELLED, cancelled_by=Actor.PROVIDER
        )


def _live_top(provider, *, at):
    return ProviderBadge.objects.filter(
        provider=provider,
        kind=BadgeKind.TOP_PROVIDER,
        revoked_at__isnull=True,
    ).exists()


def test_requalification_follows_the_window_as_the_clock_moves(rules):
    # given a provider with a great rating, 2 jobs done and 1 cancelled by
    # them, all starting in two days
    star = _provider()
    _orders(star, completed=2, provider_cancelled=1)
    now = timezone.now()

    # when the job runs once the jobs are past: 1 of 3 cancelled (33% > 20%)
    result = requalify_top_providers(now=now + timedelta(days=3))

    # then no badge
    assert result["granted"] == 0
    assert not _live_top(star, at=now)

    # when the cancellation has left the 30-day window
    result = requalify_top_providers(now=now + timedelta(days=40))

    # then the provider is a top provider
    assert result["granted"] == 1
    assert _live_top(star, at=now)
    badge = ProviderBadge.objects.get(provider=star, kind=BadgeKind.TOP_PROVIDER)
    assert badge.source == f"rule:top_provider:{rules.pk}"

    # when the run repeats, nothing changes
    assert requalify_top_providers(now=now + timedelta(days=41))["kept"] == 1
    assert ProviderBadge.objects.filter(kind=BadgeKind.TOP_PROVIDER).count() == 1

    # when their rating falls under the floor, the badge goes with the reason
    ProviderReputation.objects.filter(provider=star).update(mean=4.2)
    result = requalify_top_providers(now=now + timedelta(days=42))
    assert result["revoked"] == 1
    badge.refresh_from_db()
    assert badge.revoked_at is not None
    assert badge.revoked_reason.startswith("rule: rating 4.20")


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"reviews": 2}, "reviews"),
        ({"response": None}, "median response"),
        ({"response": 600}, "median response"),
    ],
)
def test_each_rule_counts(rules, fields, reason):
    provider = _provider(**fields)
    _orders(provider, completed=2)
    requalify_top_providers(now=timezone.now() + timedelta(days=3))
    assert not _live_top(provider, at=timezone.now())


def test_too_few_jobs(rules):
    provider = _provider()
    _orders(provider, completed=1)
    requalify_top_providers(now=timezone.now() + timedelta(days=3))
    assert not _live_top(provider, at=timezone.now())


def test_requalifying_many_providers_takes_a_fixed_number_of_queries(rules):
    providers = [_provider() for _index in range(30)]
    Order.objects.none()
    with CaptureQueriesContext(connection) as few:
        requalify_top_providers()
    for provider in providers[:5]:
        ProviderReputation.objects.filter(provider=provider).update(mean=3.0)
    more = [_provider() for _index in range(30)]
    assert more
    with CaptureQueriesContext(connection) as many:
        requalify_top_providers()
    assert len(many) <= len(few) + 2


def test_the_job_is_declared():
    job = JOBS_BY_NAME["requalify_top_providers"]
    assert job.function() == {
        "granted": 0,
        "revoked": 0,
        "kept": 0,
        "considered": 0,
    }


# --- The rules ----------------------------------------------------------------------


def test_defaults_until_ops_set_rules():
    rules = active_rules()
    assert rules.pk is None
    assert rules.min_rating == Decimal("4.70")


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("Ops admin", True),
        ("Trust & safety", True),
        ("Support", False),
        ("Finance", False),
    ],
)
def test_who_may_change_the_rules(role, allowed):
    ops = make_ops(role)
    if allowed:
        update_top_provider_rules(user=ops, values={"min_completed_jobs": 50})
        assert active_rules().min_completed_jobs == 50
        assert (
            AuditEntry.objects.get(action="trust.top_provider_rules.update").after[
                "min_completed_jobs"
            ]
            == 50
        )
    else:
        with pytest.raises(PermissionDenied):
            update_top_provider_rules(user=ops, values={"min_completed_jobs": 50})
        assert not TopProviderRules.objects.exists()


def test_an_edit_keeps_the_old_rules_and_audits_both(rules):
    ops = make_ops("Ops admin")
    new = update_top_provider_rules(user=ops, values={"min_rating": Decimal("4.8")})
    assert TopProviderRules.objects.count() == 2
    assert TopProviderRules.objects.get(is_active=True) == new
    entry = AuditEntry.objects.filter(action="trust.top_provider_rules.update").first()
    assert entry.before["min_rating"] == "4.50"
    assert entry.after["min_rating"] == "4.80"
    assert new.min_completed_jobs == 2  # the rest carried over


def test_rules_out_of_range_are_refused_and_nothing_changes(rules):
    with pytest.raises(DomainError) as raised:
        update_top_provider_rules(
            user=make_ops("Ops admin"),
            values={"min_rating": Decimal("7"), "window_days": 0},
        )
    assert set(raised.value.fields) == {"min_rating", "window_days"}
    assert TopProviderRules.objects.get(is_active=True) == rules
