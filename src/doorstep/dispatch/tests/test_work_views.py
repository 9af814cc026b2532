"""The worker's phone pages: an offer arrives through the cascade, the staff
member takes it and does the job step by step; nobody else sees it."""

from datetime import timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from doorstep.accounts.models import StaffMember
from doorstep.dispatch import candidates, cascade
from doorstep.dispatch.models import Offer
from doorstep.dispatch.tests.helpers import (
    HOME,
    after_commit,
    in_three_days_at_ten,
    make_agency,
    make_worker,
    paid_dispatch_order,
    service_in_shanghai,
)
from doorstep.orders.states import OrderState
from doorstep.payments.queries import order_money
from doorstep.scheduling.services import claim_time
from tests.factories import make_user

pytestmark = pytest.mark.django_db

NEAR = (HOME[0] + 0.01, HOME[1])


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def agency():
    return make_agency()


@pytest.fixture
def for_sale():
    return service_in_shanghai()


@pytest.fixture
def worker(agency, for_sale):
    return make_worker(
        for_sale.service.category, at=NEAR, staff_of=agency, name="Wu Staff"
    )


@pytest.fixture
def offer(worker, for_sale):
    order = paid_dispatch_order(for_sale, notes="Ring twice, the cat is shy.")
    return order.dispatch_job.offers.get(worker=worker)


@pytest.fixture
def job(offer, worker):
    with after_commit():
        cascade.accept_offer(offer_id=offer.public_id, user=worker.staff.user)
    order = offer.job.order
    order.refresh_from_db()
    return order


def _photo() -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (64, 48), "#0f766e").save(buffer, "PNG")
    return SimpleUploadedFile("after.png", buffer.getvalue(), "image/png")


# --- The offers ---------------------------------------------------------------------


def test_the_offer_shows_pay_area_and_countdown_but_not_the_address(
    client, worker, offer
):
    client.force_login(worker.staff.user)

    response = client.get(reverse("work:home"))

    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-offer-id="{offer.public_id}"' in page
    assert "Home cleaning, 2 hours" in page
    assert "Shanghai" in page
    earned = order_money(offer.job.order).expected_earnings
    assert earned < offer.job.order.subtotal_amount
    assert f"{earned // 100:,}" in page
    assert "data-expires-at" in page
    assert "1 Yuyuan Road" not in page
    assert "Cora" not in page


def test_accepting_assigns_the_job_and_opens_its_page(client, worker, offer):
    client.force_login(worker.staff.user)

    with after_commit():
        response = client.post(reverse("work:accept", args=[offer.public_id]))

    order = offer.job.order
    order.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == reverse("work:job", args=[order.public_id])
    assert order.state == OrderState.ACCEPTED
    assert order.staff == worker.staff
    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACCEPTED


def test_a_lapsed_offer_cannot_be_accepted_and_says_so(client, worker, offer):
    Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now())
    client.force_login(worker.staff.user)

    response = client.post(reverse("work:accept", args=[offer.public_id]), follow=True)

    assert "This job is no longer on offer to you." in response.content.decode()
    order = offer.job.order
    order.refresh_from_db()
    assert order.state == OrderState.DISPATCHING


def test_a_taken_time_is_said_clearly_and_leaves_the_order_as_it_was(
    client, worker, offer
):
    # Another job of Wu's already holds the next hours (a hold, as a booking does).
    now = timezone.now()
    claim_time(
        provider=worker.provider,
        staff_key=worker.staff_key,
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=4),
        hold_minutes=30,
        held_by=make_user(),
    )
    client.force_login(worker.staff.user)

    response = client.post(reverse("work:accept", args=[offer.public_id]), follow=True)

    assert "You already have a job at that time" in response.content.decode()
    order = offer.job.order
    order.refresh_from_db()
    assert (order.state, order.staff) == (OrderState.DISPATCHING, None)
    # The offer is closed for Wu so the job goes on to someone else now.
    offer.refresh_from_db()
    assert (offer.status, offer.decline_reason) == (
        Offer.Status.DECLINED,
        "slot_taken",
    )


def test_declining_keeps_the_reason_and_passes_the_job_on(
    client, worker, offer, for_sale
):
    other = make_worker(for_sale.service.category, at=NEAR)
    client.force_login(worker.staff.user)

    with after_commit():
        response = client.post(
            reverse("work:decline", args=[offer.public_id]),
            {"reason": "too_far", "note": "Bridge closed"},
        )

    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == Offer.Status.DECLINED
    assert offer.decline_reason == "too_far: Bridge closed"
    assert other.offers.filter(status=Offer.Status.PENDING).exists()


