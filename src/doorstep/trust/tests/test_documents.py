"""Document files: what is kept, who may open them, and that each view is logged."""

from io import BytesIO

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from doorstep.audit.queries import entries_for
from doorstep.core.errors import DomainError
from doorstep.trust import services
from doorstep.trust.files import MAX_DOCUMENT_BYTES
from doorstep.trust.models import ProviderDocument
from doorstep.trust.tests.conftest import id_requirement, pdf_upload, photo_upload
from tests.factories import make_ops, make_provider, make_user, sign_in_ops

pytestmark = pytest.mark.django_db


def _document(upload=None):
    provider = make_provider()
    document = services.upload_document(
        actor=provider.user,
        requirement_id=id_requirement().pk,
        upload=upload or pdf_upload(),
        number="310101199001011234",
    )
    return provider, document


def test_a_photo_is_re_encoded_without_its_exif_and_gps():
    # Given a phone photo of an ID whose EXIF names the phone and the place
    upload = photo_upload()
    assert b"PhoneMaker" in upload.read()

    # When it is uploaded
    _provider, document = _document(upload)

    # Then what is kept is a WebP with no metadata at all
    stored = document.file.open("rb").read()
    assert b"PhoneMaker" not in stored
    image = Image.open(BytesIO(stored))
    assert image.format == "WEBP"
    assert not image.getexif()
    assert document.content_type == "image/webp"


def test_a_pdf_is_kept_and_a_fake_one_is_refused():
    _provider, document = _document()
    assert document.file.open("rb").read().startswith(b"%PDF-")
    assert document.content_type == "application/pdf"

    provider = make_provider()
    fakes = [
        SimpleUploadedFile("id.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"),
        SimpleUploadedFile("id.pdf", b"%PDF-1.4 cut short", "application/pdf"),
        SimpleUploadedFile("id.jpg", b"\xff\xd8\xff broken jpeg", "image/jpeg"),
        SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * MAX_DOCUMENT_BYTES, "x/y"),
    ]
    for fake in fakes:
        with pytest.raises(DomainError) as refused:
            services.upload_document(
                actor=provider.user,
                requirement_id=id_requirement().pk,
                upload=fake,
                number="A1234567",
            )
        assert "file" in refused.value.fields
    assert not ProviderDocument.objects.filter(provider=provider).exists()


def test_files_are_stored_outside_media_and_have_no_url():
    _provider, document = _document()
    path = document.file.path
    assert path.startswith(str(settings.DOORSTEP_PRIVATE_ROOT))
    assert not path.startswith(str(settings.MEDIA_ROOT))
    with pytest.raises(ValueError, match="no URL"):
        document.file.url  # noqa: B018


def test_the_number_is_shown_redacted():
    _provider, document = _document()
    assert document.redacted_number == "****1234"


def _file_url(document) -> str:
    return reverse("trust:document_file", args=[document.public_id])


def test_the_owner_downloads_their_document(client):
    provider, document = _document()
    client.force_login(provider.user)
    response = client.get(_file_url(document))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"
    # An owner's own view is logged, not written to the ops audit trail.
    assert not entries_for(document).exists()


@pytest.mark.parametrize("who", ["another provider", "a customer", "anonymous"])
def test_nobody_else_gets_the_document(client, who):
    _provider, document = _document()
    if who == "another provider":
        client.force_login(make_provider().user)
    elif who == "a customer":
        client.force_login(make_user())
    response = client.get(_file_url(document))
    if who == "anonymous":
        assert response.status_code == 302  # to sign in
    else:
        assert response.status_code == 404
    assert b"%PDF" not in response.content
    # A document that does not exist answers the same.
    assert client.get(
        reverse("trust:document_file", args=["doc_nope"])
    ).status_code in (
        302,
        404,
    )


@pytest.mark.parametrize("role", ["Support", "Finance"])
def test_ops_without_view_documents_are_refused_and_nothing_is_logged(client, role):
    _provider, document = _document()
    ops = make_ops(role)
    sign_in_ops(client, ops)
    response = client.get(_file_url(document))
    assert response.status_code == 403
    assert b"%PDF" not in response.content
    assert not entries_for(document).exists()


def test_ops_without_a_second_factor_get_nothing(client):
    _provider, document = _document()
    sign_in_ops(client, make_ops("Trust & safety"), second_factor=False)
    assert client.get(_file_url(document)).status_code == 404


@pytest.mark.parametrize("role", ["Trust & safety", "Ops admin"])
def test_ops_with_view_documents_open_it_and_the_view_is_audited(client, role):
    _provider, document = _document()
    ops = make_ops(role)
    sign_in_ops(client, ops)
    response = client.get(_file_url(document))
    assert response.status_code == 200
    [entry] = entries_for(document)
    assert (entry.action, entry.actor) == ("documents.view", ops)
