"""Growth's customer pages: the discounts box on an order waiting for payment
(and a promo code at booking), the points and credit page, the invitation page
and the page a shared invitation lands on — each tried by the wrong person."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from doorstep.growth import referrals, rewards
from doorstep.growth.models import (
    Campaign,
    Coupon,
    Redemption,
    Referral,
    RewardLot,
    RewardMove,
    Touch,
)
from doorstep.growth.visitors import REFERRAL_COOKIE
from doorstep.orders.models import Order
from doorstep.orders.tests.conftest import at
from doorstep.scheduling.tests.helpers import bookable_listing
from tests.factories import make_listing, make_order, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _money(settings):
    settings.DOORSTEP_PAYMENT_GATEWAY = "sandbox"
    settings.DOORSTEP_SANDBOX_AUTO_DELIVER = False
    settings.DOORSTEP_SANDBOX_CHAOS = False
    settings.DOORSTEP_SERVICE_FEE_BPS = 500
    settings.DOORSTEP_CURRENCY = "CNY"


@pytest.fixture
def listing():
    return make_listing(price=20_000, currency="CNY")


@pytest.fixture
def customer():
    return make_user(name="Cora Customer")


@pytest.fixture
def unpaid(listing, customer) -> Order:
    return make_order(listing=listing, customer=customer, state="awaiting_payment")


def _coupon(
    code="SPRING",
    *,
    amount=3_000,
    kind=Campaign.Kind.PROMOTION,
    currency="CNY",
    **fields,
):
    campaign = Campaign.objects.create(name=code, kind=kind, currency=currency)
    return Coupon.objects.create(
        code=code,
        campaign=campaign,
        kind=Coupon.Kind.FIXED,
        amount=amount,
        currency=currency,
        **fields,
    )


def _grant(user, kind, amount, *, ref="gift", days=None):
    lot = rewards.grant(
        user=user,
        kind=kind,
        source=RewardLot.Source.GOODWILL,
        source_ref=ref,
        amount=amount,
        currency="CNY",
        now=timezone.now(),
    )
    if days is not None:
        RewardLot.objects.filter(pk=lot.pk).update(
            expires_at=timezone.now() + timedelta(days=days)
        )
    return lot


def _discounts_url(order):
    return reverse("growth:order_discounts", args=[order.public_id])


# --- The discounts box on the order page ----------------------------------------------


def test_the_order_page_offers_a_code_credit_and_points_while_unpaid(
    client, unpaid, customer
):
    _grant(customer, RewardLot.Kind.CREDIT, 1_500)
    _grant(customer, RewardLot.Kind.POINTS, 800, ref="points")
    client.force_login(customer)

    html = client.get(unpaid.get_absolute_url()).content.decode()

    assert "data-discounts" in html
    assert 'name="code"' in html
    assert "Use my credit (CN¥15.00)" in html
    assert "You hold 800 points, worth CN¥8.00." in html
    assert f'action="{_discounts_url(unpaid)}"' in html


def test_no_credit_or_points_fields_for_someone_who_holds_none(
    client, unpaid, customer
):
    client.force_login(customer)

    html = client.get(unpaid.get_absolute_url()).content.decode()

    assert 'name="code"' in html
    assert 'name="use_credit"' not in html
    assert 'name="points"' not in html


def test_a_code_credit_and_points_lower_the_total_shown(client, unpaid, customer):
    _coupon()
    _grant(customer, RewardLot.Kind.CREDIT, 1_500)
    _grant(customer, RewardLot.Kind.POINTS, 800, ref="points")
    client.force_login(customer)

    response = client.post(
        _discounts_url(unpaid), {"code": "spring", "use_credit": "on", "points": "500"}
    )

    assert response.status_code == 302
    assert response.url == f"{unpaid.get_absolute_url()}#discounts"
    unpaid.refresh_from_db()
    assert unpaid.discount_amount == 3_000 + 1_500 + 500
    assert unpaid.total_amount == 21_000 - 5_000
    html = client.get(response.url).content.decode()
    assert 'data-price-discount><th scope="row">Discount</th><td>−CN¥50.00' in html
    assert 'data-price-total="16000"' in html
    assert 'data-discount-code="SPRING"' in html
    assert "Discounts applied: CN¥50.00 off." in html


def test_applying_again_replaces_what_the_order_had(client, unpaid, customer):
    _coupon()
    client.force_login(customer)
    client.post(_discounts_url(unpaid), {"code": "SPRING"})

    client.post(_discounts_url(unpaid), {"code": ""})

    unpaid.refresh_from_db()
    assert (unpaid.discount_amount, unpaid.total_amount) == (0, 21_000)
    assert not Redemption.objects.filter(status=Redemption.Status.ACTIVE).exists()


def test_an_unknown_code_comes_back_beside_the_field_and_changes_nothing(
    client, unpaid, customer
):
    client.force_login(customer)

    response = client.post(_discounts_url(unpaid), {"code": "NOPE"})

    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_code_error"' in html
    assert "There is no such code. Check the spelling." in html
    assert 'value="NOPE"' in html  # what they typed stays
    unpaid.refresh_from_db()
    assert unpaid.discount_amount == 0


def test_a_used_up_code_is_a_conflict_beside_the_field(client, unpaid, customer):
    coupon = _coupon(max_uses=1)
    Coupon.objects.filter(pk=coupon.pk).update(uses=1)
    client.force_login(customer)

    response = client.post(_discounts_url(unpaid), {"code": "SPRING"})

    assert response.status_code == 409
    assert "This code has been used up." in response.content.decode()


def test_more_points_than_held_is_refused_beside_the_points_and_keeps_the_code(
    client, unpaid, customer
):
    _coupon()
    _grant(customer, RewardLot.Kind.POINTS, 300)
    client.force_login(customer)
    client.post(_discounts_url(unpaid), {"code": "SPRING"})

    response = client.post(_discounts_url(unpaid), {"code": "SPRING", "points": "900"})

    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_points_error"' in html
    assert "You hold 300 points for this currency." in html
    unpaid.refresh_from_db()
    assert unpaid.discount_amount == 3_000  # the refused change undid nothing
    assert RewardLot.objects.get(user=customer).remaining == 300


def test_negative_points_are_bad_input(client, unpaid, customer):
    _grant(customer, RewardLot.Kind.POINTS, 300)
    client.force_login(customer)

    response = client.post(_discounts_url(unpaid), {"points": "-5"})

    assert response.status_code == 400
    assert 'id="id_points_error"' in response.content.decode()


def test_a_paid_order_cannot_change_its_discounts(client, listing, customer):
    order = make_order(listing=listing, customer=customer, state="accepted")
    _coupon()
    client.force_login(customer)

    response = client.post(_discounts_url(order), {"code": "SPRING"})

    assert response.status_code == 409
    assert "Discounts can be changed only before the order is paid." in (
        response.content.decode()
    )
    order.refresh_from_db()
    assert order.discount_amount == 0


def test_the_discounts_box_is_only_the_customers(client, unpaid, listing):
    _coupon()
    stranger = make_user()

    anonymous = client.post(_discounts_url(unpaid), {"code": "SPRING"})
    client.force_login(stranger)
    other = client.post(_discounts_url(unpaid), {"code": "SPRING"})
    client.force_login(listing.provider.user)
    provider = client.post(_discounts_url(unpaid), {"code": "SPRING"})
    missing = client.post(
        reverse("growth:order_discounts", args=["ord_missing"]), {"code": "SPRING"}
    )

    assert anonymous.status_code == 302
    assert "/login" in anonymous.url
    assert (other.status_code, provider.status_code, missing.status_code) == (
        404,
        404,
        404,
    )
    unpaid.refresh_from_db()
    assert unpaid.discount_amount == 0


def test_the_box_is_gone_once_paid(client, listing, customer):
    order = make_order(listing=listing, customer=customer, state="accepted")
    client.force_login(customer)

    html = client.get(order.get_absolute_url()).content.decode()

    assert "data-discounts" not in html


# --- A promo code on the booking form -------------------------------------------------


def _booking(listing, **overrides):
    data = {
        "starts_at": at("10:00").isoformat(),
        "address": "88 Huaihai Road",
        "latitude": f"{listing.latitude:.6f}",
        "longitude": f"{listing.longitude:.6f}",
        "notes": "",
        "idempotency_key": "form-key-1",
        "tz": "Asia/Shanghai",
    }
    data.update(overrides)
    return data


def test_a_promo_code_at_booking_is_on_the_order_to_pay(client, customer):
    listing = bookable_listing(duration=120)
    _coupon(amount=1_000, currency=listing.currency)
    client.force_login(customer)

    response = client.post(
        reverse("orders:book", args=[listing.public_id]),
        _booking(listing, promo_code="spring"),
    )

    order = Order.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("orders:pay", args=[order.public_id])
    assert order.discount_amount == 1_000
    assert Redemption.objects.get(order=order).amount == 1_000


def test_a_wrong_promo_code_books_nothing_and_says_why_beside_it(client, customer):
    listing = bookable_listing(duration=120)
    client.force_login(customer)

    response = client.post(
        reverse("orders:book", args=[listing.public_id]),
        _booking(listing, promo_code="NOPE"),
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_promo_code_error"' in html
    assert "There is no such code. Check the spelling." in html
    assert not Order.objects.exists()
    # Nothing was held: the same time can be booked at once without the code.
    again = client.post(
        reverse("orders:book", args=[listing.public_id]), _booking(listing)
    )
    assert again.status_code == 302
    assert Order.objects.count() == 1


# --- Points and credit ----------------------------------------------------------------


def test_the_rewards_page_shows_balances_lots_with_expiry_and_history(
    client, unpaid, customer
):
    _grant(customer, RewardLot.Kind.CREDIT, 2_000, days=30)
    _grant(customer, RewardLot.Kind.POINTS, 700, ref="points")
    client.force_login(customer)
    client.post(_discounts_url(unpaid), {"points": "200"})

    response = client.get(reverse("growth:rewards"))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-credit="2000">CN¥20.00' in html
    assert 'data-points="500">500 points, worth CN¥5.00' in html
    expiry = (timezone.now() + timedelta(days=30)).strftime("%Y")
    assert expiry in html
    assert html.count("data-lot=") == 2
    assert f'data-move-order="{unpaid.public_id}"' in html
    assert f'href="{unpaid.get_absolute_url()}"' in html
    assert "−200" in html


def test_the_rewards_page_is_ones_own(client, customer):
    _grant(customer, RewardLot.Kind.CREDIT, 2_000)
    stranger = make_user()

    anonymous = client.get(reverse("growth:rewards"))
    client.force_login(stranger)
    html = client.get(reverse("growth:rewards")).content.decode()

    assert anonymous.status_code == 302
    assert "data-lot=" not in html
    assert "CN¥20.00" not in html
    assert RewardMove.objects.count() == 1


# --- Inviting friends -----------------------------------------------------------------


@pytest.fixture
def programme():
    return _coupon("WELCOME", amount=3_000, kind=Campaign.Kind.REFERRAL)


def test_the_invite_page_shows_the_code_link_preview_and_friends(
    client, customer, programme
):
    Campaign.objects.filter(pk=programme.campaign_id).update(reward_amount=2_000)
    code = referrals.code_for(customer)
    friend = make_user(name="Fay Wong-Lee", email="fay@example.com")
    rewarded = make_user(name="Rob Roe")
    referrals.attach(invitee=friend, code=code.code)
    Referral.objects.create(
        code=code,
        inviter=customer,
        invitee=rewarded,
        status=Referral.Status.REWARDED,
        reward_amount=2_000,
        currency="CNY",
    )
    client.force_login(customer)

    html = client.get(reverse("growth:invite")).content.decode()

    assert f'data-referral-code="{code.code}"' in html
    assert f"http://testserver/r/{code.code}/" in html
    assert "data-share" in html  # the share buttons
    assert "Cora invited you to Doorstep: get CN¥30.00 off your first booking." in (
        html
    )
    assert "you get CN¥20.00 in credit" in html
    assert "Fay" in html
    assert "Rob" in html
    assert "Wong-Lee" not in html
    assert "fay@example.com" not in html
    assert 'data-friend-status="joined"' in html
    assert 'data-friend-status="rewarded"' in html
    assert "data-earned" in html


def test_the_invite_page_needs_an_account(client):
    response = client.get(reverse("growth:invite"))

    assert response.status_code == 302
    assert "/login" in response.url


def test_the_landing_page_says_who_invited_and_keeps_the_code(client, programme):
    inviter = make_user(name="Mei Chen")
    code = referrals.code_for(inviter)

    response = client.get(reverse("growth:landing", args=[code.code.lower()]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Mei invited you — get CN¥30.00 off your first booking" in html
    assert "Chen" not in html
    assert reverse("account_signup") in html
    assert response.cookies[REFERRAL_COOKIE].value == code.code
    assert Touch.objects.filter(source=Touch.Source.REFERRAL, code=code.code).exists()


def test_signing_up_after_the_landing_page_makes_the_referral(client, programme):
    inviter = make_user(name="Mei Chen")
    code = referrals.code_for(inviter)
    client.get(reverse("growth:landing", args=[code.code]))

    client.post(
        reverse("account_signup"),
        {
            "email": "new@example.com",
            "password1": "a long and unusual passphrase 42",
            "name": "New Friend",
            "accept_terms": "on",
        },
    )

    referral = Referral.objects.filter(invitee__email="new@example.com").first()
    assert referral is not None
    assert referral.inviter == inviter


def test_an_unknown_code_is_404(client):
    assert client.get(reverse("growth:landing", args=["NOSUCH"])).status_code == 404


def test_ones_own_link_says_so(client, customer):
    code = referrals.code_for(customer)
    client.force_login(customer)

    response = client.get(reverse("growth:landing", args=[code.code]))

    assert "data-own-link" in response.content.decode()
    assert REFERRAL_COOKIE not in response.cookies


def test_the_account_menu_links_rewards_and_invite(client, customer):
    client.force_login(customer)

    html = client.get(reverse("orders:mine")).content.decode()

    assert f'href="{reverse("growth:rewards")}"' in html
    assert f'href="{reverse("growth:invite")}"' in html


def test_the_invitation_has_a_preview_picture(client, programme):
    from io import BytesIO

    from PIL import Image

    code = referrals.code_for(make_user(name="Mei Chen"))
    page = client.get(reverse("growth:landing", args=[code.code])).content.decode()
    picture = reverse("growth:landing_picture", args=[code.code])
    assert f'property="og:image" content="http://testserver{picture}"' in page

    response = client.get(picture)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert Image.open(BytesIO(response.content)).size == (1200, 630)
    again = client.get(picture, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert client.get(reverse("growth:landing_picture", args=["NOPE"])).status_code == (
        404
    )
