"""Who hears of which recurring event, in words that render in every
language (no missing parameter)."""

import pytest
from django.db import transaction
from django.utils import translation

from doorstep.events.models import Event
from doorstep.events.services import record_event
from doorstep.notifications import wording
from doorstep.recurring.notices import TO_CUSTOMER, TO_PROVIDER, plan_for
from doorstep.recurring.tests.conftest import weekly

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("step", sorted({*TO_CUSTOMER, *TO_PROVIDER}))
def test_each_step_is_told_to_the_right_side_in_every_language(step, listing, customer):
    series = weekly(listing, customer)
    visit = series.visits.first()
    with transaction.atomic():
        event = record_event(
            topic=f"recurring.{step}",
            subject=series.public_id,
            payload={
                "visit": visit.public_id,
                "starts_at": visit.planned_starts_at.isoformat(),
                "amount": 12000,
                "currency": series.currency,
                "reason": "customer",
            },
        )
    planned = plan_for(Event.objects.get(pk=event.pk))
    assert len(planned) == 1
    expected = customer if step in TO_CUSTOMER else listing.provider.user
    assert planned[0].recipient == expected
    assert planned[0].url == series.get_absolute_url()
    for language in ("en", "zh-hans", "zh-hant"):
        with translation.override(language):
            title, body = wording.render(planned[0].wording, planned[0].params)
        assert title
        assert body


def test_an_end_by_the_provider_is_told_to_the_customer(listing, customer):
    series = weekly(listing, customer)
    with transaction.atomic():
        event = record_event(
            topic="recurring.series_ended",
            subject=series.public_id,
            payload={"reason": "provider"},
        )
    (planned,) = plan_for(event)
    assert planned.recipient == customer
