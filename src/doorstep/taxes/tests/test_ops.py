"""The tax pages of the back office: who may open them, what a change writes
(and audits), and what bad input leaves untouched."""

import pytest
from django.urls import reverse

from doorstep.audit.models import AuditEntry
from doorstep.core.errors import PermissionDenied
from doorstep.marketplace import state
from doorstep.taxes import services
from doorstep.taxes.models import TaxRegion, TaxRegionCity, TaxRule
from doorstep.taxes.tests.conftest import make_region
from tests.factories import make_ops, make_user, sign_in_ops

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cities():
    state.forget()
    yield
    state.forget()


def _as(client, role: str):
    sign_in_ops(client, make_ops(role))
    return client


def _counts() -> tuple[int, int, int, int]:
    return (
        TaxRegion.objects.count(),
        TaxRegionCity.objects.count(),
        TaxRule.objects.count(),
        AuditEntry.objects.count(),
    )


def test_ops_add_a_region_and_its_rule_and_each_change_is_audited(client):
    _as(client, "Ops admin")

    added = client.post(
        reverse("taxes:regions"),
        {
            "code": "sg",
            "name": "Singapore",
            "prices_include_tax": "false",
            "cities": ["shanghai"],
            "reason": "GST registration",
        },
    )
    region = TaxRegion.objects.get(code="sg")
    url = reverse("taxes:region", args=[region.public_id])
    rule = client.post(
        url, {"name": "GST", "rate": "5", "on_service": "on", "on_platform_fees": "on"}
    )

    assert added.status_code == 302
    assert rule.status_code == 302
    assert region.prices_include_tax is False
    assert list(region.cities.values_list("slug", flat=True)) == ["shanghai"]
    (gst,) = region.rules.all()
    assert (gst.name, gst.rate_bps, gst.on_service, gst.on_platform_fees) == (
        "GST",
        500,
        True,
        True,
    )
    actions = AuditEntry.objects.order_by("pk").values_list("action", flat=True)
    assert list(actions) == ["settings.save_tax_region", "settings.add_tax_rule"]
    page = client.get(url).content.decode()
    assert f'data-rule="{gst.public_id}"' in page
    assert "5%" in page


def test_ending_a_rule_keeps_it_for_the_orders_it_taxed(client):
    region = make_region("eu", "shanghai", inclusive=True, rules=[("VAT", 600, 0, 1)])
    rule = region.rules.get()
    _as(client, "Ops admin")

    client.post(reverse("taxes:end_rule", args=[region.public_id, rule.public_id]))

    rule.refresh_from_db()
    assert rule.valid_until is not None
    assert AuditEntry.objects.filter(action="settings.end_tax_rule").count() == 1


def test_bad_rules_and_regions_are_refused_and_change_nothing(client):
    region = make_region("eu", "shanghai", inclusive=True, rules=[])
    _as(client, "Ops admin")
    before = _counts()
    url = reverse("taxes:region", args=[region.public_id])

    no_base = client.post(url, {"name": "VAT", "rate": "6"})
    no_rate = client.post(url, {"name": "VAT", "rate": "0", "on_service": "on"})
    taken_city = client.post(
        reverse("taxes:regions"),
        {
            "code": "two",
            "name": "Two",
            "prices_include_tax": "true",
            "cities": ["shanghai"],
        },
    )
    same_code = client.post(
        reverse("taxes:regions"),
        {"code": "eu", "name": "Again", "prices_include_tax": "true"},
    )

    assert [no_base.status_code, no_rate.status_code] == [400, 400]
    assert [taken_city.status_code, same_code.status_code] == [400, 400]
    assert "already belong to another region" in taken_city.content.decode()
    assert _counts() == before


def test_a_role_without_settings_is_refused_and_outsiders_see_nothing(client):
    region = make_region("eu", "shanghai", inclusive=True, rules=[])
    pages = [
        reverse("taxes:regions"),
        reverse("taxes:region", args=[region.public_id]),
    ]
    before = _counts()

    client.force_login(make_user())
    outsider = [client.get(page).status_code for page in pages]
    outsider_report = client.get(reverse("taxes:report")).status_code
    _as(client, "Support")
    support = [client.get(page).status_code for page in pages]
    support_post = client.post(
        pages[1], {"name": "VAT", "rate": "6", "on_service": "on"}
    ).status_code
    support_report = client.get(reverse("taxes:report")).status_code

    assert outsider == [404, 404]
    assert outsider_report == 404
    assert support == [403, 403]
    assert support_post == 403
    assert support_report == 403
    assert _counts() == before


def test_the_service_refuses_ops_without_the_settings_permission():
    support = make_ops("Support")
    with pytest.raises(PermissionDenied) as refused:
        services.save_tax_region(
            actor=support, code="x", name="X", prices_include_tax=True, city_slugs=[]
        )
    assert getattr(refused.value, "code", "") == "ops_permission_required"
    assert not TaxRegion.objects.exists()


def test_finance_reads_the_tax_report_and_its_csv(client):
    _as(client, "Finance")

    page = client.get(reverse("taxes:report"))
    exported = client.get(reverse("taxes:report"), {"format": "csv"})

    assert page.status_code == 200
    assert exported.status_code == 200
    assert exported["Content-Type"].startswith("text/csv")
    assert exported.content.decode().splitlines()[0] == (
        "region,currency,on_services,on_fees,returned,net"
    )
