"""The provider dashboard: my services, create and edit with add-ons and photos,
publish and pause (also through htmx), errors beside fields, 404 for others."""

import pytest
from django.urls import reverse

from doorstep.catalog import services
from doorstep.catalog.models import Listing
from doorstep.catalog.tests.conftest import new_listing
from doorstep.catalog.tests.images import image_upload, upload
from doorstep.web.tests.test_page_hygiene import assert_no_inline_code

pytestmark = pytest.mark.django_db

FORM = {
    "title": "Deep cleaning, 2-bedroom flat",
    "description": "Inside cupboards and appliances.",
    "pricing_model": "fixed",
    "price": "480.50",
    "currency": "CNY",
    "min_hours": "1",
    "duration_minutes": "240",
    "languages": ["zh-hans", "en"],
    "service_radius_km": "8",
    "response_window_hours": "12",
    "instant_book": "on",
}


def _edit_url(listing: Listing) -> str:
    return reverse("catalog:dashboard_edit", args=[listing.public_id])


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


# --- Who gets in --------------------------------------------------------------------


def test_anonymous_visitors_are_asked_to_sign_in(client):
    response = client.get(reverse("catalog:dashboard"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_a_customer_is_sent_to_become_a_provider(client, customer):
    client.force_login(customer)

    for name in ("catalog:dashboard", "catalog:dashboard_create"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url == reverse("accounts:provider")


def test_someone_elses_listing_is_a_404_everywhere(client, published, stranger):
    client.force_login(stranger)
    listing_id = published.public_id

    assert client.get(_edit_url(published)).status_code == 404
    assert client.post(_edit_url(published), FORM).status_code == 404
    for name in (
        "dashboard_publish",
        "dashboard_pause",
        "dashboard_unpublish",
        "dashboard_delete",
        "dashboard_add_ons",
        "dashboard_add_photo",
    ):
        response = client.post(reverse(f"catalog:{name}", args=[listing_id]))
        assert response.status_code == 404, name
    published.refresh_from_db()
    assert published.status == Listing.Status.PUBLISHED


# --- My services --------------------------------------------------------------------


def test_my_services_lists_only_mine_with_their_status(
    signed_in, provider, deep_cleaning, published, stranger
):
    new_listing(
        provider, deep_cleaning, title="Window cleaning", pricing_model="hourly"
    )
    new_listing(stranger.provider_profile, deep_cleaning, title="Someone else's")

    response = signed_in.get(reverse("catalog:dashboard"))

    html = response.content.decode()
    assert response.status_code == 200
    assert_no_inline_code(html)
    assert "Deep cleaning, 2-bedroom flat" in html
    assert "Window cleaning" in html
    assert "Someone else" not in html
    assert "badge--success" in html  # published
    assert "¥480.00" in html
    assert "/ hour" in html
    assert (
        f'hx-post="{reverse("catalog:dashboard_pause", args=[published.public_id])}"'
        in html
    )


def test_an_empty_dashboard_invites_a_first_service(signed_in):
    response = signed_in.get(reverse("catalog:dashboard"))

    assert "Add your first service" in response.content.decode()


def test_the_dashboard_speaks_chinese(signed_in, published):
    response = signed_in.get(
        reverse("catalog:dashboard"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    html = response.content.decode()
    assert "我的服务" in html
    assert "已发布" in html or "发布" in html


# --- Creating and editing -----------------------------------------------------------


def test_the_form_shows_the_category_tree_and_the_pricing_script(
    signed_in, deep_cleaning
):
    response = signed_in.get(reverse("catalog:dashboard_create"))

    html = response.content.decode()
    assert response.status_code == 200
    assert_no_inline_code(html)
    assert '<optgroup label="Home Cleaning">' in html
    assert f'value="{deep_cleaning.public_id}"' in html
    assert 'data-pricing-show="hourly"' in html
    assert "catalog/dashboard.js" in html
    assert 'value="CNY" selected' in html  # the provider works in Shanghai


def test_creating_a_service_saves_a_draft_in_minor_units(
    signed_in, deep_cleaning, provider
):
    response = signed_in.post(
        reverse("catalog:dashboard_create"),
        {**FORM, "category": deep_cleaning.public_id},
    )

    listing = Listing.objects.get()
    assert response.status_code == 302
    assert response.url == _edit_url(listing)
    assert listing.status == Listing.Status.DRAFT
    assert listing.provider == provider
    assert (listing.price_amount, listing.currency) == (48050, "CNY")
    assert listing.instant_book is True
    assert listing.languages == ["zh-hans", "en"]


def test_errors_appear_beside_their_fields(signed_in, deep_cleaning):
    response = signed_in.post(
        reverse("catalog:dashboard_create"),
        {
            **FORM,
            "category": deep_cleaning.public_id,
            "price": "12.345",
            "duration_minutes": "5",
            "title": "",
        },
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {
        "price",
        "duration_minutes",
        "title",
    }
    for field in ("price", "duration_minutes", "title"):
        assert f'id="id_{field}_error"' in html, field
    assert not Listing.objects.exists()


def test_a_services_refusal_appears_beside_the_field(signed_in, draft, owner):
    # The form accepts any offered currency; the service refuses to re-price
    # add-ons that were set in the old one.
    services.add_listing_add_on(
        actor=owner, listing_id=draft.public_id, name="Fridge", price_amount=3000
    )

    response = signed_in.post(
        _edit_url(draft),
        {**FORM, "category": draft.category.public_id, "currency": "USD"},
    )

    assert response.status_code == 200
    assert "add-ons priced in CNY" in response.context["form"].errors["currency"][0]
    assert 'id="id_currency_error"' in response.content.decode()
    draft.refresh_from_db()
    assert draft.currency == "CNY"


def test_a_price_is_required_unless_on_quote(signed_in, deep_cleaning):
    response = signed_in.post(
        reverse("catalog:dashboard_create"),
        {**FORM, "category": deep_cleaning.public_id, "price": ""},
    )

    assert response.context["form"].errors["price"]
    assert not Listing.objects.exists()


def test_on_quote_needs_no_price(signed_in, deep_cleaning):
    signed_in.post(
        reverse("catalog:dashboard_create"),
        {
            **FORM,
            "category": deep_cleaning.public_id,
            "pricing_model": "quote",
            "price": "",
            "min_hours": "",
        },
    )

    assert Listing.objects.get().price_amount is None


def test_editing_a_service(signed_in, draft, deep_cleaning):
    page = signed_in.get(_edit_url(draft))
    html = page.content.decode()
    assert page.status_code == 200
    assert_no_inline_code(html)
    assert 'value="480.00"' in html or 'value="480"' in html

    response = signed_in.post(
        _edit_url(draft),
        {
            **FORM,
            "category": deep_cleaning.public_id,
            "title": "Deep clean",
            "price": "500",
        },
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.price_amount) == ("Deep clean", 50000)


# --- Publishing ---------------------------------------------------------------------


def test_publishing_with_htmx_swaps_the_row(signed_in, draft):
    response = signed_in.post(
        reverse("catalog:dashboard_publish", args=[draft.public_id]),
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(
        f'<li class="card listing-row" id="listing-{draft.public_id}"'
    )
    assert "badge--success" in html
    assert "Pause" in html
    draft.refresh_from_db()
    assert draft.status == Listing.Status.PUBLISHED


def test_a_refused_publication_shows_why_in_the_row(signed_in, draft, cleaning):
    cleaning.is_active = False
    cleaning.save()

    response = signed_in.post(
        reverse("catalog:dashboard_publish", args=[draft.public_id]),
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="errorlist"' in html
    assert "no longer offered" in html
    draft.refresh_from_db()
    assert draft.status == Listing.Status.DRAFT


def test_without_javascript_pausing_redirects_with_a_message(signed_in, published):
    response = signed_in.post(
        reverse("catalog:dashboard_pause", args=[published.public_id]), follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("catalog:dashboard")
    assert "is paused" in response.content.decode()
    published.refresh_from_db()
    assert published.status == Listing.Status.PAUSED


def test_status_buttons_on_the_edit_page_come_back_to_it(signed_in, published):
    response = signed_in.post(
        reverse("catalog:dashboard_unpublish", args=[published.public_id]),
        {"next": _edit_url(published)},
    )

    assert response.url == _edit_url(published)
    published.refresh_from_db()
    assert published.status == Listing.Status.DRAFT


def test_deleting_a_draft(signed_in, draft):
    confirm = signed_in.get(reverse("catalog:dashboard_delete", args=[draft.public_id]))
    assert_no_inline_code(confirm.content.decode())

    response = signed_in.post(
        reverse("catalog:dashboard_delete", args=[draft.public_id])
    )

    assert response.url == reverse("catalog:dashboard")
    assert not Listing.objects.exists()


# --- Add-ons and photos -------------------------------------------------------------


def _add_ons_data(rows: list[dict], *, initial: int = 0) -> dict:
    data = {
        "add_ons-TOTAL_FORMS": str(len(rows)),
        "add_ons-INITIAL_FORMS": str(initial),
        "add_ons-MIN_NUM_FORMS": "0",
        "add_ons-MAX_NUM_FORMS": "20",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"add_ons-{index}-{key}"] = value
    return data


def test_add_ons_are_edited_as_a_formset(signed_in, draft, owner):
    url = reverse("catalog:dashboard_add_ons", args=[draft.public_id])
    signed_in.post(
        url,
        _add_ons_data(
            [
                {"name": "Inside the fridge", "price": "30", "extra_minutes": "20"},
                {"name": "", "price": "", "extra_minutes": ""},
            ]
        ),
    )
    fridge = draft.add_ons.get()
    assert (fridge.price_amount, fridge.extra_minutes) == (3000, 20)

    response = signed_in.post(
        url,
        _add_ons_data(
            [
                {
                    "id": fridge.public_id,
                    "name": "Fridge",
                    "price": "30",
                    "DELETE": "on",
                },
                {"name": "Oven", "price": "45.5"},
            ],
            initial=1,
        ),
    )

    assert response.status_code == 302
    assert list(draft.add_ons.values_list("name", "price_amount")) == [("Oven", 4550)]


def test_add_on_errors_appear_in_their_row(signed_in, draft):
    response = signed_in.post(
        reverse("catalog:dashboard_add_ons", args=[draft.public_id]),
        _add_ons_data([{"name": "Oven", "price": "-3"}]),
    )

    assert response.status_code == 200
    assert response.context["add_ons"].forms[0].errors["price"]
    assert 'id="id_add_ons-0-price_error"' in response.content.decode()
    assert not draft.add_ons.exists()


def test_photos_are_uploaded_shown_and_removed(signed_in, draft):
    url = reverse("catalog:dashboard_add_photo", args=[draft.public_id])

    response = signed_in.post(url, {"photo": image_upload(), "alt_text": "Kitchen"})

    assert response.status_code == 302
    photo = draft.photos.get()
    page = signed_in.get(_edit_url(draft)).content.decode()
    assert photo.thumbnail.url in page
    assert 'alt="Kitchen"' in page
    signed_in.post(
        reverse(
            "catalog:dashboard_remove_photo", args=[draft.public_id, photo.public_id]
        )
    )
    assert not draft.photos.exists()


def test_a_bad_photo_is_refused_beside_the_field(signed_in, draft):
    response = signed_in.post(
        reverse("catalog:dashboard_add_photo", args=[draft.public_id]),
        {"photo": upload(b"not an image", "cat.png", "image/png")},
    )

    assert response.status_code == 200
    assert response.context["photo_form"].errors["photo"]
    assert 'id="id_photo_error"' in response.content.decode()
    assert not draft.photos.exists()


def test_the_edit_page_lists_what_blocks_publishing(signed_in, draft, deep_cleaning):
    services.update_listing(
        actor=draft.provider.user, listing_id=draft.public_id, title="Deep"
    )
    deep_cleaning.is_active = False
    deep_cleaning.save()

    html = signed_in.get(_edit_url(draft)).content.decode()

    assert "Before you can publish this service" in html
    assert "no longer offered" in html
