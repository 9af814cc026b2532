"""Webhooks for ops in the API: the list of every endpoint and turning one off,
audited; hidden from everyone else."""

import pytest

from doorstep.api.testing import API, JSON, assert_problem, bearer, ops_bearer
from doorstep.audit.models import AuditEntry
from doorstep.webhooks import services
from doorstep.webhooks.models import DisabledReason
from tests.factories import make_ops, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(receiver):
    endpoint, _secret = services.create_endpoint(owner=make_user(), url=receiver.url)
    return endpoint


def test_ops_list_and_turn_off_an_endpoint(client, endpoint):
    headers = ops_bearer(make_ops())
    listed = client.get(f"{API}/ops/webhooks/endpoints", **headers).json()
    assert [item["id"] for item in listed["items"]] == [endpoint.public_id]
    assert listed["items"][0]["owner"] == endpoint.owner.public_id

    url = f"{API}/ops/webhooks/endpoints/{endpoint.public_id}/disable"
    response = client.post(url, {"reason": "spam"}, content_type=JSON, **headers)
    assert response.json()["enabled"] is False
    endpoint.refresh_from_db()
    assert endpoint.disabled_reason == DisabledReason.OPS
    assert AuditEntry.objects.get(action="webhooks.disable_endpoint").reason == "spam"


def test_others_do_not_find_the_ops_endpoints(client, endpoint):
    headers = bearer(endpoint.owner)
    assert_problem(client.get(f"{API}/ops/webhooks/endpoints", **headers), 404)
    url = f"{API}/ops/webhooks/endpoints/{endpoint.public_id}/disable"
    response = client.post(url, {"reason": "x"}, content_type=JSON, **headers)
    assert_problem(response, 404)
    endpoint.refresh_from_db()
    assert endpoint.enabled


def test_staff_without_a_second_factor_are_refused(client, endpoint):
    headers = bearer(make_ops())
    response = client.get(f"{API}/ops/webhooks/endpoints", **headers)
    assert_problem(response, 403, "ops_mfa_required")
