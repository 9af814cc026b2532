"""The availability editor in the provider's dashboard."""

import re
from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from doorstep.scheduling import services
from doorstep.scheduling.models import (
    AvailabilityException,
    AvailabilityRule,
    CalendarFeed,
    SchedulingPolicy,
)
from doorstep.scheduling.services import WeeklyHours
from doorstep.web.tests.test_page_hygiene import assert_no_inline_code
from tests.factories import make_provider, make_user

pytestmark = pytest.mark.django_db

URL = reverse("scheduling:availability")
POLICY = {
    "buffer_before_minutes": "0",
    "buffer_after_minutes": "30",
    "min_lead_minutes": "120",
    "max_days_ahead": "60",
    "max_jobs_per_day": "",
    "slot_step_minutes": "30",
    "holiday_country": "",
}


def _week(**days: list[tuple[str, str]]) -> dict[str, str]:
    """The editor's POST data: ``mon=[("09:00", "12:00")]`` opens Monday."""
    names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    data = dict(POLICY)
    for weekday, name in enumerate(names):
        ranges = days.get(name)
        if ranges:
            data[f"d{weekday}_open"] = "on"
        for index in range(3):
            start, end = (
                (ranges or [])[index] if index < len(ranges or []) else ("", "")
            )
            data[f"d{weekday}_{index}_start"] = start
            data[f"d{weekday}_{index}_end"] = end
    return data


@pytest.fixture
def provider(client):
    provider = make_provider(time_zone="Asia/Taipei")
    client.force_login(provider.user)
    return provider


def _hours(provider):
    return list(
        AvailabilityRule.objects.filter(provider=provider).values_list(
            "weekday", "start_time", "end_time"
        )
    )


# --- Who may see it -----------------------------------------------------------------


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_customers_are_sent_to_become_a_provider(client):
    client.force_login(make_user())

    for response in (
        client.get(URL),
        client.post(URL, _week(mon=[("09:00", "12:00")])),
    ):
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:provider")
    assert not AvailabilityRule.objects.exists()


# --- The weekly grid ----------------------------------------------------------------


def test_the_page_shows_the_week_in_the_providers_zone_without_inline_code(
    client, provider
):
    services.replace_weekly_rules(
        provider=provider, rules=[WeeklyHours(0, time(9), time(23, 59))]
    )

    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Asia/Taipei" in html
    assert 'name="d0_open" id="id_d0_open" checked' in html
    assert '<option value="24:00" selected>' in html
    assert "scheduling/availability.js" in html
    assert_no_inline_code(html)


def test_saving_replaces_the_week_and_the_policy(client, provider):
    services.replace_weekly_rules(
        provider=provider, rules=[WeeklyHours(6, time(9), time(12))]
    )
    data = _week(mon=[("13:00", "17:00"), ("09:00", "12:00")], fri=[("18:00", "24:00")])
    data.update(
        buffer_after_minutes="45",
        max_jobs_per_day="3",
        holidays_off="on",
        holiday_country="TW",
    )
    # A day switched off keeps its times on screen, but they are not saved.
    data.update(d2_0_start="09:00", d2_0_end="17:00")

    response = client.post(URL, data)

    assert response.status_code == 302
    assert _hours(provider) == [
        (0, time(9), time(12)),
        (0, time(13), time(17)),
        (4, time(18), time(23, 59)),
    ]
    policy = SchedulingPolicy.objects.get(provider=provider)
    assert (policy.buffer_after_minutes, policy.max_jobs_per_day) == (45, 3)
    assert (policy.holidays_off, policy.holiday_country) == (True, "TW")


@pytest.mark.parametrize(
    ("week", "field", "message"),
    [
        (
            {"mon": [("09:00", "12:00"), ("11:00", "13:00")]},
            "d0_1_start",
            "This overlaps another range on the same day.",
        ),
        ({"tue": [("17:00", "09:00")]}, "d1_0_end", "The end must be after the start."),
        ({"wed": [("09:00", "")]}, "d2_0_end", "Choose both a start and an end."),
    ],
)
def test_mistakes_are_shown_beside_the_range_and_nothing_is_saved(
    client, provider, week, field, message
):
    services.replace_weekly_rules(
        provider=provider, rules=[WeeklyHours(6, time(9), time(12))]
    )

    response = client.post(URL, _week(**week))

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    html = response.content.decode()
    assert_no_inline_code(html)
    assert f'id="id_{field}_error"' in html
    assert message in html
    assert _hours(provider) == [(6, time(9), time(12))]


def test_a_working_day_needs_hours(client, provider):
    data = _week()
    data["d5_open"] = "on"

    response = client.post(URL, data)

    assert "d5_open" in response.context["form"].errors


def test_public_holidays_need_a_country(client, provider):
    data = _week(mon=[("09:00", "12:00")])
    data["holidays_off"] = "on"

    response = client.post(URL, data)

    assert response.status_code == 200
    assert response.context["form"].errors["holiday_country"]
    assert not AvailabilityRule.objects.exists()


# --- Exceptions ---------------------------------------------------------------------


def test_adding_and_removing_a_day_off(client, provider):
    day = timezone.now().date() + timedelta(days=3)

    response = client.post(
        reverse("scheduling:add_exception"),
        {"date": day.isoformat(), "kind": "day_off", "note": "Wedding"},
    )

    assert response.status_code == 302
    exception = AvailabilityException.objects.get(provider=provider)
    assert (exception.kind, exception.start_time, exception.note) == (
        "off",
        None,
        "Wedding",
    )
    assert "Wedding" in client.get(URL).content.decode()

    client.post(reverse("scheduling:remove_exception", args=[exception.public_id]))
    assert not AvailabilityException.objects.exists()


def test_extra_hours_need_times_and_the_error_is_beside_them(client, provider):
    day = timezone.now().date() + timedelta(days=3)

    response = client.post(
        reverse("scheduling:add_exception"),
        {"date": day.isoformat(), "kind": "extra", "start_time": "18:00"},
    )

    assert response.status_code == 200
    assert response.context["exception_form"].errors == {
        "end_time": ["Choose the time."]
    }
    response = client.post(
        reverse("scheduling:add_exception"),
        {
            "date": day.isoformat(),
            "kind": "extra",
            "start_time": "18:00",
            "end_time": "17:00",
        },
    )
    assert response.context["exception_form"].errors == {
        "end_time": ["The end must be after the start."]
    }
    assert not AvailabilityException.objects.exists()


def test_someone_elses_exception_cannot_be_removed(client, provider):
    other = make_provider()
    exception = services.add_exception(
        provider=other, day=timezone.now().date() + timedelta(days=3), kind="off"
    )

    response = client.post(
        reverse("scheduling:remove_exception", args=[exception.public_id])
    )

    assert response.status_code == 404
    assert AvailabilityException.objects.filter(pk=exception.pk).exists()


# --- Calendar link ------------------------------------------------------------------


def test_the_calendar_link_is_shown_once_and_can_be_turned_off(client, provider):
    response = client.post(reverse("scheduling:calendar_feed"), {"action": "create"})
    assert response.status_code == 302

    first = client.get(URL).content.decode()
    assert_no_inline_code(first)
    link = re.search(r'value="(http://testserver/calendar/cal_[^"]+\.ics)"', first)
    assert link is not None
    assert client.get(link.group(1)).status_code == 200
    assert link.group(1) not in client.get(URL).content.decode()

    client.post(reverse("scheduling:calendar_feed"), {"action": "revoke"})
    assert not CalendarFeed.objects.filter(revoked_at__isnull=True).exists()
    assert client.get(link.group(1)).status_code == 404
