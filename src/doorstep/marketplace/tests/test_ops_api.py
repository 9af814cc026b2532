"""The operator's settings through the API: the same services as the settings
pages (audited), behind the back office's access; a customer, a token without
``ops``, one without the second factor and a role without settings are
refused, and a refused or wrong request changes nothing."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from doorstep.api.testing import API, JSON, assert_problem, bearer, ops_bearer
from doorstep.audit.models import AuditEntry
from doorstep.catalog.models import Category
from doorstep.marketplace import audit_actions, policy
from doorstep.marketplace.models import City, ExchangeRate, MarketplaceSettings
from doorstep.marketplace.state import settings_row
from tests.factories import make_category, make_ops, make_user

pytestmark = pytest.mark.django_db

SETTINGS = f"{API}/ops/settings"
CITY = {
    "slug": "macau",
    "name_en": "Macau",
    "name_zh_hant": "澳門",
    "currency": "MOP",
    "time_zone": "Asia/Macau",
    "latitude": 22.2,
    "longitude": 113.55,
    "radius_km": 30,
}


@pytest.fixture
def headers():
    return ops_bearer(make_ops("Ops admin"))


def _audited(action) -> int:
    return AuditEntry.objects.filter(action=action.code).count()


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 300), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")


def test_ops_set_the_name_colours_and_logo(client, headers):
    body = {"name": "Plum", "primary_colour": "#0F766E", "reason": "Rebrand"}

    response = client.put(f"{SETTINGS}/branding", body, JSON, **headers)

    assert response.status_code == 200, response.content
    assert response.json()["shown_name"] == "Plum"
    assert response.json()["primary_colour"] == "#0f766e"
    audit = AuditEntry.objects.get(action=audit_actions.UPDATE_BRANDING.code)
    assert audit.reason == "Rebrand"
    logo = client.post(f"{SETTINGS}/branding/logo", {"logo": _png()}, **headers)
    assert logo.status_code == 200, logo.content
    assert logo.json()["logo_url"].endswith(".webp")
    assert logo.json()["name"] == "Plum"
    assert client.get(f"{SETTINGS}/branding", **headers).json() == logo.json()


def test_ops_change_fees_and_amounts_per_currency(client, headers):
    response = client.patch(
        f"{SETTINGS}/fees",
        {"figures": {"service_fee_bps": 700}, "reason": "Q4"},
        JSON,
        **headers,
    )

    assert response.status_code == 200, response.content
    assert policy.current().service_fee_bps == 700
    figure = next(
        f for f in response.json()["figures"] if f["name"] == "service_fee_bps"
    )
    assert figure["override"] == figure["in_force"] == 700
    amounts = client.patch(
        f"{SETTINGS}/fees/currency-amounts",
        {"amounts": {"min_payout": {"JPY": 1000}}},
        JSON,
        **headers,
    )
    assert amounts.status_code == 200, amounts.content
    assert amounts.json()["currency_amounts"] == {"min_payout": {"JPY": 1000}}
    assert _audited(audit_actions.UPDATE_POLICY) == 2


def test_ops_enter_an_exchange_rate(client, headers):
    response = client.post(
        f"{SETTINGS}/exchange-rates",
        {"base": "jpy", "quote": "CNY", "rate": 0.048},
        JSON,
        **headers,
    )

    assert response.status_code == 201, response.content
    assert response.json()["rate"] == "0.048"
    listed = client.get(f"{SETTINGS}/exchange-rates", **headers).json()["items"]
    assert [(r["base"], r["quote"], r["rate"]) for r in listed] == [
        ("JPY", "CNY", "0.048")
    ]
    assert _audited(audit_actions.SET_EXCHANGE_RATE) == 1


def test_ops_add_and_change_a_city(client, headers):
    added = client.post(f"{SETTINGS}/cities", CITY, JSON, **headers)

    assert added.status_code == 201, added.content
    assert added.json()["position"] == City.objects.count() - 1
    changed = client.patch(
        f"{SETTINGS}/cities/macau",
        {"radius_km": 40, "is_active": False},
        JSON,
        **headers,
    )
    assert changed.status_code == 200, changed.content
    city = City.objects.get(slug="macau")
    assert (city.radius_km, city.is_active) == (40, False)
    assert client.get(f"{SETTINGS}/cities/macau", **headers).json()["radius_km"] == 40
    slugs = [
        c["slug"] for c in client.get(f"{SETTINGS}/cities", **headers).json()["items"]
    ]
    assert "macau" in slugs
    assert _audited(audit_actions.ADD_CITY) == _audited(audit_actions.UPDATE_CITY) == 1


def test_ops_add_change_and_move_categories(client, headers):
    parent = make_category("home")
    first = make_category("windows", parent=parent)
    body = {
        "slug": "ovens",
        "parent": parent.public_id,
        "name_en": "Ovens",
        "name_zh_hans": "烤箱",
        "name_zh_hant": "烤箱",
        "commission_bps": 1250,
    }

    added = client.post(f"{SETTINGS}/categories", body, JSON, **headers)

    assert added.status_code == 201, added.content
    category_id = added.json()["id"]
    assert added.json()["parent"] == parent.public_id
    changed = client.patch(
        f"{SETTINGS}/categories/{category_id}",
        {"commission_bps": 1500, "is_active": False},
        JSON,
        **headers,
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["commission_bps"], changed.json()["is_active"]) == (
        1500,
        False,
    )
    moved = client.post(
        f"{SETTINGS}/categories/{category_id}/move",
        {"direction": "up"},
        JSON,
        **headers,
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["position"] == 0
    first.refresh_from_db()
    assert first.position == 1
    listed = client.get(f"{SETTINGS}/categories", **headers).json()["items"]
    assert {c["id"] for c in listed} >= {category_id, first.public_id}
    detail = client.get(f"{SETTINGS}/categories/{category_id}", **headers)
    assert detail.json() == moved.json()
    for action in ("ADD_CATEGORY", "UPDATE_CATEGORY", "MOVE_CATEGORY"):
        assert _audited(getattr(audit_actions, action)) == 1


def _state() -> tuple:
    row = settings_row()
    return (
        AuditEntry.objects.count(),
        list(City.objects.values_list("slug", "radius_km", "is_active")),
        list(Category.objects.values_list("slug", "commission_bps", "position")),
        ExchangeRate.objects.count(),
        MarketplaceSettings.objects.filter(pk=row.pk).values().get(),
    )


def test_bad_input_is_refused_and_changes_nothing(client, headers):
    category = make_category("home")
    before = _state()

    for method, path, body, code in (
        ("put", "branding", {"primary_colour": "red"}, "invalid_input"),
        ("patch", "fees", {"figures": {"service_fee_bps": 10**6}}, "invalid_input"),
        ("patch", "fees", {"figures": {"no_such_figure": 1}}, "invalid_input"),
        ("patch", "fees", {"figures": {"clearing_days": True}}, None),
        (
            "patch",
            "fees/currency-amounts",
            {"amounts": {"min_payout": {"QQQ": 5}}},
            "invalid_input",
        ),
        ("post", "exchange-rates", {"base": "CNY", "quote": "CNY", "rate": 1}, None),
        ("post", "exchange-rates", {"base": "JPY", "quote": "CNY", "rate": -1}, None),
        ("post", "cities", {**CITY, "time_zone": "Mars/Base"}, "invalid_input"),
        ("post", "cities", {**CITY, "slug": "shanghai"}, "invalid_input"),
        ("patch", "cities/shanghai", {"latitude": None}, None),
        ("patch", "cities/shanghai", {"slug": "elsewhere"}, None),
        (
            "patch",
            f"categories/{category.public_id}",
            {"commission_bps": 9000},
            "invalid_input",
        ),
        ("post", f"categories/{category.public_id}/move", {"direction": "left"}, None),
        ("post", "categories", {"slug": "x"}, None),
    ):
        response = getattr(client, method)(f"{SETTINGS}/{path}", body, JSON, **headers)
        assert_problem(response, 400, code)

    for method, path, body in (
        ("get", "cities/atlantis", None),
        ("patch", "cities/atlantis", {"radius_km": 5}),
        ("get", "categories/cat_missing", None),
        ("patch", "categories/cat_missing", {"commission_bps": 100}),
        ("post", "categories/cat_missing/move", {"direction": "up"}),
    ):
        call = getattr(client, method)
        response = (
            call(f"{SETTINGS}/{path}", body, JSON, **headers)
            if body is not None
            else call(f"{SETTINGS}/{path}", **headers)
        )
        assert_problem(response, 404, "not_found")
    assert _state() == before


def test_only_ops_with_settings_may_read_or_change_settings(client):
    before = _state()
    ops = make_ops("Ops admin")
    refused = (
        (bearer(make_user()), 404, "not_found"),
        (
            bearer(ops, second_factor=True, scopes=["read", "write"]),
            403,
            "insufficient_scope",
        ),
        (bearer(ops), 403, "ops_mfa_required"),
        (ops_bearer(make_ops("Support")), 403, "ops_permission_required"),
    )

    for headers, status, code in refused:
        assert_problem(
            client.post(f"{SETTINGS}/cities", CITY, JSON, **headers), status, code
        )
        assert_problem(
            client.put(f"{SETTINGS}/branding", {"name": "Mine"}, JSON, **headers),
            status,
            code,
        )
        assert_problem(client.get(f"{SETTINGS}/fees", **headers), status, code)
    assert _state() == before
