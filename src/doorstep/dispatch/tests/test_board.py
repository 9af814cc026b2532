"""The ops dispatch board: only ops with a second factor and a dispatching
role see it; it lists open orders with their promise clocks and workers on
duty; ops assign and reassign by hand through the order's transitions, audited
with their reason, and are refused clearly when the worker's time is taken or
the order moved on. The service promises are edited in the settings, audited."""

from datetime import timedelta

import pytest
from django.urls import reverse

from doorstep.audit.models import AuditEntry
from doorstep.core.errors import Conflict, DomainError, PermissionDenied
from doorstep.dispatch import board, cascade
from doorstep.dispatch.models import Offer, SlaPolicy
from doorstep.dispatch.sla import save_policy
from doorstep.dispatch.tests.helpers import (
    HOME,
    after_commit,
    make_worker,
    paid_dispatch_order,
    service_in_shanghai,
)
from doorstep.orders.engine import apply_transition
from doorstep.orders.states import OrderState
from doorstep.scheduling.models import TimeClaim
from tests.factories import make_ops, make_user, sign_in_ops

pytestmark = pytest.mark.django_db

NEAR = (HOME[0] + 0.01, HOME[1])
FURTHER = (HOME[0] + 0.03, HOME[1])


@pytest.fixture
def for_sale():
    return service_in_shanghai()


@pytest.fixture
def dispatcher():
    return make_ops("Dispatch")


def _accept(order, worker):
    offer = order.dispatch_job.offers.get(status=Offer.Status.PENDING)
    with after_commit():
        cascade.accept_offer(offer_id=offer.public_id, user=worker.provider.user)
    order.refresh_from_db()


# --- Who sees the board -------------------------------------------------------------


def test_the_board_is_hidden_from_everyone_but_ops(client):
    client.force_login(make_user())

    assert client.get("/ops/dispatch/").status_code == 404
    assert client.get("/ops/dispatch/live/").status_code == 404


def test_ops_without_a_second_factor_do_not_get_in(client):
    sign_in_ops(client, make_ops("Dispatch"), second_factor=False)

    assert client.get("/ops/dispatch/").status_code == 404


def test_ops_whose_role_does_not_dispatch_are_refused(client):
    sign_in_ops(client, make_ops("Finance"))

    assert client.get("/ops/dispatch/").status_code == 403
    assert client.get("/ops/dispatch/live/").status_code == 403


def test_the_board_lists_open_orders_with_clocks_and_workers_on_duty(
    client, for_sale, dispatcher
):
    worker = make_worker(for_sale.service.category, at=NEAR, name="Wang Fang")
    order = paid_dispatch_order(for_sale)
    sign_in_ops(client, dispatcher)

    page = client.get("/ops/dispatch/")
    live = client.get("/ops/dispatch/live/")

    assert page.status_code == 200
    text = live.content.decode()
    assert order.public_id in text
    assert "Wang Fang" in text
    assert "min left" in text
    assert 'hx-trigger="every 5s"' in page.content.decode()
    assert 'data-map="dispatch"' in page.content.decode()
    home = client.get(reverse("backoffice:home")).content.decode()
    assert "/ops/dispatch/" in home
    assert worker.display_name in text


def test_a_broken_promise_shows_red(client, for_sale, dispatcher):
    order = paid_dispatch_order(for_sale)
    job = order.dispatch_job
    job.refresh_from_db()
    type(job).objects.filter(pk=job.pk).update(
        assignment_due_at=job.opened_at - timedelta(minutes=1)
    )
    sign_in_ops(client, dispatcher)

    text = client.get("/ops/dispatch/live/").content.decode()

    assert "dispatch-row--late" in text
    assert "late by" in text


# --- Assigning by hand ----------------------------------------------------------------


