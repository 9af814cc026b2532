"""The Verification page and the ops review pages, per role."""

import pytest
from django.urls import reverse

from doorstep.trust import services
from doorstep.trust.models import ApplicationStatus, ProviderApplication
from doorstep.trust.tests.conftest import id_requirement, pdf_upload
from tests.factories import make_ops, make_provider, make_user, sign_in_ops

pytestmark = pytest.mark.django_db


def test_a_provider_uploads_and_submits_from_the_verification_page(client):
    provider = make_provider()
    requirement = id_requirement()
    client.force_login(provider.user)
    page = client.get(reverse("trust:verification"))
    assert page.status_code == 200
    assert "ID card" in page.content.decode()

    response = client.post(
        reverse("trust:verification"),
        {
            "requirement": requirement.pk,
            "number": "310101199001011234",
            "file": pdf_upload(),
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("trust:verification")).content.decode()
    assert "****1234" in page
    assert "310101199001011234" not in page

    client.post(reverse("trust:submit"))
    assert ProviderApplication.objects.get(provider=provider).status == (
        ApplicationStatus.SUBMITTED
    )


def test_a_bad_upload_shows_the_error_beside_the_form(client):
    provider = make_provider()
    requirement = id_requirement()
    client.force_login(provider.user)
    response = client.post(
        reverse("trust:verification"),
        {"requirement": requirement.pk, "number": "", "file": pdf_upload()},
    )
    assert response.status_code == 400
    assert "Enter the document" in response.content.decode()


def test_a_customer_has_no_verification_page(client):
    client.force_login(make_user())
    assert client.get(reverse("trust:verification")).status_code == 404


def _submitted_application():
    provider = make_provider()
    services.upload_document(
        actor=provider.user,
        requirement_id=id_requirement().pk,
        upload=pdf_upload(),
        number="310101199001011234",
    )
    return services.submit_application(actor=provider.user)


@pytest.mark.parametrize(
    ("role", "status"),
    [("Trust & safety", 200), ("Ops admin", 200), ("Support", 403), ("Finance", 403)],
)
def test_the_ops_pages_by_role(client, role, status):
    application = _submitted_application()
    sign_in_ops(client, make_ops(role))
    for url in (
        reverse("trust:ops_queue"),
        reverse("trust:ops_expiring"),
        reverse("trust:ops_application", args=[application.public_id]),
    ):
        assert client.get(url).status_code == status


def test_the_ops_pages_do_not_exist_for_providers(client):
    application = _submitted_application()
    client.force_login(application.provider.user)
    assert client.get(reverse("trust:ops_queue")).status_code == 404
    response = client.post(
        reverse("trust:ops_decide", args=[application.public_id]),
        {"decision": "approve"},
    )
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_ops_request_changes_from_the_application_page(client):
    application = _submitted_application()
    sign_in_ops(client, make_ops("Trust & safety"))
    page = client.get(reverse("trust:ops_application", args=[application.public_id]))
    assert "****1234" in page.content.decode()
    client.post(
        reverse("trust:ops_decide", args=[application.public_id]),
        {"decision": "request_changes", "reason": "Photo the back too."},
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.CHANGES_REQUESTED
    assert application.reason == "Photo the back too."


def test_the_queue_is_on_the_ops_home(client):
    _submitted_application()
    sign_in_ops(client, make_ops("Trust & safety"))
    home = client.get(reverse("backoffice:home")).content.decode()
    assert "Provider applications" in home


def test_ops_configure_requirements_in_the_admin(client):
    id_requirement()
    sign_in_ops(client, make_ops("Ops admin", is_superuser=True))
    for url in (
        reverse("admin:trust_documenttype_changelist"),
        reverse("admin:trust_documentrequirement_changelist"),
        reverse("admin:trust_documentrequirement_add"),
    ):
        assert client.get(url).status_code == 200
    assert (
        "ID card"
        in client.get(
            reverse("admin:trust_documentrequirement_changelist")
        ).content.decode()
    )
