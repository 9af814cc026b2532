"""Every ops action writes one audit entry — who, what, to what, before/after,
why — in the transaction that takes it; what customers and providers do, and
what ops are refused, writes none."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from doorstep.api.testing import API, JSON, ops_bearer
from doorstep.audit.models import AuditEntry
from doorstep.audit.queries import entries_for
from doorstep.catalog.models import Category
from doorstep.core.errors import Conflict, PermissionDenied
from doorstep.orders.engine import apply_transition
from doorstep.orders.services import transition_order
from doorstep.orders.states import OrderState
from doorstep.payments import flows
from doorstep.payments.gateways import sandbox
from doorstep.payments.models import PayoutRequest
from doorstep.payments.tests.conftest import onboard
from doorstep.reviews import services as reviews
from doorstep.reviews.models import Review, ReviewReport
from tests.factories import (
    make_category,
    make_completed_order,
    make_listing,
    make_ops,
    make_order,
    make_user,
    sign_in_ops,
)

pytestmark = pytest.mark.django_db
CARD_OK = "4242 4242 4242 4242"


@pytest.fixture(autouse=True)
def _sandbox(settings):
    settings.DOORSTEP_PAYMENT_GATEWAY = "sandbox"
    settings.DOORSTEP_SANDBOX_AUTO_DELIVER = False
    settings.DOORSTEP_SANDBOX_CHAOS = False
    settings.DOORSTEP_MIN_PAYOUT = 1000
    settings.DOORSTEP_CLEARING_DAYS = 7
    sandbox.clear_injected_failures()


@pytest.fixture
def paid_order():
    """A paid, completed and released order whose provider asked for a payout."""
    order = make_completed_order(listing=make_listing(price=10_000, currency="CNY"))
    flows.authorise_order(order=order, payment_method=CARD_OK)
    flows.capture_order(order=order)
    flows.release_order(order=order)
    flows.clear_pending(now=timezone.now() + timedelta(days=8))
    onboard(order.provider)
    return order


def test_an_ops_cancellation_is_audited_with_its_reason(client):
    # Given an open order and ops signed in with a role that acts on orders
    order = make_order()
    ops = make_ops("Support")
    sign_in_ops(client, ops)

    # When they cancel it from the order's ops page, giving a reason
    client.post(
        reverse("orders:ops_transition", args=[order.public_id, "cancel"]),
        {"reason": "Customer called: duplicate booking"},
    )

    # Then the trail says who, what, before/after and why
    entry = entries_for(order).get()
    assert entry.actor == ops
    assert entry.action == "orders.cancel"
    assert entry.before == {"state": OrderState.REQUESTED}
    assert entry.after == {"state": OrderState.CANCELLED}
    assert entry.reason == "Customer called: duplicate booking"


def test_what_the_parties_and_the_system_do_is_not_audited():
    order = make_order()

    transition_order(order=order, name="cancel", user=order.customer)

    assert not AuditEntry.objects.exists()


def test_settling_a_dispute_is_audited_and_a_refused_one_writes_nothing():
    order = make_order(state=OrderState.DISPUTED)
    with pytest.raises(PermissionDenied):
        apply_transition(
            order_id=order.pk, name="resolve_complete", user=make_ops("Finance")
        )
    assert not AuditEntry.objects.exists()

    ops = make_ops("Support")
    apply_transition(
        order_id=order.pk,
        name="resolve_complete",
        user=ops,
        data={"reason": "Photos show the job done"},
    )

    entry = AuditEntry.objects.get()
    assert (entry.action, entry.reason) == (
        "orders.resolve_complete",
        "Photos show the job done",
    )
    assert entry.after == {"state": OrderState.COMPLETED}


def test_a_refund_is_audited_once_with_amount_and_reason(client, paid_order):
    ops = make_ops("Finance")
    headers = {**ops_bearer(ops), "HTTP_IDEMPOTENCY_KEY": "refund-1"}
    url = f"{API}/ops/orders/{paid_order.public_id}/refunds"
    body = {"amount": 1_500, "reason": "Late arrival, goodwill"}

    first = client.post(url, body, content_type=JSON, **headers)
    again = client.post(url, body, content_type=JSON, **headers)

    assert (first.status_code, again.status_code) == (201, 201)
    entry = entries_for(paid_order).get()
    assert entry.action == "payments.refund"
    assert entry.actor == ops
    assert entry.reason == "Late arrival, goodwill"
    assert entry.before["refunded_amount"] == 0
    assert entry.after["refunded_amount"] == 1_500
    assert entry.after["amount"] == 1_500


def test_each_payout_of_a_batch_is_audited(client, paid_order):
    payout = flows.request_payout(
        provider=paid_order.provider, amount=2_000, currency="CNY"
    )
    ops = make_ops("Finance")
    sign_in_ops(client, ops)

    client.post(
        reverse("payments:ops_approve"),
        {"payout": [payout.public_id], "reason": "Weekly run"},
    )

    payout.refresh_from_db()
    entry = entries_for(payout).get()
    assert entry.action == "payments.approve_payout"
    assert entry.reason == "Weekly run"
    assert entry.before == {"status": PayoutRequest.Status.REQUESTED}
    assert entry.after["status"] == PayoutRequest.Status.APPROVED
    assert entry.after["batch"] == payout.batch.public_id


@pytest.fixture
def reported_review(paid_order):
    review = reviews.submit_review(
        order=paid_order, author=paid_order.customer, stars=1, text="Terrible"
    )
    Review.objects.filter(pk=review.pk).update(revealed_at=timezone.now())
    reviews.report_review(review_id=review.public_id, user=make_user(), reason="Rude")
    return review


def test_hiding_and_unhiding_a_review_are_audited(reported_review):
    ops = make_ops("Trust & safety")

    reviews.hide_review(
        review_id=reported_review.public_id, user=ops, reason="Abusive language"
    )
    reviews.unhide_review(
        review_id=reported_review.public_id, user=ops, reason="Appeal accepted"
    )

    hidden, unhidden = reversed(entries_for(reported_review))
    assert (hidden.action, hidden.reason) == ("reviews.hide", "Abusive language")
    assert hidden.after == {"hidden": True, "reports_resolved": 1}
    assert (unhidden.action, unhidden.reason) == ("reviews.unhide", "Appeal accepted")
    assert unhidden.before == {"hidden": True, "hidden_reason": "Abusive language"}


def test_dismissing_reports_resolves_them_and_is_audited(reported_review):
    ops = make_ops("Trust & safety")

    resolved = reviews.dismiss_review_reports(
        review_id=reported_review.public_id, user=ops, reason="Fair criticism"
    )

    assert resolved == 1
    assert not ReviewReport.objects.filter(resolved=False).exists()
    reported_review.refresh_from_db()
    assert reported_review.hidden_at is None
    entry = entries_for(reported_review).get()
    assert (entry.action, entry.reason) == ("reviews.dismiss_reports", "Fair criticism")
    # Nothing left to dismiss: 409 and nothing written
    with pytest.raises(Conflict) as refused:
        reviews.dismiss_review_reports(
            review_id=reported_review.public_id, user=ops, reason="Again"
        )
    assert refused.value.code == "no_open_reports"
    assert entries_for(reported_review).count() == 1


def test_dismissing_needs_a_moderating_role(reported_review):
    with pytest.raises(PermissionDenied):
        reviews.dismiss_review_reports(
            review_id=reported_review.public_id,
            user=make_ops("Support"),
            reason="x",
        )
    assert ReviewReport.objects.filter(resolved=False).count() == 1
    assert not AuditEntry.objects.exists()


def _admin_form_data(ops, category: Category) -> dict:
    """What the admin's change form posts back unchanged."""
    model_admin = admin.site._registry[Category]
    request = RequestFactory().get("/")
    request.user = ops
    form = model_admin.get_form(request, category)(instance=category)
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = value
    return data


