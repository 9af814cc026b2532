"""The provider's verification API: problem+json errors, nothing leaked."""

import pytest

from doorstep.api.testing import API, assert_problem, bearer
from doorstep.trust.models import ProviderDocument
from doorstep.trust.tests.conftest import id_requirement, pdf_upload
from tests.factories import make_provider, make_user

pytestmark = pytest.mark.django_db


def test_a_provider_reads_uploads_and_submits(client):
    provider = make_provider()
    requirement = id_requirement()
    auth = bearer(provider.user)

    body = client.get(f"{API}/me/verification", **auth).json()
    assert body["status"] == "applying"
    [row] = body["requirements"]
    assert (row["document_type"], row["mandatory"], row["document"]) == (
        "id_card",
        True,
        None,
    )

    response = client.post(
        f"{API}/me/verification/documents",
        {
            "requirement": row["id"],
            "number": "310101199001011234",
            "file": pdf_upload(),
        },
        **auth,
    )
    assert response.status_code == 201, response.content
    assert response.json()["number"] == "****1234"
    assert response.json()["status"] == "pending"

    submitted = client.post(f"{API}/me/verification/submit", **auth)
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["requirements"][0]["document"]["number"] == "****1234"
    assert requirement.pk == int(row["id"])


def test_submitting_with_nothing_uploaded_is_a_422(client):
    provider = make_provider()
    id_requirement()
    response = client.post(f"{API}/me/verification/submit", **bearer(provider.user))
    body = assert_problem(response, 422, "documents_missing")
    assert "ID card" in body["errors"]["documents"][0]


def test_a_fake_pdf_is_a_422_and_nothing_is_kept(client):
    provider = make_provider()
    requirement = id_requirement()
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        f"{API}/me/verification/documents",
        {
            "requirement": requirement.pk,
            "number": "A1234567",
            "file": SimpleUploadedFile(
                "id.pdf", b"<?php echo 1; ?>", "application/pdf"
            ),
        },
        **bearer(provider.user),
    )
    body = assert_problem(response, 422, "invalid_document")
    assert "file" in body["errors"]
    assert not ProviderDocument.objects.exists()


def test_a_customer_is_not_a_provider(client):
    id_requirement()
    response = client.get(f"{API}/me/verification", **bearer(make_user()))
    assert_problem(response, 404, "not_a_provider")


@pytest.mark.parametrize("file", [None, b""])
def test_a_missing_or_empty_file_is_a_422_and_nothing_is_kept(client, file):
    from django.core.files.uploadedfile import SimpleUploadedFile

    provider = make_provider()
    requirement = id_requirement()
    data = {"requirement": requirement.pk, "number": "A1234567"}
    if file is not None:
        data["file"] = SimpleUploadedFile("id.pdf", file, "application/pdf")

    response = client.post(
        f"{API}/me/verification/documents", data, **bearer(provider.user)
    )

    body = assert_problem(response, 422, "invalid_document")
    assert body["errors"]["file"]
    assert not ProviderDocument.objects.exists()
