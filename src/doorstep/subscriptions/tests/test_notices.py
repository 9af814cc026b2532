"""The provider hears of each billing step, in their language's words."""

from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.notifications.models import Kind, Notification
from doorstep.periodic.jobs import JOBS_BY_NAME
from doorstep.subscriptions import services
from doorstep.subscriptions.models import Subscription
from doorstep.subscriptions.tests.conftest import CARD_DECLINED, save_card

pytestmark = pytest.mark.django_db


def test_dunning_steps_are_told_to_the_provider(
    provider, card, pro, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        subscription = services.subscribe(
            user=provider.user, plan_id=pro.public_id, interval="month", currency="CNY"
        )
    declined = save_card(provider.user, CARD_DECLINED)
    length = subscription.current_period_end - subscription.current_period_start
    end = timezone.now() - timedelta(seconds=1)
    Subscription.objects.filter(pk=subscription.pk).update(
        payment_method=declined,
        current_period_start=end - length,
        current_period_end=end,
    )

    with django_capture_on_commit_callbacks(execute=True):
        JOBS_BY_NAME["run_subscription_billing"].function()
    Subscription.objects.filter(pk=subscription.pk).update(
        past_due_since=timezone.now() - timedelta(days=30)
    )
    with django_capture_on_commit_callbacks(execute=True):
        JOBS_BY_NAME["run_subscription_billing"].function()

    titles = list(
        Notification.objects.filter(recipient=provider.user, kind=Kind.PLAN)
        .order_by("pk")
        .values_list("title", flat=True)
    )
    assert titles == [
        "Welcome to Pro",
        "We could not charge your card for Pro",
        "Your plan Pro has ended",
    ]
    failed = Notification.objects.get(title__startswith="We could not")
    assert "CN¥90.00" in failed.body or "90.00" in failed.body
    assert failed.url == "/dashboard/plan/"


def test_the_plan_name_is_in_the_providers_language(
    provider, card, pro, django_capture_on_commit_callbacks
):
    pro.name_zh_hans = "专业版"
    pro.save()
    provider.user.language = "zh-hans"
    provider.user.save(update_fields=["language"])

    with django_capture_on_commit_callbacks(execute=True):
        services.subscribe(
            user=provider.user, plan_id=pro.public_id, interval="month", currency="CNY"
        )

    notification = Notification.objects.get(recipient=provider.user, kind=Kind.PLAN)
    assert "专业版" in notification.title
