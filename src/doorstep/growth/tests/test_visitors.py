"""Where visitors come from: the visitor cookie, sourced visits kept as
touches, and a friend's link becoming the new account's referral at sign-up."""

import pytest
from django.urls import reverse

from doorstep.growth import referrals
from doorstep.growth.models import Referral, Sighting, Touch
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "a long and unusual passphrase 42"


def _sign_up(client, email: str):
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "password1": PASSWORD,
            "name": "Dana",
            "accept_terms": "on",
        },
        HTTP_ACCEPT_LANGUAGE="en",
        REMOTE_ADDR="203.0.113.7",
    )


def test_a_plain_visit_gets_the_cookie_and_writes_nothing(client):
    response = client.get("/")

    assert response.cookies[referrals.DEVICE_COOKIE].value
    assert response.cookies[referrals.DEVICE_COOKIE]["httponly"]
    assert not Touch.objects.exists()
    again = client.get("/")
    assert referrals.DEVICE_COOKIE not in again.cookies


def test_a_campaign_visit_then_a_sign_up_through_a_friends_code(client):
    inviter = make_user(name="Mei")
    code = referrals.code_for(inviter).code
    client.get("/?utm_source=wechat&utm_campaign=spring-clean&utm_medium=social")
    client.get(f"/?ref={code.lower()}")
    client.get(f"/?ref={code.lower()}")  # the same touch is kept once a day

    response = _sign_up(client, "dana@example.com")

    assert response.status_code == 302, response.content
    referral = Referral.objects.get()
    assert referral.inviter == inviter
    assert referral.invitee.email == "dana@example.com"
    touches = Touch.objects.filter(user=referral.invitee).order_by("at")
    assert [touch.source for touch in touches] == ["campaign", "referral"]
    assert touches[0].utm_campaign == "spring-clean"
    assert Sighting.objects.filter(user=referral.invitee).exists()


def test_an_unknown_or_own_code_makes_no_referral(client):
    client.get("/?ref=NOSUCHCODE")

    _sign_up(client, "erin@example.com")

    assert not Referral.objects.exists()
    assert Touch.objects.get().code == "NOSUCHCODE"


def test_a_shared_review_earns_its_author_points_when_someone_else_opens_it(
    client, settings
):
    from doorstep.growth.models import RewardLot
    from doorstep.reviews import services
    from doorstep.reviews.models import Review
    from doorstep.reviews.tests.conftest import completed
    from tests.factories import make_listing

    settings.DOORSTEP_POINTS_SHARED_REVIEW = 50
    author = make_user(name="Cora Lin")
    order = completed(make_listing(), author)
    review = services.submit_review(order=order, author=author, stars=5, text="Great")
    Review.objects.filter(pk=review.pk).update(revealed_at=review.created_at)
    code = referrals.code_for(author).code
    url = reverse("reviews:detail", args=[review.public_id])

    # The author's own page shares a link with their code.
    client.force_login(author)
    page = client.get(url).content.decode()
    assert f"ref%3D{code}" in page or f"ref={code}" in page
    # Opening it on the author's own device earns nothing.
    client.get(f"{url}?ref={code}")
    assert not RewardLot.objects.filter(source="shared_review").exists()
    client.logout()

    # Two friends open it: points once.
    for _ in range(2):
        friend = client_class_for(client)
        friend.get(f"{url}?ref={code}")

    lot = RewardLot.objects.get(source="shared_review")
    assert (lot.user, lot.amount, lot.source_ref) == (author, 50, review.public_id)


def client_class_for(client):
    """A new browser (no cookies) beside ``client``."""
    return type(client)()
