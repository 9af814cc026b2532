"""The settings pages: each form saves, audits and takes effect on the next
request; bad input is refused beside the field with nothing changed; only the
MANAGE_SETTINGS role opens them."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from doorstep.audit.models import AuditEntry
from doorstep.catalog.models import Category
from doorstep.marketplace import policy
from doorstep.marketplace.models import City, MarketplaceSettings
from doorstep.marketplace.state import settings_row
from tests.factories import make_category, make_ops, make_user, sign_in_ops

pytestmark = pytest.mark.django_db

INDEX = "/ops/settings/"
BRANDING = "/ops/settings/branding/"
FEES = "/ops/settings/fees/"
CITIES = "/ops/settings/cities/"
CATEGORIES = "/ops/settings/categories/"


def _row() -> dict:
    return MarketplaceSettings.objects.values().get(pk=1)


def _errors_beside(html: str, field: str) -> bool:
    return f'id="id_{field}_error"' in html


def _png(colour=(200, 30, 30)) -> SimpleUploadedFile:
    buffer = BytesIO()
    image = Image.new("RGB", (800, 300), colour)
    image.save(buffer, "PNG", pnginfo=None)
    return SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")


FEE_FORM = dict.fromkeys(policy.FIGURES_BY_NAME, "")


# --- Who may open them -------------------------------------------------------------

PAGES = [INDEX, BRANDING, FEES, CITIES, CATEGORIES, "/ops/settings/cities/shanghai/"]


@pytest.mark.parametrize("role", ["Support", "Finance", "Trust & safety"])
def test_ops_roles_without_manage_settings_are_refused(client, role):
    # Given ops staff whose role does not manage settings
    sign_in_ops(client, make_ops(role))
    before = _row()

    # When they open or post any settings page, Then they are told no
    for page in PAGES:
        assert client.get(page).status_code == 403, page
    assert client.post(FEES, {**FEE_FORM, "service_fee_bps": "9"}).status_code == 403
    assert client.post(BRANDING, {"name": "Mine"}).status_code == 403
    # And nothing changed, nothing was audited
    assert _row() == before
    assert not AuditEntry.objects.filter(action__startswith="settings.").exists()


def test_people_outside_ops_do_not_find_the_settings(client):
    for page in PAGES:
        assert client.get(page).status_code == 404, page
    client.force_login(make_user())
    for page in PAGES:
        assert client.get(page).status_code == 404, page
    # Staff whose session passed no second factor neither
    sign_in_ops(client, make_ops(totp=False), second_factor=False)
    assert client.get(INDEX).status_code == 404


def test_the_ops_admin_opens_every_page_and_the_ops_home_links_them(ops_client):
    for page in PAGES:
        assert ops_client.get(page).status_code == 200, page
    assert f'href="{INDEX}"' in ops_client.get("/ops/").content.decode()


def test_the_settings_page_keeps_places_for_penalties_and_onboarding(ops_client):
    html = ops_client.get(INDEX).content.decode()
    assert 'data-section="penalties"' in html
    assert 'data-section="onboarding"' in html


# --- Name, logo and colours --------------------------------------------------------


def test_a_new_name_and_colours_show_on_the_next_page(ops_client, admin_ops):
    # When the ops admin renames the marketplace and sets its colours
    response = ops_client.post(
        BRANDING,
        {"name": "Handy Harbour", "primary_colour": "#1D4ED8", "accent_colour": ""},
    )

    # Then it is saved and audited with before and after
    assert response.status_code == 302
    row = settings_row()
    assert (row.name, row.primary_colour) == ("Handy Harbour", "#1d4ed8")
    entry = AuditEntry.objects.get(action="settings.update_branding")
    assert entry.actor == admin_ops
    assert entry.before == {"name": "", "primary_colour": ""}
    assert entry.after == {"name": "Handy Harbour", "primary_colour": "#1d4ed8"}
    # And the next page, for anyone, has the name in its header and title, and
    # the colours as custom properties
    ops_client.logout()
    html = ops_client.get(reverse("web:home")).content.decode()
    assert "<title>Handy Harbour</title>" in html or "Handy Harbour</title>" in html
    assert "<span>Handy Harbour</span>" in html
    theme_url = f"/theme.css?v={row.version}"
    assert theme_url in html
    css = ops_client.get(theme_url)
    assert "--brand: #1d4ed8;" in css.content.decode()
    assert "immutable" in css["Cache-Control"]


def test_a_logo_is_re_encoded_and_shown_in_the_header(ops_client, client):
    response = ops_client.post(BRANDING, {"name": "", "logo": _png()})

    assert response.status_code == 302
    row = settings_row()
    assert row.logo.name.endswith(".webp")
    with row.logo.open("rb") as stored:
        image = Image.open(stored)
        assert image.format == "WEBP"
        assert max(image.size) <= 400
    assert row.logo.url in ops_client.get(reverse("web:home")).content.decode()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "x", "primary_colour": "teal"}, "primary_colour"),
        ({"name": "x", "accent_colour": "#12345"}, "accent_colour"),
        ({"name": "x" * 61}, "name"),
    ],
)
def test_bad_branding_is_refused_beside_the_field(ops_client, data, field):
    before = _row()

    response = ops_client.post(BRANDING, data)

    assert response.status_code == 400
    assert _errors_beside(response.content.decode(), field)
    assert _row() == before
    assert not AuditEntry.objects.exists()


def test_a_file_that_is_not_an_image_is_refused_as_a_logo(ops_client):
    before = _row()
    fake = SimpleUploadedFile("logo.png", b"not a picture", content_type="image/png")

    response = ops_client.post(BRANDING, {"name": "New", "logo": fake})

    assert response.status_code == 400
    assert _errors_beside(response.content.decode(), "logo")
    assert _row() == before


# --- Fees and policies -------------------------------------------------------------


def test_fees_are_saved_audited_and_in_force_at_once(ops_client, admin_ops):
    # When the admin sets a 7.5% service fee and a 12-hour free cancellation
    response = ops_client.post(
        FEES,
        {**FEE_FORM, "service_fee_bps": "7.5", "cancellation_free_hours": "12"},
    )

    # Then both are stored (basis points for the percentage) and audited
    assert response.status_code == 302
    assert policy.current().service_fee_bps == 750
    assert policy.current().cancellation_free_hours == 12
    entry = AuditEntry.objects.get(action="settings.update_policy")
    assert entry.before == {"service_fee_bps": None, "cancellation_free_hours": None}
    assert entry.after == {"service_fee_bps": 750, "cancellation_free_hours": 12}
    # And the page says what is in force now; the rest follows the environment
    html = ops_client.get(FEES).content.decode()
    assert "7.5%" in html
    assert policy.current().clearing_days == policy.defaults().clearing_days


def test_emptying_a_field_returns_it_to_the_environment_default(ops_client):
    ops_client.post(FEES, {**FEE_FORM, "service_fee_bps": "9"})
    ops_client.post(FEES, FEE_FORM)
    assert policy.current() == policy.defaults()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("service_fee_bps", "31"),
        ("service_fee_bps", "-1"),
        ("service_fee_bps", "abc"),
        ("cancellation_fee_bps", "100.5"),
        ("clearing_days", "400"),
        ("min_payout", "0"),
        ("no_show_grace_minutes", "1.5"),
    ],
)
def test_a_figure_out_of_range_is_refused_and_nothing_saved(ops_client, field, value):
    before = _row()

    response = ops_client.post(
        FEES, {**FEE_FORM, field: value, "cancellation_free_hours": "2"}
    )

    assert response.status_code == 400
    assert _errors_beside(response.content.decode(), field)
    assert _row() == before
    assert not AuditEntry.objects.exists()


# --- Cities ------------------------------------------------------------------------

NEW_CITY = {
    "slug": "tokyo",
    "name_en": "Tokyo",
    "name_zh_hans": "东京",
    "name_zh_hant": "東京",
    "currency": "jpy",
    "time_zone": "Asia/Tokyo",
    "latitude": "35.6762",
    "longitude": "139.6503",
    "radius_km": "60",
    "is_active": "on",
}


def test_a_city_added_is_offered_by_search_on_the_next_request(ops_client, client):
    response = ops_client.post(CITIES, NEW_CITY)

    assert response.status_code == 302
    tokyo = City.objects.get(slug="tokyo")
    assert (tokyo.currency, tokyo.time_zone) == ("JPY", "Asia/Tokyo")
    entry = AuditEntry.objects.get(action="settings.add_city")
    assert entry.after["slug"] == "tokyo"
    html = ops_client.get(reverse("search:search")).content.decode()
    assert "Tokyo" in html


def test_a_city_no_longer_served_leaves_the_search_page(ops_client):
    assert "Taipei" in ops_client.get(reverse("search:search")).content.decode()
    data = {
        field: getattr(City.objects.get(slug="taipei"), field)
        for field in (
            "name_en",
            "name_zh_hans",
            "name_zh_hant",
            "currency",
            "time_zone",
            "latitude",
            "longitude",
            "radius_km",
            "position",
        )
    }

    response = ops_client.post("/ops/settings/cities/taipei/", data)

    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="settings.update_city")
    assert entry.before == {"is_active": True}
    assert entry.after == {"is_active": False}
    assert "Taipei" not in ops_client.get(reverse("search:search")).content.decode()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("slug", "Tokyo City"),
        ("slug", "shanghai"),
        ("currency", "XYZ"),
        ("time_zone", "Mars/Olympus"),
        ("latitude", "91"),
        ("radius_km", "0"),
    ],
)
def test_a_bad_city_is_refused_beside_the_field(ops_client, field, value):
    before = list(City.objects.values())

    response = ops_client.post(CITIES, {**NEW_CITY, field: value})

    assert response.status_code == 400
    assert _errors_beside(response.content.decode(), field)
    assert list(City.objects.values()) == before
    assert _row()["version"] == 1


# --- Categories --------------------------------------------------------------------


def test_a_category_is_added_renamed_reordered_and_retired(ops_client):
    first = make_category("cleaning", name_en="Cleaning")
    make_category("repairs", name_en="Repairs")
    Category.objects.filter(slug="repairs").update(position=1)

    # Added, at the end, with its commission
    response = ops_client.post(
        CATEGORIES,
        {
            "slug": "tutoring",
            "parent": "",
            "name_en": "Tutoring",
            "name_zh_hans": "家教",
            "name_zh_hant": "家教",
            "commission": "12.5",
        },
    )
    assert response.status_code == 302
    tutoring = Category.objects.get(slug="tutoring")
    assert (tutoring.commission_bps, tutoring.position) == (1250, 2)

    # Renamed and retired
    response = ops_client.post(
        f"/ops/settings/categories/{first.public_id}/",
        {
            "name_en": "Home cleaning",
            "name_zh_hans": "家庭保洁",
            "name_zh_hant": "家庭清潔",
            "commission": "20",
        },
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.name_en, first.is_active) == ("Home cleaning", False)

    # Moved up
    ops_client.post(
        f"/ops/settings/categories/{tutoring.public_id}/move/", {"direction": "up"}
    )
    order = list(Category.objects.filter(parent=None).values_list("slug", flat=True))
    assert order == ["cleaning", "tutoring", "repairs"]

    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == [
        "settings.add_category",
        "settings.update_category",
        "settings.move_category",
    ]
    renamed = AuditEntry.objects.get(action="settings.update_category")
    assert renamed.before["name_en"] == "Cleaning"
    assert renamed.after["is_active"] is False


def test_a_category_commission_out_of_range_is_refused(ops_client):
    category = make_category("cleaning", name_en="Cleaning")
    before = Category.objects.values().get(pk=category.pk)

    response = ops_client.post(
        f"/ops/settings/categories/{category.public_id}/",
        {
            "name_en": "Cleaning",
            "name_zh_hans": "保洁",
            "name_zh_hant": "清潔",
            "commission": "60",
            "is_active": "on",
        },
    )

    assert response.status_code == 400
    assert _errors_beside(response.content.decode(), "commission")
    assert Category.objects.values().get(pk=category.pk) == before
    assert not AuditEntry.objects.exists()


def test_an_unknown_category_or_city_is_not_found(ops_client):
    assert ops_client.get("/ops/settings/categories/cat_nope/").status_code == 404
    assert ops_client.get("/ops/settings/cities/atlantis/").status_code == 404
    assert (
        ops_client.post(
            "/ops/settings/categories/cat_nope/move/", {"direction": "up"}
        ).status_code
        == 404
    )


def test_search_finds_a_renamed_category_and_drops_a_retired_one(ops_client):
    from doorstep.search.tests.helpers import found
    from tests.factories import make_listing

    category = make_category("pets", name_en="Pets", name_zh_hans="宠物")
    listing = make_listing(title="Walks", category=category)
    form = {
        "name_en": "Dog walking",
        "name_zh_hans": "遛狗",
        "name_zh_hant": "遛狗",
        "commission": "15",
        "is_active": "on",
    }
    url = f"/ops/settings/categories/{category.public_id}/"

    assert ops_client.post(url, form).status_code == 302
    assert found(listing, q="dog walking")

    del form["is_active"]
    assert ops_client.post(url, form).status_code == 302
    assert not found(listing, q="walks")


def test_authenticator_apps_and_emails_name_the_marketplace_as_ops_call_it(
    admin_ops,
):
    from allauth.mfa.adapter import get_adapter

    from doorstep.accounts.adapter import AccountAdapter
    from doorstep.marketplace import services

    services.update_branding(
        actor=admin_ops, name="Handy Harbour", primary_colour="", accent_colour=""
    )

    assert get_adapter().get_totp_issuer() == "Handy Harbour"
    assert AccountAdapter().format_email_subject("Hi") == "[Handy Harbour] Hi"


def test_percentages_are_shown_as_people_type_them(ops_client):
    category = make_category("cleaning", name_en="Cleaning")
    ops_client.post(FEES, {**FEE_FORM, "service_fee_bps": "30"})

    category_form = ops_client.get(
        f"/ops/settings/categories/{category.public_id}/"
    ).content.decode()
    fees_form = ops_client.get(FEES).content.decode()
    refused = ops_client.post(FEES, {**FEE_FORM, "service_fee_bps": "45"})

    assert 'name="commission" value="20"' in category_form
    assert 'name="service_fee_bps" value="30"' in fees_form
    assert "from 0 to 30." in refused.content.decode()
