"""``transition_order``: the engine's transitions as people fire them, with the
data and the delivery photos they carry."""

import pytest
from PIL import Image

from doorstep.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from doorstep.orders.models import OrderEvent, OrderPhoto
from doorstep.orders.services import transition_order
from doorstep.orders.tests.conftest import book_and_pay, booking, photo_upload
from tests.factories import make_ops, make_provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(listing, customer):
    return book_and_pay(**booking(listing, customer))


def _fire(order, name, user, **kwargs):
    return transition_order(order=order, name=name, user=user, **kwargs)


def _started(order):
    provider = order.provider.user
    _fire(order, "accept", provider)
    return _fire(order, "start", provider, data={"start_code": order.start_code})


def test_a_customer_cannot_accept_their_own_request(order):
    with pytest.raises(PermissionDenied) as error:
        _fire(order, "accept", order.customer)

    assert error.value.code == "actor_not_allowed"
    order.refresh_from_db()
    assert order.state == "requested"
    assert order.events.count() == 2  # created, paid


def test_another_provider_does_not_even_see_the_order(order):
    with pytest.raises(NotFound):
        _fire(order, "accept", make_provider().user)
    order.refresh_from_db()
    assert order.state == "requested"


def test_staff_act_here_only_as_a_party(order):
    staff = make_ops("Support")
    with pytest.raises(NotFound):
        _fire(order, "cancel", staff)

    assert _fire(order, "cancel", staff, as_ops=True).state == "cancelled"


def test_a_double_click_fires_once(order):
    provider = order.provider.user
    _fire(order, "accept", provider, expected_state="requested")

    with pytest.raises(Conflict) as error:
        _fire(order, "accept", provider, expected_state="requested")

    assert error.value.code == "state_changed"
    assert order.events.filter(transition="accept").count() == 1


def test_a_second_accept_without_an_expected_state_is_illegal(order):
    provider = order.provider.user
    _fire(order, "accept", provider)

    with pytest.raises(Conflict) as error:
        _fire(order, "accept", provider)

    assert error.value.code == "illegal_transition"


@pytest.mark.usefixtures("early_start_allowed")
def test_the_start_code_is_checked_and_never_kept(order):
    provider = order.provider.user
    _fire(order, "accept", provider)
    wrong = "0000" if order.start_code != "0000" else "1111"

    with pytest.raises(DomainError) as error:
        _fire(order, "start", provider, data={"start_code": wrong})
    assert error.value.code == "wrong_start_code"
    assert "start_code" in error.value.fields

    started = _fire(order, "start", provider, data={"start_code": order.start_code})
    assert started.state == "in_service"
    assert order.events.get(transition="start").data == {}


def test_unknown_data_is_not_recorded(order):
    _fire(order, "cancel", order.customer, data={"reason": "Plans changed", "x": 1})

    assert order.events.get(transition="cancel").data == {
        "reason": "Plans changed",
        "fee": {"amount": 0, "currency": "CNY"},
    }


@pytest.mark.usefixtures("early_start_allowed")
def test_delivery_photos_are_stored_without_metadata(order):
    _started(order)

    delivered = _fire(
        order,
        "deliver",
        order.provider.user,
        photos=[photo_upload("before.jpg"), photo_upload("after.jpg")],
    )

    assert delivered.state == "delivered"
    photos = list(OrderPhoto.objects.filter(order=order))
    assert len(photos) == 2
    event = order.events.get(transition="deliver")
    assert event.data["photos"] == [photo.public_id for photo in photos]
    with Image.open(photos[0].image.path) as stored:
        assert stored.format == "WEBP"
        assert not stored.getexif()


@pytest.mark.usefixtures("early_start_allowed")
def test_seven_photos_are_too_many(order):
    _started(order)

    with pytest.raises(DomainError) as error:
        _fire(
            order,
            "deliver",
            order.provider.user,
            photos=[photo_upload(f"{n}.jpg") for n in range(7)],
        )

    assert error.value.code == "too_many_photos"
    order.refresh_from_db()
    assert order.state == "in_service"
    assert not OrderPhoto.objects.exists()


@pytest.mark.usefixtures("early_start_allowed")
def test_a_file_that_is_not_a_photo_is_refused(order):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _started(order)
    fake = SimpleUploadedFile("x.jpg", b"<?php echo 1; ?>", content_type="image/jpeg")

    with pytest.raises(DomainError) as error:
        _fire(order, "deliver", order.provider.user, photos=[fake])

    assert error.value.status == 400
    assert "photos" in error.value.fields
    order.refresh_from_db()
    assert order.state == "in_service"
    assert not OrderEvent.objects.filter(transition="deliver").exists()


def test_photos_only_with_a_delivery(order):
    with pytest.raises(DomainError) as error:
        _fire(order, "accept", order.provider.user, photos=[photo_upload()])

    assert error.value.code == "photos_not_allowed"
