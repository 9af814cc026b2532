"""Badges where customers choose: result cards, the listing page and the
provider's profile, translated; and the search filter on the web and the API."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from doorstep.api.testing import API
from doorstep.trust.badges import grant_badge, revoke_badge
from doorstep.trust.models import BadgeKind
from tests.factories import SHANGHAI, make_category, make_listing, make_provider

pytestmark = pytest.mark.django_db
NEAR = {"lat": SHANGHAI[0], "lng": SHANGHAI[1]}


@pytest.fixture
def checked():
    """A provider with three live badges and one that expired."""
    provider = make_provider(display_name="Mei Chen")
    grant_badge(provider, BadgeKind.BACKGROUND_CHECKED, source="check:bgc_1")
    grant_badge(provider, BadgeKind.TOP_PROVIDER, source="rule:top_provider:1")
    grant_badge(
        provider,
        BadgeKind.LICENSED,
        source="document:doc_1",
        category=make_category("electrical", name_en="Electrical"),
    )
    grant_badge(
        provider,
        BadgeKind.HEALTH_CERTIFICATE,
        source="document:doc_2",
        expires_at=timezone.now() - timedelta(days=1),
        now=timezone.now() - timedelta(days=300),
    )
    return provider


@pytest.fixture
def plain():
    return make_provider(display_name="Li Wei")


def _badges_in(html: str) -> list[str]:
    import re

    return re.findall(r'data-badge="([a-z_]+)"', html)


def test_the_listing_page_shows_live_badges_only(client, checked):
    listing = make_listing(provider=checked)

    html = client.get(reverse("catalog:listing", args=[listing.public_id])).text

    assert _badges_in(html) == ["top_provider", "background_checked", "licensed"]
    assert "Licensed · Electrical" in html
    assert "health_certificate" not in html


def test_the_profile_page_shows_badges_in_the_visitors_language(client, checked):
    with override("zh-hans"):
        url = reverse("reviews:provider", args=[checked.public_id])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").text

    assert _badges_in(html) == ["top_provider", "background_checked", "licensed"]
    assert "背景调查" in html or "已通过背景调查" in html


def test_a_result_card_shows_the_providers_badges(client, checked, plain):
    make_listing(provider=checked, title="Wiring repair")
    make_listing(provider=plain, title="Wiring check")

    html = client.get(reverse("search:search"), {"q": "wiring", **NEAR}).text

    assert sorted(_badges_in(html)) == sorted(
        ["top_provider", "background_checked", "licensed"]
    )


def test_a_revoked_badge_disappears_at_once(client, checked):
    listing = make_listing(provider=checked)
    revoke_badge(checked, BadgeKind.TOP_PROVIDER, reason="rule: rating")

    html = client.get(reverse("catalog:listing", args=[listing.public_id])).text

    assert "top_provider" not in _badges_in(html)


def test_the_api_filters_by_badges_and_lists_them(client, checked, plain):
    mine = make_listing(provider=checked, title="Deep cleaning")
    make_listing(provider=plain, title="Deep cleaning")

    body = client.get(
        f"{API}/services",
        {"q": "cleaning", "badges": "background_checked,top_provider", **NEAR},
    ).json()

    assert [item["id"] for item in body["items"]] == [mine.public_id]
    assert body["total"] == 1
    assert body["items"][0]["badges"] == [
        "top_provider",
        "background_checked",
        "licensed",
    ]


def test_every_asked_badge_must_be_held(client, checked):
    make_listing(provider=checked, title="Deep cleaning")

    body = client.get(
        f"{API}/services", {"badges": "background_checked,id_verified", **NEAR}
    ).json()

    assert body["items"] == []


def test_an_expired_badge_does_not_match(client, checked):
    make_listing(provider=checked)
    body = client.get(
        f"{API}/services", {"badges": "health_certificate", **NEAR}
    ).json()
    assert body["total"] == 0


def test_an_unknown_badge_is_a_clear_400(client):
    response = client.get(f"{API}/services", {"badges": "saint"})
    assert response.status_code == 400
    assert "badges" in response.json()["errors"]


def test_verified_means_the_id_verified_badge(client, plain):
    verified = make_provider(verified=True)
    mine = make_listing(provider=verified)
    make_listing(provider=plain)

    body = client.get(f"{API}/services", {"verified": "true", **NEAR}).json()

    assert [item["id"] for item in body["items"]] == [mine.public_id]
    assert body["items"][0]["provider"]["verified"] is True


def test_the_web_form_filters_with_checkboxes(client, checked, plain):
    make_listing(provider=checked, title="Tidy flat")
    make_listing(provider=plain, title="Tidy house")

    response = client.get(
        reverse("search:search"),
        {"q": "tidy", "badges": ["background_checked", "top_provider"], **NEAR},
    )

    html = response.text
    assert "Tidy flat" in html
    assert "Tidy house" not in html
    assert 'value="background_checked" checked' in html
