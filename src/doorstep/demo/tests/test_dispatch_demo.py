"""The demo's platform dispatch: services on sale in every city, workers there,
the promises, and dispatched orders told through the real services, with a job
today for the staff login."""

import pytest

from doorstep.accounts.models import ProviderProfile
from doorstep.catalog.models import CatalogueService
from doorstep.core.geo import distance_km
from doorstep.demo.builders import build_demo
from doorstep.demo.data import CITIES_BY_SLUG
from doorstep.demo.dispatch_world import STAFF_LOGIN_EMAIL
from doorstep.demo.tests.test_history import _working_hours_now
from doorstep.dispatch.candidates import qualified_worker_ids
from doorstep.dispatch.models import (
    DispatchJob,
    Offer,
    ServiceInCity,
    SlaPolicy,
    Worker,
)
from doorstep.orders.states import OrderState
from doorstep.payments.reconciliation import reconcile
from doorstep.reviews.models import Review

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_dispatches_in_every_city_through_the_real_services(settings):
    # Given the demo built with a short history, under the operator's default
    # of offering jobs only to workers with verified documents
    settings.DOORSTEP_REQUIRE_VERIFIED_DOCUMENTS = True
    now = _working_hours_now()
    report = build_demo(providers=30, customers=30, orders=24, now=now)

    # then every city sells every catalogue service in its own money
    services = CatalogueService.objects.count()
    for slug, city in CITIES_BY_SLUG.items():
        on_sale = ServiceInCity.objects.filter(city__slug=slug)
        assert on_sale.count() == services
        assert set(on_sale.values_list("currency", flat=True)) == {city.currency}
        # and has workers based there
        assert any(
            distance_km(
                w.base_latitude, w.base_longitude, city.latitude, city.longitude
            )
            < 60
            for w in Worker.objects.all()
        ), slug
    assert Worker.objects.filter(staff__isnull=False).exists()
    assert Worker.objects.filter(staff__isnull=True).exists()
    # every one of them vetted: qualified for each of their trades (but for
    # providers restricted by standards enforcement, who take no new work)
    for worker in Worker.objects.filter(
        provider__status=ProviderProfile.Status.ACTIVE
    ).prefetch_related("categories"):
        for category in worker.categories.all():
            assert worker.pk in qualified_worker_ids(category.pk), (worker, category)
    assert Offer.objects.filter(status=Offer.Status.ACCEPTED).exists()
    assert SlaPolicy.objects.filter(city=None, category=None).exists()
    assert SlaPolicy.objects.filter(city__slug="shanghai", arrive_minutes=90).exists()

    # and dispatched orders went the whole way, or stand where live ones do
    assert report.dispatch.orders >= 10
    jobs = DispatchJob.objects.select_related("order")
    states = {job.order.state for job in jobs}
    assert {OrderState.COMPLETED, OrderState.DISPATCHING, OrderState.EXPIRED} <= states
    assert jobs.filter(escalated_at__isnull=False, order__state="dispatching").exists()
    assert Review.objects.filter(order__mode="dispatch").exists()
    staff_job = jobs.get(
        order__staff__user__email=STAFF_LOGIN_EMAIL, order__state="accepted"
    )
    assert staff_job.order.starts_at > now
    assert reconcile() == []
