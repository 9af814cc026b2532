"""The catalogue in the back office: the category tree, listings (edits reach
search) and catalogue services."""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from doorstep.accounts.models import User
from doorstep.catalog.models import CatalogueService, Listing
from doorstep.search.models import SearchDocument

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(client) -> User:
    user = User.objects.create_user(
        email="ops@example.com",
        password="a-long-ops-password",
        is_staff=True,
        is_superuser=True,
    )
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={})
    client.force_login(user)
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": 0},
        {"method": "mfa", "at": 0},
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return user


def test_categories_are_listed_as_a_tree(client, ops, cleaning, deep_cleaning):
    response = client.get(reverse("admin:catalog_category_changelist"))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Home Cleaning") < html.index("— Deep Cleaning")
    assert "20%" in html  # the default commission, as a percentage


def test_listings_are_filtered_and_searched(client, ops, published, draft):
    url = reverse("admin:catalog_listing_changelist")

    by_status = client.get(url, {"status__exact": "published"})
    by_search = client.get(url, {"q": published.public_id})

    assert by_status.status_code == by_search.status_code == 200
    assert published.title in by_search.content.decode()
    assert "¥480.00" in by_status.content.decode()


def test_ops_pausing_a_listing_takes_it_out_of_search(client, ops, published):
    assert SearchDocument.objects.filter(pk=published.pk).exists()
    url = reverse("admin:catalog_listing_change", args=[published.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name != "languages"
    }
    data.update(
        provider=published.provider_id,
        category=published.category_id,
        status="paused",
        languages="[]",
        **{
            f"{prefix}-{key}": value
            for prefix in ("add_ons", "photos")
            for key, value in {
                "TOTAL_FORMS": 0,
                "INITIAL_FORMS": 0,
                "MIN_NUM_FORMS": 0,
                "MAX_NUM_FORMS": 1000,
            }.items()
        },
    )

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Listing.objects.get(pk=published.pk).status == "paused"
    assert not SearchDocument.objects.filter(pk=published.pk).exists()


def test_catalogue_services_are_listed(client, ops, deep_cleaning):
    CatalogueService.objects.create(
        category=deep_cleaning,
        title_en="Deep cleaning",
        title_zh_hans="深度保洁",
        title_zh_hant="深層清潔",
        price_amount=58000,
        currency="CNY",
    )

    response = client.get(reverse("admin:catalog_catalogueservice_changelist"))

    assert "深度保洁" in response.content.decode()
