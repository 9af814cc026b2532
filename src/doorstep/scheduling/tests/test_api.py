"""The scheduling API: public slots, and the caller's own availability."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from doorstep.api.testing import API, JSON, assert_problem, bearer
from doorstep.catalog.models import Listing, PricingModel
from doorstep.scheduling import services
from doorstep.scheduling.models import AvailabilityException, AvailabilityRule
from doorstep.scheduling.services import WeeklyHours
from doorstep.scheduling.tests.helpers import bookable_listing
from tests.factories import make_provider, make_user

pytestmark = pytest.mark.django_db


def _day(offset: int = 3) -> str:
    return (timezone.now().date() + timedelta(days=offset)).isoformat()


def _slots(client, listing, **query):
    query.setdefault("from", _day())
    query.setdefault("to", query["from"])
    return client.get(f"{API}/services/{listing.public_id}/slots", query)


# --- Slots ------------------------------------------------------------------------


def test_slots_are_public_and_shown_with_offsets_in_the_providers_zone(client):
    listing = bookable_listing(zone="Asia/Shanghai", duration=60)

    response = _slots(client, listing)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["time_zone"] == "Asia/Shanghai"
    assert body["duration_minutes"] == 60
    assert len(body["slots"]) == 15
    assert body["slots"][0] == {
        "starts_at": f"{_day()}T09:00:00+08:00",
        "ends_at": f"{_day()}T10:00:00+08:00",
    }


def test_slots_in_the_viewers_zone_and_for_chosen_hours(client):
    listing = bookable_listing(
        zone="Asia/Shanghai",
        pricing_model=PricingModel.HOURLY,
        min_hours=2,
        hours={day: [("09:00", "12:00")] for day in range(7)},
    )

    body = _slots(
        client, listing, hours=3, tz="Europe/London", **{"from": _day(), "to": _day(4)}
    ).json()

    assert body["time_zone"] == "Asia/Shanghai"
    assert body["duration_minutes"] == 180
    starts = [slot["starts_at"] for slot in body["slots"]]
    # 09:00 in Shanghai is 01:00 in London (or 02:00 in summer), one per day.
    assert len(starts) == 2
    assert all(start[11:13] in {"01", "02"} for start in starts)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": None}, "from"),
        ({"from": "2027-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"tz": "Mars/Olympus_Mons"}, "tz"),
        ({"hours": 0}, "hours"),
    ],
)
def test_bad_queries_are_400_problems_naming_the_field(client, query, field):
    listing = bookable_listing()
    query = {"from": _day(), "to": _day(), **query}
    query = {key: value for key, value in query.items() if value is not None}

    response = client.get(f"{API}/services/{listing.public_id}/slots", query)

    body = assert_problem(response, 400, "invalid_input")
    assert field in body["errors"], body


@pytest.mark.parametrize(
    "query",
    [{"from": _day(5), "to": _day(4)}, {"from": _day(1), "to": _day(63)}],
    ids=["backwards", "63-days"],
)
def test_dates_that_do_not_make_a_range_break_a_rule_naming_to(client, query):
    # given two well-formed dates, the last before the first or 63 days apart
    listing = bookable_listing()

    response = client.get(f"{API}/services/{listing.public_id}/slots", query)

    body = assert_problem(response, 422, "invalid_date_range")
    assert list(body["errors"]) == ["to"]


def test_sixty_two_days_is_allowed(client):
    listing = bookable_listing()

    assert (
        _slots(client, listing, **{"from": _day(1), "to": _day(62)}).status_code == 200
    )


def test_hours_on_a_fixed_duration_service_break_a_rule(client):
    listing = bookable_listing()

    body = assert_problem(_slots(client, listing, hours=2), 422, "wrong_duration")

    assert "hours" in body["errors"]


def test_unknown_and_paused_services_are_not_found(client):
    listing = bookable_listing()
    Listing.objects.filter(pk=listing.pk).update(status=Listing.Status.PAUSED)

    assert_problem(_slots(client, listing), 404, "listing_not_found")
    response = client.get(
        f"{API}/services/lst_nothing/slots", {"from": _day(), "to": _day()}
    )
    assert_problem(response, 404, "listing_not_found")


# --- The caller's availability --------------------------------------------------------


@pytest.fixture
def provider():
    provider = make_provider(time_zone="Asia/Taipei")
    services.replace_weekly_rules(
        provider=provider, rules=[WeeklyHours(0, time(9), time(17))]
    )
    return provider


def test_reading_your_availability(client, provider):
    services.add_exception(
        provider=provider,
        day=timezone.now().date() + timedelta(days=5),
        kind="extra",
        start_time=time(18),
        end_time=time(23, 59),
    )

    response = client.get(f"{API}/me/availability", **bearer(provider.user))

    assert response.status_code == 200
    body = response.json()
    assert body["time_zone"] == "Asia/Taipei"
    assert body["rules"] == [{"weekday": 0, "start_time": "09:00", "end_time": "17:00"}]
    assert body["policy"]["buffer_after_minutes"] == 30
    assert body["policy"]["max_jobs_per_day"] is None
    [exception] = body["exceptions"]
    assert exception["id"].startswith("avx_")
    assert (exception["kind"], exception["start_time"], exception["end_time"]) == (
        "extra",
        "18:00",
        "24:00",
    )


def test_replacing_your_weekly_hours_and_policy(client, provider):
    response = client.put(
        f"{API}/me/availability",
        {
            "rules": [
                {"weekday": 5, "start_time": "10:00", "end_time": "24:00"},
                {"weekday": 1, "start_time": "08:30", "end_time": "12:00"},
            ],
            "policy": {"buffer_before_minutes": 15, "max_jobs_per_day": 4},
        },
        content_type=JSON,
        **bearer(provider.user),
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["rules"] == [
        {"weekday": 1, "start_time": "08:30", "end_time": "12:00"},
        {"weekday": 5, "start_time": "10:00", "end_time": "24:00"},
    ]
    assert body["policy"]["buffer_before_minutes"] == 15
    assert body["policy"]["buffer_after_minutes"] == 30  # the default
    assert AvailabilityRule.objects.filter(provider=provider).count() == 2


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        (
            {
                "rules": [
                    {"weekday": 2, "start_time": "09:00", "end_time": "12:00"},
                    {"weekday": 2, "start_time": "11:00", "end_time": "13:00"},
                ]
            },
            422,
            "rules.1.start_time",
        ),
        (
            {"rules": [{"weekday": 2, "start_time": "13:00", "end_time": "09:00"}]},
            422,
            "rules.0.end_time",
        ),
        (
            {"rules": [{"weekday": 2, "start_time": "25:00", "end_time": "26:00"}]},
            400,
            "rules.0.start_time",
        ),
        (
            {"rules": [{"weekday": 7, "start_time": "09:00", "end_time": "10:00"}]},
            400,
            "rules.0.weekday",
        ),
        (
            {"rules": [], "policy": {"holidays_off": True}},
            422,
            "policy.holiday_country",
        ),
        (
            {"rules": [], "policy": {"holiday_country": "ZZ"}},
            400,
            "policy.holiday_country",
        ),
        ({"rules": [], "policy": {"max_days_ahead": 0}}, 400, "policy.max_days_ahead"),
        (
            {"rules": [], "policy": {"max_days_ahead": "30"}},
            400,
            "policy.max_days_ahead",
        ),
        ({"rules": [], "policy": {"holidays_off": 1}}, 400, "policy.holidays_off"),
        ({"rules": [], "policy": {"buffer": 5}}, 400, "policy.buffer"),
        ({"policy": {}}, 400, "rules"),
    ],
)
def test_bad_availability_is_refused_naming_the_field_and_changes_nothing(
    client, provider, payload, status, field
):
    # Malformed input (wrong type, out of range, unknown) is a 400; well-formed
    # values that break a rule together (overlap, end before start) a 422.
    response = client.put(
        f"{API}/me/availability", payload, content_type=JSON, **bearer(provider.user)
    )

    body = assert_problem(response, status)
    assert field in body["errors"], body
    assert list(
        AvailabilityRule.objects.filter(provider=provider).values_list(
            "weekday", flat=True
        )
    ) == [0]


def test_adding_and_removing_exceptions(client, provider):
    headers = bearer(provider.user)

    response = client.post(
        f"{API}/me/availability/exceptions",
        {"date": _day(7), "kind": "off", "start_time": "12:00", "end_time": "14:00"},
        content_type=JSON,
        **headers,
    )

    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["kind"], created["start_time"], created["note"]) == (
        "off",
        "12:00",
        "",
    )
    response = client.delete(
        f"{API}/me/availability/exceptions/{created['id']}", **headers
    )
    assert response.status_code == 204
    assert not AvailabilityException.objects.exists()


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"date": _day(-2), "kind": "off"}, 422, "date"),
        ({"date": _day(2), "kind": "extra"}, 422, "start_time"),
        (
            {
                "date": _day(2),
                "kind": "off",
                "start_time": "14:00",
                "end_time": "12:00",
            },
            422,
            "end_time",
        ),
        ({"date": _day(2), "kind": "vacation"}, 400, "kind"),
        ({"date": _day(2), "kind": "off", "note": "x" * 121}, 400, "note"),
    ],
)
def test_bad_exceptions_are_refused_naming_the_field(
    client, provider, payload, status, field
):
    response = client.post(
        f"{API}/me/availability/exceptions",
        payload,
        content_type=JSON,
        **bearer(provider.user),
    )

    body = assert_problem(response, status)
    assert body["code"] == {400: "invalid_input", 422: "invalid_schedule"}[status]
    assert field in body["errors"]
    assert not AvailabilityException.objects.exists()


def test_another_providers_exception_is_not_found(client, provider):
    other = make_provider()
    theirs = services.add_exception(
        provider=other, day=timezone.now().date() + timedelta(days=2), kind="off"
    )

    response = client.delete(
        f"{API}/me/availability/exceptions/{theirs.public_id}", **bearer(provider.user)
    )

    assert_problem(response, 404, "exception_not_found")
    assert AvailabilityException.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("get", "/me/availability", None),
        ("put", "/me/availability", {"rules": []}),
        ("post", "/me/availability/exceptions", {"date": _day(2), "kind": "off"}),
        ("delete", "/me/availability/exceptions/avx_whatever", None),
    ],
)
def test_customers_are_refused_and_strangers_must_sign_in(
    client, method, path, payload
):
    customer = make_user()
    kwargs = {"content_type": JSON} if payload is not None else {}
    call = getattr(client, method)

    refused = (
        call(API + path, payload, **kwargs, **bearer(customer))
        if payload
        else call(API + path, **bearer(customer))
    )
    assert_problem(refused, 404, "not_a_provider")
    anonymous = call(API + path, payload, **kwargs) if payload else call(API + path)
    assert_problem(anonymous, 401)
    assert not AvailabilityRule.objects.exists()