def test_ops_assign_a_worker_by_hand_and_the_engine_audits_it(
    client, for_sale, dispatcher
):
    first = make_worker(for_sale.service.category, at=NEAR)
    chosen = make_worker(for_sale.service.category, at=FURTHER)
    order = paid_dispatch_order(for_sale)
    assert order.dispatch_job.offers.get().worker == first
    sign_in_ops(client, dispatcher)

    response = client.post(
        f"/ops/dispatch/{order.public_id}/assign/",
        {"worker": chosen.public_id, "reason": "Regular customer asked for her"},
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.ACCEPTED
    assert order.provider == chosen.provider
    job = order.dispatch_job
    job.refresh_from_db()
    assert job.worker == chosen
    assert order.dispatch_job.offers.get(worker=first).status == "withdrawn"
    entry = AuditEntry.objects.get(action="orders.assign", target_id=order.public_id)
    assert entry.actor == dispatcher
    assert entry.reason == "Regular customer asked for her"


def test_assigning_needs_a_reason(for_sale, dispatcher):
    worker = make_worker(for_sale.service.category, at=NEAR)
    order = paid_dispatch_order(for_sale)

    with pytest.raises(DomainError) as raised:
        board.assign_by_hand(
            user=dispatcher,
            order_id=order.public_id,
            worker_id=worker.public_id,
            reason=" ",
        )

    assert raised.value.code == "invalid_input"
    order.refresh_from_db()
    assert order.state == OrderState.DISPATCHING


def test_a_worker_whose_time_is_taken_cannot_be_assigned(client, for_sale, dispatcher):
    busy = make_worker(for_sale.service.category, at=NEAR)
    taken = paid_dispatch_order(for_sale)
    _accept(taken, busy)
    # Someone free elsewhere holds the second order's live offer meanwhile.
    make_worker(for_sale.service.category, at=(NEAR[0] + 0.03, NEAR[1]))
    order = paid_dispatch_order(for_sale)
    live_offer = order.dispatch_job.offers.get(status="pending")
    sign_in_ops(client, dispatcher)

    response = client.post(
        f"/ops/dispatch/{order.public_id}/assign/",
        {"worker": busy.public_id, "reason": "Closest"},
    )

    assert response.status_code == 409
    assert "This worker already has a job at that time" in response.content.decode()
    order.refresh_from_db()
    assert order.state == OrderState.DISPATCHING
    live_offer.refresh_from_db()
    assert live_offer.status == "pending"  # the withdrawal was rolled back
    assert not AuditEntry.objects.filter(target_id=order.public_id).exists()


def test_an_order_that_moved_on_cannot_be_assigned(for_sale, dispatcher):
    worker = make_worker(for_sale.service.category, at=NEAR)
    order = paid_dispatch_order(for_sale)
    with after_commit():
        apply_transition(order_id=order.pk, name="cancel", user=order.customer)

    with pytest.raises(Conflict) as raised:
        board.assign_by_hand(
            user=dispatcher,
            order_id=order.public_id,
            worker_id=worker.public_id,
            reason="Try",
        )

    assert raised.value.code == "state_changed"


def test_reassigning_moves_the_job_and_the_time_together(client, for_sale, dispatcher):
    first = make_worker(for_sale.service.category, at=NEAR)
    second = make_worker(for_sale.service.category, at=FURTHER)
    order = paid_dispatch_order(for_sale)
    _accept(order, first)
    sign_in_ops(client, dispatcher)

    with after_commit():
        response = client.post(
            f"/ops/dispatch/{order.public_id}/assign/",
            {"worker": second.public_id, "reason": "First worker's car broke down"},
        )

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.ACCEPTED
    assert order.provider == second.provider
    claim = TimeClaim.objects.get(order=order, released_at__isnull=True)
    assert claim.provider == second.provider
    actions = AuditEntry.objects.filter(target_id=order.public_id).values_list(
        "action", flat=True
    )
    assert sorted(actions) == ["orders.assign", "orders.unassign"]


def test_unassigning_sends_the_order_back_to_dispatch(client, for_sale, dispatcher):
    first = make_worker(for_sale.service.category, at=NEAR)
    second = make_worker(for_sale.service.category, at=FURTHER)
    order = paid_dispatch_order(for_sale)
    _accept(order, first)
    sign_in_ops(client, dispatcher)

    with after_commit():
        response = client.post(
            f"/ops/dispatch/{order.public_id}/unassign/", {"reason": "No answer"}
        )

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.DISPATCHING
    assert order.dispatch_job.offers.get(status="pending").worker == second
    entry = AuditEntry.objects.get(action="orders.unassign")
    assert entry.reason == "No answer"


def test_ops_without_the_dispatch_role_cannot_assign(client, for_sale):
    worker = make_worker(for_sale.service.category, at=NEAR)
    order = paid_dispatch_order(for_sale)
    sign_in_ops(client, make_ops("Finance"))

    response = client.post(
        f"/ops/dispatch/{order.public_id}/assign/",
        {"worker": worker.public_id, "reason": "x"},
    )

    assert response.status_code == 403
    order.refresh_from_db()
    assert order.state == OrderState.DISPATCHING


def test_an_unknown_order_is_not_found(client, dispatcher):
    sign_in_ops(client, dispatcher)

    assert client.get("/ops/dispatch/ord_nothing/").status_code == 404


def test_the_order_page_lists_eligible_workers_first(client, for_sale, dispatcher):
    off_duty = make_worker(
        for_sale.service.category, at=NEAR, on_duty=False, name="Off Duty"
    )
    further = make_worker(for_sale.service.category, at=FURTHER, name="Further On")
    order = paid_dispatch_order(for_sale)
    sign_in_ops(client, dispatcher)

    found = board.candidates_for(user=dispatcher, order_id=order.public_id)
    page = client.get(f"/ops/dispatch/{order.public_id}/")

    assert [c.worker for c in found] == [further, off_duty]
    assert [c.eligible for c in found] == [True, False]
    assert page.status_code == 200
    assert "Further On" in page.content.decode()


# --- The promises, in the settings ----------------------------------------------------


def test_settings_ops_set_a_promise_and_it_is_audited(client, for_sale):
    admin = make_ops("Ops admin")
    sign_in_ops(client, admin)

    response = client.post(
        "/ops/settings/dispatch-promises/",
        {
            "promise-city": "shanghai",
            "promise-category": for_sale.service.category.public_id,
            "promise-respond_minutes": "15",
            "promise-arrive_minutes": "90",
            "promise-asap_offer_seconds": "60",
            "promise-scheduled_offer_minutes": "20",
            "promise-compensation_bps": "1000",
            "promise-redispatch_on_breach": "on",
            "promise-reason": "Launch promise for cleaning",
        },
    )

    assert response.status_code == 302
    policy = SlaPolicy.objects.get()
    assert (policy.city.slug, policy.category) == (
        "shanghai",
        for_sale.service.category,
    )
    assert (policy.respond_minutes, policy.compensation_bps) == (15, 1000)
    entry = AuditEntry.objects.get(action="settings.dispatch.save_sla_policy")
    assert entry.after["respond_minutes"] == 15
    assert entry.reason == "Launch promise for cleaning"
    listed = client.get("/ops/settings/dispatch-promises/").content.decode()
    assert "1000" in listed
    assert (
        "/ops/settings/dispatch-promises/"
        in client.get("/ops/settings/").content.decode()
    )


def test_a_promise_out_of_range_is_refused_beside_the_field(client):
    sign_in_ops(client, make_ops("Ops admin"))

    response = client.post(
        "/ops/settings/dispatch-promises/",
        {
            "promise-respond_minutes": "0",
            "promise-arrive_minutes": "90",
            "promise-asap_offer_seconds": "60",
            "promise-scheduled_offer_minutes": "20",
            "promise-compensation_bps": "20000",
        },
    )

    assert response.status_code == 400
    assert not SlaPolicy.objects.exists()


def test_only_settings_ops_change_promises(client, dispatcher):
    sign_in_ops(client, dispatcher)

    assert client.get("/ops/settings/dispatch-promises/").status_code == 403
    with pytest.raises(PermissionDenied):
        save_policy(
            actor=dispatcher,
            respond_minutes=10,
            arrive_minutes=60,
            asap_offer_seconds=60,
            scheduled_offer_minutes=10,
            compensation_bps=0,
            redispatch_on_breach=True,
        )
    assert not SlaPolicy.objects.exists()


def test_removing_a_promise_is_audited(client):
    admin = make_ops("Ops admin")
    policy = SlaPolicy.objects.create(respond_minutes=20)
    sign_in_ops(client, admin)

    response = client.post(f"/ops/settings/dispatch-promises/{policy.pk}/delete/")

    assert response.status_code == 302
    assert not SlaPolicy.objects.exists()
    assert AuditEntry.objects.filter(
        action="settings.dispatch.delete_sla_policy"
    ).exists()


def test_the_ops_order_list_filters_by_every_state_dispatch_orders_included(
    client, for_sale
):
    sign_in_ops(client, make_ops("Support"))
    order = paid_dispatch_order(for_sale)  # nobody on duty: still looking
    assert order.state == OrderState.DISPATCHING

    listing = client.get(reverse("orders:ops_list"), {"state": "dispatching"})

    html = listing.content.decode()
    for state in OrderState:
        assert f'<option value="{state.value}"' in html
    assert '<option value="dispatching" selected>' in html
    assert order.public_id in html
    others = client.get(reverse("orders:ops_list"), {"state": "accepted"})
    assert order.public_id not in others.content.decode()