def test_an_admin_edit_is_mirrored_into_the_trail(client):
    # Given a category and an ops admin in the Django admin
    category = make_category(
        "cleaning", name_en="Cleaning", name_zh_hans="清洁", name_zh_hant="清潔"
    )
    ops = make_ops("Ops admin", is_superuser=True)
    sign_in_ops(client, ops)
    data = _admin_form_data(ops, category)

    # When they rename it
    response = client.post(
        reverse("admin:catalog_category_change", args=[category.pk]),
        {**data, "name_en": "Home cleaning"},
    )

    # Then the admin's own history and the audit trail both have it
    assert response.status_code == 302
    entry = entries_for(category).get()
    assert (entry.action, entry.actor) == ("admin.change", ops)
    assert entry.before == {"name_en": "Cleaning"}
    assert entry.after == {"name_en": "Home cleaning"}


def test_an_admin_deletion_is_mirrored_into_the_trail(client):
    category = make_category("to-go", name_en="To go")
    target = ("catalog.category", category.public_id)
    ops = make_ops("Ops admin", is_superuser=True)
    sign_in_ops(client, ops)

    response = client.post(
        reverse("admin:catalog_category_delete", args=[category.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Category.objects.filter(pk=category.pk).exists()
    entry = AuditEntry.objects.get()
    assert (entry.target_type, entry.target_id) == target
    assert (entry.action, entry.before) == ("admin.delete", {"record": "To go"})


def test_running_a_periodic_job_now_is_audited(client):
    ops = make_ops("Support")
    sign_in_ops(client, ops)

    client.post(reverse("periodic:ops_run_job", args=["reconcile_payments"]))

    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor) == ("periodic.run_now", ops)
    assert (entry.target_type, entry.target_label) == (
        "periodic.periodicjob",
        "reconcile_payments",
    )
