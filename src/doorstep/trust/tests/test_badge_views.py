"""The pages: a provider consents and follows their check; ops start checks,
decide "consider" results and set the top-provider rules — each by role; the
sandbox's result arrives only through the worker's job and our webhook."""

import pytest
from django.urls import reverse

from doorstep.audit.models import AuditEntry
from doorstep.periodic.services import run_due_jobs
from doorstep.trust.check_models import BackgroundCheck, TopProviderRules
from doorstep.trust.models import BadgeKind, ProviderBadge
from doorstep.trust.tests.conftest import consented
from tests.factories import make_ops, make_user, sign_in_ops

pytestmark = pytest.mark.django_db
CHECKS = "/ops/trust/background-checks/"
TOP = "/ops/trust/top-provider/"


@pytest.fixture(autouse=True)
def _no_sandbox_delay(settings):
    settings.DOORSTEP_CHECK_SANDBOX_DELAY_SECONDS = 0


def _ops_client(client, role):
    sign_in_ops(client, make_ops(role))
    return client


def test_the_provider_consents_on_their_page(client, provider):
    client.force_login(provider.user)
    page = client.get(reverse("badges:provider_check"))
    assert page.status_code == 200
    assert "Consent to a background check" in page.text

    response = client.post(
        reverse("badges:provider_check"),
        {"legal_name": "Mei Chen", "agreed": "on"},
        REMOTE_ADDR="198.51.100.4",
    )

    assert response.status_code == 302
    consent = provider.check_consents.get()
    assert consent.ip_address == "198.51.100.4"
    assert "You consented" in client.get(reverse("badges:provider_check")).text


def test_consent_without_the_box_shows_the_error_and_records_nothing(client, provider):
    client.force_login(provider.user)
    response = client.post(reverse("badges:provider_check"), {"legal_name": "Mei Chen"})
    assert response.status_code == 400
    assert "Tick the box" in response.text
    assert not provider.check_consents.exists()


def test_a_customer_has_no_check_page(client):
    client.force_login(make_user())
    assert client.get(reverse("badges:provider_check")).status_code == 404


def test_journey_ops_start_the_worker_delivers_the_clear_result(client, provider):
    # given a provider who consented, on the ops list
    consented(provider)
    ops = _ops_client(client, "Trust & safety")
    assert provider.public_id in ops.get(CHECKS).text

    # when ops start the check
    response = ops.post(f"{CHECKS}start/", {"provider": provider.public_id})
    check = BackgroundCheck.objects.get(provider=provider)
    assert response.status_code == 302
    assert check.status == BackgroundCheck.Status.PENDING

    # and the worker's scheduler runs its due jobs
    run_due_jobs()

    # then the sandbox's signed webhook reached our endpoint and the badge is on
    check.refresh_from_db()
    assert check.status == BackgroundCheck.Status.CLEAR
    assert ProviderBadge.objects.filter(
        provider=provider, kind=BadgeKind.BACKGROUND_CHECKED, revoked_at__isnull=True
    ).exists()
    client.force_login(provider.user)
    assert (
        'data-check-status="clear"' in client.get(reverse("badges:provider_check")).text
    )


def test_ops_decide_a_consider_result_on_its_page(client, provider):
    consented(provider, legal_name="Mei Consider")
    ops = _ops_client(client, "Ops admin")
    ops.post(f"{CHECKS}start/", {"provider": provider.public_id})
    run_due_jobs()
    check = BackgroundCheck.objects.get(provider=provider)
    assert check.status == BackgroundCheck.Status.CONSIDER
    assert check.public_id in ops.get(CHECKS).text

    missing = ops.post(f"{CHECKS}{check.public_id}/", {"decision": "approve"})
    assert missing.status_code == 400
    response = ops.post(
        f"{CHECKS}{check.public_id}/",
        {"decision": "approve", "reason": "Record unrelated to the work"},
    )

    assert response.status_code == 302
    check.refresh_from_db()
    assert check.status == BackgroundCheck.Status.APPROVED
    page = ops.get(f"{CHECKS}{check.public_id}/").text
    assert "trust.background_check.approve" in page


@pytest.mark.parametrize("role", ["Support", "Finance"])
def test_other_roles_are_refused_the_check_pages(client, provider, role):
    consented(provider)
    ops = _ops_client(client, role)
    assert ops.get(CHECKS).status_code == 403
    assert (
        ops.post(f"{CHECKS}start/", {"provider": provider.public_id}).status_code == 403
    )
    assert not BackgroundCheck.objects.exists()


def test_ops_pages_do_not_exist_for_others(client, provider):
    client.force_login(provider.user)
    assert client.get(CHECKS).status_code == 404
    assert client.get(TOP).status_code == 404


def test_webhook_endpoint_refuses_a_bad_signature(client):
    response = client.post(
        "/trust/checks/webhooks/sandbox/",
        data=b'{"id": "evt"}',
        content_type="application/json",
        HTTP_X_CHECKR_SIGNATURE="00",
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("role", "status"),
    [("Ops admin", 200), ("Trust & safety", 200), ("Support", 403), ("Finance", 403)],
)
def test_the_top_provider_rules_page_by_role(client, role, status):
    ops = _ops_client(client, role)
    assert ops.get(TOP).status_code == status


def test_ops_change_the_rules_and_the_change_is_audited(client):
    ops = _ops_client(client, "Ops admin")
    response = ops.post(
        TOP,
        {
            "min_rating": "4.8",
            "min_reviews": "10",
            "min_completed_jobs": "30",
            "max_median_response_minutes": "60",
            "max_cancellation_bps": "300",
            "window_days": "90",
        },
    )
    assert response.status_code == 302
    rules = TopProviderRules.objects.get(is_active=True)
    assert (rules.min_completed_jobs, rules.window_days) == (30, 90)
    assert AuditEntry.objects.filter(action="trust.top_provider_rules.update").exists()
    assert "trust.top_provider_rules.update" in ops.get(TOP).text


def test_bad_rules_are_shown_beside_the_field(client):
    ops = _ops_client(client, "Ops admin")
    response = ops.post(
        TOP,
        {
            "min_rating": "4.8",
            "min_reviews": "10",
            "min_completed_jobs": "30",
            "max_median_response_minutes": "",
            "max_cancellation_bps": "30000",
            "window_days": "90",
        },
    )
    assert response.status_code == 400
    assert not TopProviderRules.objects.exists()