def test_the_offers_partial_lists_the_live_offers(client, worker, offer):
    client.force_login(worker.staff.user)

    response = client.get(reverse("work:offers"))

    assert response.status_code == 200
    assert offer.public_id in response.content.decode()


def test_the_offers_partial_leaves_the_page_alone_while_nothing_changed(
    client, worker, offer
):
    client.force_login(worker.staff.user)

    same = client.get(reverse("work:offers"), {"v": offer.public_id})
    changed = client.get(reverse("work:offers"), {"v": "none"})

    assert same.status_code == 204
    assert changed.status_code == 200


# --- The job, step by step ----------------------------------------------------------


def test_the_day_lists_the_job_with_address_map_and_next_step(client, worker, job):
    client.force_login(worker.staff.user)

    page = client.get(reverse("work:home")).content.decode()

    assert f'data-job-id="{job.public_id}"' in page
    assert "1 Yuyuan Road" in page
    assert f"geo:{HOME[0]:.6f},{HOME[1]:.6f}" in page
    assert "openstreetmap.org/?mlat=" in page
    assert "Cora" in page
    assert "Customer" not in page
    assert "Ring twice, the cat is shy." in page
    assert reverse("work:step", args=[job.public_id, "depart"]) in page
    # In the job's own zone (Shanghai), whatever the page's.
    assert job.starts_at.astimezone(ZoneInfo(job.time_zone)).strftime("%H:%M") in page


def test_a_booked_job_shows_when_to_leave(client, worker, for_sale):
    # Given a job booked for a time, taken by the worker based 1 km away
    order = paid_dispatch_order(for_sale, starts_at=in_three_days_at_ten())
    with after_commit():
        cascade.accept_offer(
            offer_id=order.dispatch_job.offers.get(worker=worker).public_id,
            user=worker.staff.user,
        )
    client.force_login(worker.staff.user)

    # When they look at their day and at the job
    home = client.get(reverse("work:home")).content.decode()
    page = client.get(reverse("work:job", args=[order.public_id])).content.decode()

    # Then both say when to set off, in the job's own zone
    leave_by = order.starts_at - timedelta(minutes=candidates.way_minutes(NEAR, HOME))
    local = leave_by.astimezone(ZoneInfo(order.time_zone)).strftime("%H:%M")
    assert f"Leave by {local}" in home
    assert f"Leave by {local}" in page


def test_an_asap_job_has_no_leave_by(client, worker, job):
    client.force_login(worker.staff.user)

    assert "Leave by" not in client.get(reverse("work:home")).content.decode()


def test_the_job_goes_from_on_the_way_to_done(client, worker, job):
    client.force_login(worker.staff.user)
    page = client.get(reverse("work:job", args=[job.public_id]))
    assert page.status_code == 200
    assert "geo:" in page.content.decode()

    client.post(
        reverse("work:step", args=[job.public_id, "depart"]),
        {"expected_state": OrderState.ACCEPTED},
    )
    wrong = client.post(
        reverse("work:step", args=[job.public_id, "start"]),
        {"start-start_code": "0000" if job.start_code != "0000" else "1111"},
    )
    job.refresh_from_db()
    assert job.state == OrderState.ON_THE_WAY
    assert wrong.status_code == 422
    assert "That start code is not right." in wrong.content.decode()

    client.post(
        reverse("work:step", args=[job.public_id, "start"]),
        {"start-start_code": job.start_code},
    )
    with after_commit():
        done = client.post(
            reverse("work:step", args=[job.public_id, "deliver"]),
            {"deliver-photos": [_photo()]},
        )

    job.refresh_from_db()
    assert done.status_code == 302
    assert job.state == OrderState.DELIVERED
    assert job.photos.count() == 1
    timeline = client.get(reverse("work:job", args=[job.public_id])).content.decode()
    assert "Photos" in timeline
    assert job.start_code not in timeline


def test_the_menu_links_my_jobs_for_staff(client, worker):
    client.force_login(worker.staff.user)

    page = client.get(reverse("work:home")).content.decode()

    assert f'href="{reverse("work:home")}"' in page
    assert "My jobs" in page


def test_the_menu_has_no_my_jobs_for_customers(client):
    client.force_login(make_user())

    page = client.get(reverse("orders:mine")).content.decode()

    assert f'href="{reverse("work:home")}"' not in page


