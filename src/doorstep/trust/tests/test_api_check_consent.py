"""A provider's consent to a background check through the API, as the
background-check page records it (``check_services.record_consent``)."""

import pytest

from doorstep.api.testing import API, JSON, assert_problem, bearer
from doorstep.trust.check_models import BackgroundCheckConsent
from doorstep.trust.check_services import CONSENT_TEXT_VERSION
from tests.factories import make_provider, make_user

pytestmark = pytest.mark.django_db
CONSENT = f"{API}/me/background-check/consent"


def _consent(client, headers, **body):
    body = {"legal_name": "Mei Chen", "agreed": True, **body}
    return client.post(CONSENT, body, content_type=JSON, **headers)


def test_a_provider_consents(client):
    provider = make_provider()

    response = _consent(client, bearer(provider.user))

    assert response.status_code == 201, response.content
    assert response.json()["text_version"] == CONSENT_TEXT_VERSION
    consent = BackgroundCheckConsent.objects.get(provider=provider)
    assert consent.given_by == provider.user


def test_a_consent_from_a_server_that_passed_no_address_is_kept_without_one(client):
    """Behind a unix socket without a forwarded address the client is not
    known: the consent is recorded without one, not refused by the database
    (PostgreSQL's inet column took the rate limiter's "unknown-address")."""
    provider = make_provider()

    response = _consent(client, {**bearer(provider.user), "REMOTE_ADDR": ""})

    assert response.status_code == 201, response.content
    consent = BackgroundCheckConsent.objects.get(provider=provider)
    assert consent.ip_address is None


def test_no_agreement_or_no_provider_or_read_only_records_nothing(client):
    provider = make_provider()

    assert_problem(
        _consent(client, bearer(provider.user), agreed=False), 400, "invalid_input"
    )
    assert_problem(
        _consent(client, bearer(provider.user), legal_name=" x "), 400, "invalid_input"
    )
    assert_problem(_consent(client, bearer(make_user())), 404, "not_a_provider")
    assert_problem(
        _consent(client, bearer(provider.user, scopes=["read"])),
        403,
        "insufficient_scope",
    )
    assert not BackgroundCheckConsent.objects.exists()


# --- Ops decide an application through the API ---------------------------------------


def _decide(client, application, headers, decision="reject", reason="Blurred ID"):
    return client.post(
        f"{API}/ops/verification/applications/{application.public_id}/decision",
        {"decision": decision, "reason": reason},
        content_type=JSON,
        **headers,
    )


def _submitted_application():
    from doorstep.trust import services
    from doorstep.trust.tests.conftest import id_requirement, pdf_upload

    provider = make_provider()
    services.upload_document(
        actor=provider.user,
        requirement_id=id_requirement().pk,
        upload=pdf_upload(),
        number="310101199001011234",
    )
    return services.submit_application(actor=provider.user)


def test_ops_decide_an_application_and_it_is_audited(client):
    from doorstep.audit.queries import entries_for
    from tests.factories import make_ops

    application = _submitted_application()
    ops = make_ops("Trust & safety")

    response = _decide(client, application, bearer(ops, second_factor=True))

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "rejected"
    assert entries_for(application).get().reason == "Blurred ID"
    assert_problem(
        _decide(client, application, bearer(ops, second_factor=True)),
        409,
        "application_not_open",
    )


def test_nobody_else_decides_an_application(client):
    from tests.factories import make_ops

    application = _submitted_application()
    ops = make_ops("Trust & safety")

    for user in (make_user(), application.provider.user):
        assert_problem(_decide(client, application, bearer(user)), 404, "not_found")
    assert_problem(_decide(client, application, bearer(ops)), 403, "ops_mfa_required")
    assert_problem(
        _decide(
            client,
            application,
            bearer(ops, second_factor=True, scopes=["read", "write"]),
        ),
        403,
        "insufficient_scope",
    )
    assert_problem(
        _decide(client, application, bearer(make_ops("Finance"), second_factor=True)),
        403,
        "ops_permission_required",
    )
    application.refresh_from_db()
    assert application.status == "submitted"
