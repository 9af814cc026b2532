"""Ops who dispatch see the orders nobody was found for, oldest first; other
ops roles and everyone else do not."""

import pytest
from django.urls import reverse

from doorstep.dispatch.tests.helpers import (
    make_worker,
    paid_dispatch_order,
    service_in_shanghai,
)
from tests.factories import make_ops, make_user, sign_in_ops

pytestmark = pytest.mark.django_db

URL = "backoffice:unplaced_dispatch_orders"


@pytest.fixture
def unplaced():
    nobody_skilled, staffed = service_in_shanghai(), service_in_shanghai()
    make_worker(staffed.service.category)
    return paid_dispatch_order(nobody_skilled), paid_dispatch_order(staffed)


def test_dispatch_ops_see_the_orders_nobody_was_found_for(client, unplaced):
    nobody, placed = unplaced
    sign_in_ops(client, make_ops("Dispatch"))

    page = client.get(reverse(URL)).content.decode()
    home = client.get(reverse("backoffice:home")).content.decode()

    assert reverse("orders:ops_detail", args=[nobody.public_id]) in page
    assert placed.public_id not in page
    assert 'data-queue="unplaced_dispatch_orders"' in home


def test_other_ops_roles_and_customers_do_not_see_the_queue(client, unplaced):
    sign_in_ops(client, make_ops("Finance"))
    assert client.get(reverse(URL)).status_code == 403

    client.logout()
    client.force_login(unplaced[0].customer)
    assert client.get(reverse(URL)).status_code in (403, 404)
    client.force_login(make_user())
    assert client.get(reverse(URL)).status_code in (403, 404)
