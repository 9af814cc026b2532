"""The request-for-quotes pages: each renders for its owner, anyone else gets
404 on every page and every action, and bad input shows its error beside the
field and changes nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse

from doorstep.orders.models import Order
from doorstep.quotes import services
from doorstep.quotes.models import CategoryQuestion, Invitation, JobRequest, Quote
from doorstep.quotes.tests.helpers import photo, post, quote, quoting_listing, tomorrow
from tests.factories import SHANGHAI, make_category, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def cleaning():
    category = make_category("deep-cleaning", name_en="Deep cleaning")
    CategoryQuestion.objects.create(
        category=category, kind="number", label_en="How many rooms?", position=1
    )
    return category


@pytest.fixture
def rooms(cleaning):
    return CategoryQuestion.objects.get(category=cleaning)


@pytest.fixture
def quoted(cleaning, rooms):
    """A request sent to one provider, who quoted."""
    quoting_listing(cleaning)
    customer = make_user()
    job = post(customer, cleaning, answers={rooms.public_id: "3"}, photos=[photo()])
    invitation = job.invitations.get()
    return job, invitation, quote(invitation, amount=30000)


def _form(cleaning, rooms, **fields) -> dict:
    data = {
        "category": cleaning.slug,
        "title": "Flat clean",
        "description": "Deep clean of a two-bedroom flat.",
        "address": "88 Century Avenue, Pudong",
        "latitude": str(SHANGHAI[0]),
        "longitude": str(SHANGHAI[1]),
        "wanted_from": tomorrow().isoformat(),
        "wanted_until": (tomorrow() + timedelta(days=2)).isoformat(),
        "times_of_day": ["morning", "afternoon"],
        "budget": "300",
        f"answers.{rooms.public_id}": "2",
        "idempotency_key": "k-1",
    }
    data.update(fields)
    return data


def _state() -> tuple:
    return (
        JobRequest.objects.count(),
        Invitation.objects.count(),
        Quote.objects.count(),
        Order.objects.count(),
        list(Quote.objects.values_list("status", "counter_amount", "revised_at")),
    )


# --- Posting ------------------------------------------------------------------------


def test_a_customer_posts_a_job_with_answers_and_a_photo(client, cleaning, rooms):
    quoting_listing(cleaning)
    customer = make_user()
    client.force_login(customer)

    page = client.get(reverse("quotes:new_request") + f"?category={cleaning.slug}")
    assert page.status_code == 200
    assert "How many rooms?" in page.content.decode()

    data = _form(cleaning, rooms, photos=[photo()])
    response = client.post(reverse("quotes:new_request"), data)

    job = JobRequest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("quotes:request", args=[job.public_id])
    assert job.answers == {rooms.public_id: "2"}
    assert job.budget_amount == 30000
    assert job.times_of_day == ["afternoon", "morning"]
    assert job.photos.count() == 1
    assert job.invitations.count() == 1


def test_bad_input_on_the_new_job_form_is_shown_beside_the_field(
    client, cleaning, rooms
):
    quoting_listing(cleaning)
    client.force_login(make_user())
    before = _state()

    missing = client.post(
        reverse("quotes:new_request"),
        _form(cleaning, rooms, description=" ", **{f"answers.{rooms.public_id}": ""}),
    )
    bad_number = client.post(
        reverse("quotes:new_request"),
        _form(cleaning, rooms, **{f"answers.{rooms.public_id}": "many"}),
    )
    past = client.post(
        reverse("quotes:new_request"),
        _form(cleaning, rooms, wanted_from="2020-01-01", wanted_until="2020-01-02"),
    )

    assert missing.status_code == 400
    assert missing.context["form"].errors["description"] == ["Say what needs doing."]
    assert bad_number.status_code == 400
    assert bad_number.context["form"].errors[f"answers.{rooms.public_id}"] == [
        "Enter a whole number."
    ]
    assert past.context["form"].errors["wanted_from"] == [
        "Choose today or a later day."
    ]
    assert "Enter a whole number." in bad_number.content.decode()
    assert _state() == before


def test_asking_a_listing_on_quote_fixes_the_category_and_the_provider(
    client, cleaning, rooms
):
    listing = quoting_listing(cleaning)
    quoting_listing(cleaning)
    client.force_login(make_user())
    url = reverse("quotes:new_request") + f"?listing={listing.public_id}"

    page = client.get(url)
    response = client.post(url, _form(cleaning, rooms, category="other"))

    assert "How many rooms?" in page.content.decode()
    assert response.status_code == 302
    job = JobRequest.objects.get()
    assert job.listing == listing
    assert [i.provider for i in job.invitations.all()] == [listing.provider]


def test_the_listing_page_links_to_the_request_form(client, cleaning):
    listing = quoting_listing(cleaning)
    client.force_login(make_user())

    page = client.get(reverse("catalog:listing", args=[listing.public_id]))

    html = page.content.decode()
    assert "coming soon" not in html
    assert f"/quotes/new/?listing={listing.public_id}" in html


# --- The customer's page ------------------------------------------------------------


def test_the_customer_compares_quotes_and_reading_marks_them_read(client, quoted):
    job, _invitation, sent = quoted
    client.force_login(job.customer)

    page = client.get(reverse("quotes:request", args=[job.public_id]))
    mine = client.get(reverse("quotes:my_requests"))

    html = page.content.decode()
    assert page.status_code == 200
    assert "CN¥300.00" in html
    assert "service fee" in html
    assert "How many rooms?" in html
    assert 'name="hire-' in html
    assert "counter-" in html
    assert job.title in mine.content.decode()
    sent.refresh_from_db()
    assert sent.read_at is not None


def test_a_counter_offer_above_the_quote_is_refused_beside_the_field(client, quoted):
    job, _invitation, sent = quoted
    client.force_login(job.customer)
    url = reverse("quotes:counter", args=[job.public_id, sent.public_id])
    before = _state()

    response = client.post(url, {f"counter-{sent.public_id}-amount": "400"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Offer a price above zero and below" in html
    assert _state() == before

    done = client.post(url, {f"counter-{sent.public_id}-amount": "250.00"})
    assert done.status_code == 302
    sent.refresh_from_db()
    assert sent.counter_amount == 25000


def test_hiring_at_an_offered_time_goes_to_the_payment(client, quoted):
    job, _invitation, sent = quoted
    client.force_login(job.customer)
    url = reverse("quotes:hire", args=[job.public_id, sent.public_id])
    before = _state()

    missing = client.post(url, {})
    assert missing.status_code == 400
    assert "Choose one of the start times offered." in missing.content.decode()
    assert _state() == before

    start = sent.start_times[0]
    hired = client.post(url, {f"hire-{sent.public_id}-starts_at": start})

    order = Order.objects.get()
    assert hired.url == reverse("orders:pay", kwargs={"order_id": order.public_id})


def test_message_opens_the_conversation_and_cancel_closes(client, quoted):
    job, _invitation, sent = quoted
    client.force_login(job.customer)

    chat = client.post(reverse("quotes:message", args=[job.public_id, sent.public_id]))
    assert chat.status_code == 302
    assert "/messages/" in chat.url

    client.post(reverse("quotes:cancel", args=[job.public_id]))
    job.refresh_from_db()
    assert job.status == JobRequest.Status.CANCELLED


# --- The provider's pages -----------------------------------------------------------


def test_the_provider_sees_the_lead_and_quotes_from_their_free_times(
    client, cleaning, rooms
):
    listing = quoting_listing(cleaning)
    job = post(make_user(), cleaning, answers={rooms.public_id: "2"})
    invitation = job.invitations.get()
    client.force_login(listing.provider.user)

    leads = client.get(reverse("quotes:leads"))
    page = client.get(reverse("quotes:invitation", args=[invitation.public_id]))

    assert job.title in leads.content.decode()
    assert "left to answer" in leads.content.decode()
    html = page.content.decode()
    assert page.status_code == 200
    assert job.address not in html
    assert job.customer.email not in html
    invitation.refresh_from_db()
    assert invitation.seen_at is not None
    free = page.context["quote_form"].fields["start_times"].choices[0][1][0][0]

    url = reverse("quotes:quote", args=[invitation.public_id])
    before = _state()
    blank = client.post(url, {"pricing": "fixed", "amount": "300", "included": ""})
    no_times = client.post(url, {"pricing": "fixed", "amount": "300", "included": "x"})
    assert blank.context["quote_form"].errors["included"]
    assert no_times.context["quote_form"].errors["start_times"] == [
        "Offer at least one start time."
    ]
    assert _state() == before

    sent = client.post(
        url,
        {"pricing": "fixed", "amount": "300", "included": "All", "start_times": free},
    )
    assert sent.status_code == 302
    assert Quote.objects.get().amount == 30000


def test_the_provider_revises_after_a_counter_and_may_withdraw(client, quoted):
    job, invitation, sent = quoted
    services.counter_quote(user=job.customer, quote_id=sent.public_id, amount=25000)
    client.force_login(invitation.provider.user)

    page = client.get(reverse("quotes:invitation", args=[invitation.public_id]))
    assert "The customer offers CN¥250.00" in page.content.decode()

    url = reverse("quotes:revise", args=[invitation.public_id])
    before = _state()
    bad = client.post(url, {"amount": ""})
    assert bad.status_code == 400
    assert bad.context["revise_form"].errors["amount"]
    assert _state() == before

    client.post(url, {"amount": "260"})
    sent.refresh_from_db()
    assert (sent.amount, sent.previous_amount) == (26000, 30000)

    client.post(reverse("quotes:withdraw", args=[invitation.public_id]))
    sent.refresh_from_db()
    assert sent.status == Quote.Status.WITHDRAWN


def test_the_provider_declines(client, cleaning, rooms):
    listing = quoting_listing(cleaning)
    job = post(make_user(), cleaning, answers={rooms.public_id: "2"})
    invitation = job.invitations.get()
    client.force_login(listing.provider.user)

    client.post(
        reverse("quotes:decline", args=[invitation.public_id]), {"reason": "Busy"}
    )

    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.DECLINED


# --- Nobody else --------------------------------------------------------------------


def test_anyone_else_gets_404_everywhere_and_nothing_changes(client, quoted):
    job, invitation, sent = quoted
    photo_id = job.photos.get().public_id
    stranger = make_user()
    before = _state()
    customer_pages = [
        ("get", reverse("quotes:request", args=[job.public_id])),
        ("get", reverse("quotes:photo", args=[job.public_id, photo_id])),
        ("post", reverse("quotes:cancel", args=[job.public_id])),
        ("post", reverse("quotes:counter", args=[job.public_id, sent.public_id])),
        ("post", reverse("quotes:hire", args=[job.public_id, sent.public_id])),
        ("post", reverse("quotes:message", args=[job.public_id, sent.public_id])),
    ]
    provider_pages = [
        ("get", reverse("quotes:invitation", args=[invitation.public_id])),
        ("post", reverse("quotes:quote", args=[invitation.public_id])),
        ("post", reverse("quotes:decline", args=[invitation.public_id])),
        ("post", reverse("quotes:revise", args=[invitation.public_id])),
        ("post", reverse("quotes:withdraw", args=[invitation.public_id])),
    ]

    # A stranger, the provider on the customer's pages, the customer on the
    # provider's.
    for user, pages in (
        (stranger, customer_pages + provider_pages),
        (invitation.provider.user, customer_pages[2:]),
        (job.customer, provider_pages),
    ):
        client.force_login(user)
        for method, url in pages:
            assert getattr(client, method)(url).status_code == 404, (user, url)
    assert _state() == before


def test_the_photo_is_served_to_the_customer_and_the_invited_provider(client, quoted):
    job, invitation, _sent = quoted
    url = reverse("quotes:photo", args=[job.public_id, job.photos.get().public_id])

    for user in (job.customer, invitation.provider.user):
        client.force_login(user)
        full = client.get(url)
        thumb = client.get(url + "?thumb=1")
        assert full.status_code == thumb.status_code == 200
        assert full["Cache-Control"] == "private, no-store"
    client.logout()
    assert client.get(url).status_code == 302


def test_on_object_storage_a_photo_is_a_short_lived_signed_url(
    client, quoted, settings, monkeypatch
):
    from doorstep.core.tests.signing_storage import SIGNED_HOST, SigningStorage
    from doorstep.quotes.models import JobRequestPhoto

    job, _invitation, _sent = quoted
    settings.DOORSTEP_PRIVATE_URL_SECONDS = 60
    monkeypatch.setattr(
        JobRequestPhoto._meta.get_field("image"), "storage", SigningStorage()
    )
    photo = job.photos.get()
    client.force_login(job.customer)

    shown = client.get(reverse("quotes:photo", args=[job.public_id, photo.public_id]))

    assert shown.status_code == 302
    assert shown["Location"].startswith(f"{SIGNED_HOST}/private/{photo.image.name}?")
    assert "inline" in shown["Location"]
    assert shown["Cache-Control"] == "private, no-store"
