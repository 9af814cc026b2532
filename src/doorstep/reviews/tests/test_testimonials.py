"""A review's public page, and testimonials: ops pick real, public reviews for
the home page; nobody else can; every pick is audited; a review hidden later
leaves the home page."""

import pytest
from django.urls import reverse

from doorstep.accounts.models import ProviderProfile
from doorstep.audit.models import AuditEntry
from doorstep.core.errors import Conflict, DomainError, PermissionDenied
from doorstep.reviews import services
from doorstep.reviews.models import Review, first_name_and_initial
from doorstep.reviews.models import Testimonial as Picked
from doorstep.reviews.tests.conftest import completed
from tests.factories import make_ops, make_user, sign_in_ops

pytestmark = pytest.mark.django_db


def _review(listing, *, name="Cora Lin", text="Spotless, on time, lovely", public=True):
    order = completed(listing, make_user(name=name))
    review = services.submit_review(
        order=order, author=order.customer, stars=5, text=text
    )
    if public:
        Review.objects.filter(pk=review.pk).update(revealed_at=review.created_at)
        review.refresh_from_db()
    return review


@pytest.fixture
def review(listing) -> Review:
    return _review(listing)


@pytest.fixture
def ops(client):
    user = make_ops("Trust & safety")
    sign_in_ops(client, user)
    return user


# --- The public page of a review ----------------------------------------------------


def test_a_public_review_has_a_shareable_page(client, review):
    response = client.get(review.get_absolute_url())

    assert response.status_code == 200
    page = response.content.decode()
    assert "Spotless, on time, lovely" in page
    assert "Cora L." in page
    assert "Cora Lin" not in page
    assert "data-share-copy" in page
    assert 'property="og:url" content="http://testserver/reviews/' in page
    assert (
        f'property="og:image" content="http://testserver/share/review/'
        f'{review.public_id}.png?lang=en"' in page
    )


def test_blind_hidden_and_customer_reviews_have_no_public_page(client, listing):
    blind = _review(listing, public=False)
    hidden = _review(listing)
    Review.objects.filter(pk=hidden.pk).update(hidden_at=hidden.created_at)
    order = completed(listing)
    services.submit_review(order=order, author=order.customer, stars=4)
    about_customer = services.submit_review(
        order=order, author=order.provider.user, stars=2, text="Late"
    )
    assert about_customer.is_public

    for review in (blind, hidden, about_customer):
        assert client.get(review.get_absolute_url()).status_code == 404


def test_reviews_of_a_suspended_provider_have_no_public_page(client, review):
    ProviderProfile.objects.filter(pk=review.provider_id).update(
        status=ProviderProfile.Status.SUSPENDED
    )

    assert client.get(review.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    ("name", "shown"),
    [("Cora Lin", "Cora L."), ("王小明", "王**"), ("Cora", "Cora"), ("", "")],
)
def test_reviewers_are_named_by_first_name_and_initial(name, shown):
    assert first_name_and_initial(name) == shown


# --- Picking testimonials -----------------------------------------------------------


def test_ops_pick_a_review_and_the_home_page_shows_it(client, ops, review):
    response = client.post(
        reverse("reviews:ops_testimonials"),
        {"review": review.public_id, "action": "pick", "position": "2"},
    )

    assert response.status_code == 302
    testimonial = Picked.objects.get(review=review)
    assert (testimonial.picked_by, testimonial.position) == (ops, 2)
    entry = AuditEntry.objects.get(action="reviews.pick_testimonial")
    assert (entry.actor, entry.target_id) == (ops, review.public_id)
    assert entry.after == {"testimonial": True, "position": 2}
    client.logout()
    home = client.get(reverse("web:home")).content.decode()
    assert f'data-testimonial="{review.public_id}"' in home
    assert "Cora L." in home
    assert "Cora Lin" not in home


def test_the_ops_page_lists_candidates_and_picks(client, ops, listing, review):
    other = _review(listing, name="Dan Wu", text="Fixed the tap in minutes")
    services.pick_testimonial(review_id=other.public_id, user=ops)

    page = client.get(reverse("reviews:ops_testimonials")).content.decode()

    assert f'data-candidate="{review.public_id}"' in page
    assert f'data-testimonial="{other.public_id}"' in page
    assert f'data-candidate="{other.public_id}"' not in page


def test_a_customer_cannot_pick_and_nothing_changes(client, review):
    customer = make_user()
    client.force_login(customer)

    response = client.post(
        reverse("reviews:ops_testimonials"),
        {"review": review.public_id, "action": "pick"},
    )

    # Ops pages do not admit they exist to anyone else.
    assert response.status_code == 404
    with pytest.raises(PermissionDenied) as raised:
        services.pick_testimonial(review_id=review.public_id, user=customer)
    assert raised.value.status == 403
    assert not Picked.objects.exists()
    assert not AuditEntry.objects.exists()


def test_ops_whose_role_does_not_moderate_reviews_get_403(client, review):
    sign_in_ops(client, make_ops("Finance"))

    response = client.post(
        reverse("reviews:ops_testimonials"),
        {"review": review.public_id, "action": "pick"},
    )

    assert response.status_code == 403
    assert client.get(reverse("reviews:ops_testimonials")).status_code == 403
    assert not Picked.objects.exists()
    assert not AuditEntry.objects.exists()


def test_only_a_published_visible_review_can_be_picked(ops, listing):
    blind = _review(listing, public=False)
    hidden = _review(listing)
    Review.objects.filter(pk=hidden.pk).update(hidden_at=hidden.created_at)

    for review in (blind, hidden):
        with pytest.raises(DomainError) as raised:
            services.pick_testimonial(review_id=review.public_id, user=ops)
        assert raised.value.code == "not_public_review"
        assert raised.value.status == 422
    assert not Picked.objects.exists()
    assert not AuditEntry.objects.filter(action="reviews.pick_testimonial").exists()


def test_a_review_is_picked_once(ops, review):
    services.pick_testimonial(review_id=review.public_id, user=ops)

    with pytest.raises(Conflict):
        services.pick_testimonial(review_id=review.public_id, user=ops)
    assert Picked.objects.count() == 1


def test_a_review_hidden_later_leaves_the_home_page(client, ops, review):
    services.pick_testimonial(review_id=review.public_id, user=ops)
    assert review.public_id in client.get(reverse("web:home")).content.decode()

    services.hide_review(review_id=review.public_id, user=ops, reason="Fake")

    home = client.get(reverse("web:home")).content.decode()
    assert review.public_id not in home
    assert "Spotless" not in home
    # Ops still see it, marked as not shown.
    page = client.get(reverse("reviews:ops_testimonials")).content.decode()
    assert f'data-testimonial="{review.public_id}"' in page


def test_ops_take_a_testimonial_off(client, ops, review):
    services.pick_testimonial(review_id=review.public_id, user=ops)

    client.post(
        reverse("reviews:ops_testimonials"),
        {"review": review.public_id, "action": "unpick"},
    )

    assert not Picked.objects.exists()
    entry = AuditEntry.objects.get(action="reviews.unpick_testimonial")
    assert entry.before == {"testimonial": True, "position": 0}
    assert review.public_id not in client.get(reverse("web:home")).content.decode()
