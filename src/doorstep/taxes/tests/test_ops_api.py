"""Tax regions and rules through the API: the same services as the tax pages
(audited), behind the back office's access; a customer, a token without
``ops``, one without the second factor and a role without settings are
refused, and a refused or wrong request changes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.api.testing import API, JSON, assert_problem, bearer, ops_bearer
from doorstep.audit.models import AuditEntry
from doorstep.marketplace import state
from doorstep.taxes import audit_actions
from doorstep.taxes.models import TaxRegion, TaxRegionCity, TaxRule
from doorstep.taxes.tests.conftest import make_region
from tests.factories import make_ops, make_user

pytestmark = pytest.mark.django_db

REGIONS = f"{API}/ops/settings/tax-regions"
REGION = {
    "code": "sg",
    "name": "Singapore",
    "prices_include_tax": False,
    "cities": ["shanghai"],
    "reason": "GST registration",
}


@pytest.fixture(autouse=True)
def _fresh_cities():
    state.forget()
    yield
    state.forget()


@pytest.fixture
def headers():
    return ops_bearer(make_ops("Ops admin"))


def _counts() -> tuple:
    return (
        list(TaxRegion.objects.values_list("code", "name", "prices_include_tax")),
        TaxRegionCity.objects.count(),
        list(TaxRule.objects.values_list("rate_bps", "valid_until")),
        AuditEntry.objects.count(),
    )


def _actions() -> list[str]:
    return list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))


def test_ops_add_a_region_a_rule_change_the_region_and_end_the_rule(client, headers):
    added = client.post(REGIONS, REGION, JSON, **headers)

    assert added.status_code == 201, added.content
    region_id = added.json()["id"]
    assert added.json()["cities"] == ["shanghai"]
    url = f"{REGIONS}/{region_id}"
    rule = client.post(
        f"{url}/rules",
        {"name": "GST", "rate_bps": 500, "on_service": True, "on_platform_fees": True},
        JSON,
        **headers,
    )
    assert rule.status_code == 201, rule.content
    changed = client.put(
        url,
        {"name": "Singapore (GST)", "prices_include_tax": True, "cities": []},
        JSON,
        **headers,
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["cities"] == []
    assert changed.json()["prices_include_tax"] is True
    ended = client.post(
        f"{url}/rules/{rule.json()['id']}/end",
        {"reason": "Rate rises"},
        JSON,
        **headers,
    )
    assert ended.status_code == 200, ended.content
    assert ended.json()["valid_until"] is not None
    detail = client.get(url, **headers).json()
    assert [r["id"] for r in detail["rules"]] == [rule.json()["id"]]
    listed = client.get(REGIONS, **headers).json()["items"]
    assert [r["code"] for r in listed] == ["sg"]
    assert _actions() == [
        audit_actions.SAVE_TAX_REGION.code,
        audit_actions.ADD_TAX_RULE.code,
        audit_actions.SAVE_TAX_REGION.code,
        audit_actions.END_TAX_RULE.code,
    ]


def test_bad_input_is_refused_and_changes_nothing(client, headers):
    region = make_region("eu", "shanghai", inclusive=True, rules=[("VAT", 600, 0, 1)])
    other = make_region("uk", "taipei", inclusive=True, rules=[("VAT", 2000, 1, 0)])
    url = f"{REGIONS}/{region.public_id}"
    rule_id = region.rules.get().public_id
    before = _counts()
    later = timezone.now() + timedelta(days=1)

    for path, body, code in (
        (REGIONS, {**REGION, "code": "eu"}, "invalid_input"),
        (REGIONS, {**REGION, "cities": ["taipei"]}, "invalid_input"),
        (REGIONS, {**REGION, "cities": ["atlantis"]}, "invalid_input"),
        (REGIONS, {"code": "x"}, None),
        (f"{url}/rules", {"name": "VAT", "rate_bps": 600}, "invalid_input"),
        (f"{url}/rules", {"name": "VAT", "rate_bps": 0, "on_service": True}, None),
        (
            f"{url}/rules",
            {
                "name": "VAT",
                "rate_bps": 600,
                "on_service": True,
                "valid_from": later.isoformat(),
                "valid_until": timezone.now().isoformat(),
            },
            "invalid_input",
        ),
        (
            f"{url}/rules",
            {"name": "VAT", "rate_bps": 600, "valid_from": "2026-01-01T00:00:00"},
            None,
        ),
    ):
        assert_problem(client.post(path, body, JSON, **headers), 400, code)
    refused_rate = client.post(
        f"{url}/rules",
        {"name": "VAT", "rate_bps": 20_000, "on_service": True},
        JSON,
        **headers,
    )
    assert "rate_bps" in assert_problem(refused_rate, 400, "invalid_input")["errors"]
    taken = client.put(
        f"{REGIONS}/{other.public_id}",
        {"name": "UK", "prices_include_tax": True, "cities": ["shanghai"]},
        JSON,
        **headers,
    )
    assert_problem(taken, 400, "invalid_input")
    # A rule is ended through its own region only.
    assert_problem(
        client.post(
            f"{REGIONS}/{other.public_id}/rules/{rule_id}/end", {}, JSON, **headers
        ),
        404,
        "not_found",
    )
    assert_problem(client.get(f"{REGIONS}/txr_missing", **headers), 404, "not_found")
    assert _counts() == before


def test_only_ops_with_settings_may_read_or_change_taxes(client):
    region = make_region("eu", "shanghai", inclusive=True, rules=[("VAT", 600, 0, 1)])
    end = f"{REGIONS}/{region.public_id}/rules/{region.rules.get().public_id}/end"
    ops = make_ops("Ops admin")
    before = _counts()

    for headers, status, code in (
        (bearer(make_user()), 404, "not_found"),
        (
            bearer(ops, second_factor=True, scopes=["read", "write"]),
            403,
            "insufficient_scope",
        ),
        (bearer(ops), 403, "ops_mfa_required"),
        (ops_bearer(make_ops("Support")), 403, "ops_permission_required"),
    ):
        assert_problem(client.post(REGIONS, REGION, JSON, **headers), status, code)
        assert_problem(client.post(end, {}, JSON, **headers), status, code)
        assert_problem(client.get(REGIONS, **headers), status, code)
    assert _counts() == before
