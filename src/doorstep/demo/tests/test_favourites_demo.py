"""Favourites and recommendations in the demo: the demo customer has saved
services and a provider, and their home page suggests services they can book
at their address."""

import pytest

from doorstep.accounts.models import User
from doorstep.demo.builders import build_demo
from doorstep.recommendations.models import Favourite, ListingNeighbour
from doorstep.recommendations.queries import customer_point, recommended_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_customer_has_favourites_and_recommendations():
    report = build_demo(providers=30, customers=30, orders=40)

    assert report.favourites["favourites"] >= 1
    assert report.favourites["neighbours"] > 0
    customer = User.objects.get(email__startswith="customer@")
    assert Favourite.objects.filter(customer=customer).exists()
    assert ListingNeighbour.objects.exists()
    hits = recommended_for(customer=customer, point=customer_point(customer))
    assert hits