# --- Duty and location --------------------------------------------------------------


def test_the_duty_toggle_and_location_opt_in(client, worker):
    client.force_login(worker.staff.user)

    client.post(reverse("work:duty"), {"on_duty": "0"})
    worker.refresh_from_db()
    assert not worker.is_on_duty
    refused = client.post(
        reverse("work:sharing"), {"shares_location": "on"}, follow=True
    )
    assert "Go on duty first" in refused.content.decode()

    client.post(reverse("work:duty"), {"on_duty": "1"})
    client.post(reverse("work:sharing"), {"shares_location": "on"})
    worker.refresh_from_db()
    assert worker.is_on_duty
    assert worker.shares_location
    page = client.get(reverse("work:home")).content.decode()
    assert "data-share-location" in page
    assert reverse("api:work_location") in page

    client.post(reverse("work:sharing"), {})
    worker.refresh_from_db()
    assert not worker.shares_location


def test_someone_without_a_worker_sees_no_duty_switch(client):
    client.force_login(make_user())

    response = client.get(reverse("work:home"))

    assert response.status_code == 200
    assert "Go on duty" not in response.content.decode()
    assert client.post(reverse("work:duty"), {"on_duty": "1"}).status_code == 404


# --- Nobody else --------------------------------------------------------------------


def _strangers(agency, worker, job, for_sale):
    """Everyone who must not see the staff member's job on /work/: a colleague,
    the agency's owner and a manager, another agency's staff, the customer."""
    colleague = make_worker(for_sale.service.category, staff_of=agency, name="Col")
    manager = make_user(name="Manager")
    StaffMember.objects.create(
        agency=agency,
        user=manager,
        display_name="Manager",
        role=StaffMember.Role.MANAGER,
    )
    other = make_worker(
        for_sale.service.category, staff_of=make_agency("Other"), name="Oth"
    )
    return {
        "colleague": colleague.staff.user,
        "owner": agency.owner,
        "manager": manager,
        "other agency": other.staff.user,
        "customer": job.customer,
    }


@pytest.mark.parametrize(
    "who", ["colleague", "owner", "manager", "other agency", "customer"]
)
def test_nobody_else_reaches_the_job(client, agency, worker, job, for_sale, who):
    client.force_login(_strangers(agency, worker, job, for_sale)[who])

    seen = client.get(reverse("work:job", args=[job.public_id]))
    stepped = client.post(
        reverse("work:step", args=[job.public_id, "depart"]),
        {"expected_state": OrderState.ACCEPTED},
    )
    listed = client.get(reverse("work:home")).content.decode()

    assert (seen.status_code, stepped.status_code) == (404, 404)
    assert job.public_id not in listed
    job.refresh_from_db()
    assert job.state == OrderState.ACCEPTED


@pytest.mark.parametrize("who", ["colleague", "owner", "other agency", "customer"])
def test_nobody_else_answers_the_offer(client, agency, worker, offer, for_sale, who):
    people = _strangers(agency, worker, offer.job.order, for_sale)
    client.force_login(people[who])

    accepted = client.post(reverse("work:accept", args=[offer.public_id]))
    declined = client.post(reverse("work:decline", args=[offer.public_id]))
    listed = client.get(reverse("work:offers")).content.decode()

    assert (accepted.status_code, declined.status_code) == (404, 404)
    assert offer.public_id not in listed
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING


def test_signed_out_visitors_are_sent_to_sign_in(client, job):
    response = client.get(reverse("work:job", args=[job.public_id]))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_an_independent_provider_works_their_own_offers_and_jobs(client, for_sale):
    independent = make_worker(for_sale.service.category, at=NEAR)
    user = independent.provider.user
    order = paid_dispatch_order(for_sale)
    offer = order.dispatch_job.offers.get(worker=independent)
    client.force_login(user)
    assert offer.public_id in client.get(reverse("work:home")).content.decode()

    with after_commit():
        client.post(reverse("work:accept", args=[offer.public_id]))
    page = client.get(reverse("work:home")).content.decode()

    order.refresh_from_db()
    assert (order.provider, order.staff) == (independent.provider, None)
    assert f'data-job-id="{order.public_id}"' in page
    assert f'href="{reverse("work:home")}"' in page  # "My jobs" in the menu
    assert client.get(reverse("work:job", args=[order.public_id])).status_code == 200
