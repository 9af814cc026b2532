"""The bell, the list, marking read, and the preferences grid."""

import pytest
from django.urls import reverse

from doorstep.notifications.models import Notification, NotificationPreference

pytestmark = pytest.mark.django_db


@pytest.fixture
def notified(deliver, order, customer) -> Notification:
    event = deliver("order.accept", order.public_id)
    return Notification.objects.get(event=event, recipient=customer)


def test_the_header_loads_the_bell_with_htmx(client, customer):
    client.force_login(customer)

    page = client.get(reverse("notifications:list")).content.decode()

    assert 'hx-get="/notifications/bell/"' in page
    assert 'hx-trigger="load, every 30s, notifications-changed from:body"' in page


def test_the_bell_shows_the_unread_count(client, customer, notified):
    client.force_login(customer)

    response = client.get(reverse("notifications:bell"))

    assert response.status_code == 200
    assert '<span class="bell__count" aria-hidden="true">1</span>' in (
        response.content.decode()
    )


def test_the_bell_is_empty_for_visitors(client):
    assert client.get(reverse("notifications:bell")).status_code == 204


def test_the_list_shows_notifications_in_the_readers_language(
    client, customer, notified
):
    client.force_login(customer)

    response = client.get(reverse("notifications:list"))

    page = response.content.decode()
    assert "你的預約已確認" in page
    assert "notification--unread" in page


def test_opening_a_notification_reads_it_and_goes_to_its_page(
    client, customer, notified, order
):
    client.force_login(customer)

    response = client.get(reverse("notifications:open", args=[notified.public_id]))

    assert response.status_code == 302
    assert response["Location"] == order.get_absolute_url()
    notified.refresh_from_db()
    assert notified.read_at is not None


def test_marking_one_read_with_htmx_swaps_the_item_and_refreshes_the_bell(
    client, customer, notified
):
    client.force_login(customer)

    response = client.post(
        reverse("notifications:read", args=[notified.public_id]),
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert response["HX-Trigger"] == "notifications-changed"
    assert "notification--unread" not in response.content.decode()
    notified.refresh_from_db()
    assert notified.is_read


def test_someone_elses_notification_is_not_found(client, stranger, notified):
    client.force_login(stranger)

    assert (
        client.post(reverse("notifications:read", args=[notified.public_id]))
    ).status_code == 404
    assert (
        client.get(reverse("notifications:open", args=[notified.public_id]))
    ).status_code == 404
    notified.refresh_from_db()
    assert notified.read_at is None


def test_mark_all_read(client, customer, notified, deliver, order):
    deliver("order.depart", order.public_id)
    client.force_login(customer)

    response = client.post(reverse("notifications:read_all"))

    assert response.status_code == 302
    assert not Notification.objects.filter(
        recipient=customer, read_at__isnull=True
    ).exists()


def test_the_preferences_grid_shows_defaults_and_keeps_in_app_on(client, customer):
    client.force_login(customer)

    page = client.get(reverse("notifications:preferences")).content.decode()

    assert 'name="booking_confirmed__email"' in page
    assert 'name="booking_confirmed__sms"' in page
    assert 'name="new_message__sms"' not in page  # not urgent: SMS not offered
    assert '<input type="checkbox" checked disabled' in page  # in-app


def test_saving_preferences(client, customer):
    client.force_login(customer)
    # every offered box ticked except e-mail for confirmations; messages by e-mail on
    form = client.get(reverse("notifications:preferences")).context["form"]
    data = dict.fromkeys(form.fields, "on")
    del data["booking_confirmed__email"]

    response = client.post(reverse("notifications:preferences"), data)

    assert response.status_code == 302
    chosen = dict(
        NotificationPreference.objects.filter(user=customer)
        .values_list("kind", "enabled")
        .filter(channel="email")
    )
    assert chosen["booking_confirmed"] is False
    assert chosen["new_message"] is True
