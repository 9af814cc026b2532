"""Orders in Django's admin: read-only pages that open."""

import pytest
from django.urls import reverse

from tests.factories import make_ops, make_order, sign_in_ops

pytestmark = pytest.mark.django_db


def test_the_admin_order_page_opens(client):
    # Given an order and an admin signed in with their second factor
    order = make_order()
    ops = make_ops(is_superuser=True)
    sign_in_ops(client, ops)

    # When they open the order in the admin
    response = client.get(reverse("admin:orders_order_change", args=[order.pk]))

    # Then it shows, read-only, with a link to the back office's order page
    assert response.status_code == 200
    html = response.content.decode()
    assert order.public_id in html
    assert reverse("orders:ops_detail", args=[order.public_id]) in html
