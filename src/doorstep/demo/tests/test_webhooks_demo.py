"""The demo's webhook endpoint: off (the demo sends nothing), with a delivery
log of real order events, public ids only."""

import json

import pytest

from doorstep.demo.builders import build_demo
from doorstep.webhooks.models import Attempt, Delivery, Endpoint

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_has_a_webhook_endpoint_with_a_delivery_log():
    build_demo(providers=12, customers=10, orders=6)

    endpoint = Endpoint.objects.get()
    assert not endpoint.enabled
    deliveries = Delivery.objects.filter(endpoint=endpoint)
    assert deliveries.count() == 3
    assert not deliveries.exclude(status=Delivery.Status.DELIVERED).exists()
    assert Attempt.objects.filter(status_code=500).exists()
    for delivery in deliveries:
        body = json.loads(delivery.body)
        assert body["data"]["id"].startswith("ord_")
