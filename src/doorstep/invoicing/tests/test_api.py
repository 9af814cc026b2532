"""GET /documents, /documents/{id} and /documents/{id}/pdf: the caller's own
documents only; anyone else's answers 404 as problem+json."""

import pytest

from doorstep.api.testing import API, assert_problem, bearer
from doorstep.invoicing import services
from doorstep.invoicing.tests.conftest import pay, pdf_text, set_state
from doorstep.payments import flows
from tests.factories import make_provider, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def documents(order):
    payment = pay(order)
    set_state(order, "completed")
    flows.release_order(order=order)
    receipt = services.issue_receipt(payment=payment)
    invoice = services.issue_fee_invoice(order=order)
    return receipt, invoice


def test_the_customer_lists_reads_and_downloads_their_receipt(
    client, customer, documents
):
    receipt, _invoice = documents
    headers = bearer(customer)

    listed = client.get(f"{API}/documents", **headers)
    detail = client.get(f"{API}/documents/{receipt.public_id}", **headers)
    pdf = client.get(f"{API}/documents/{receipt.public_id}/pdf", **headers)

    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["items"]] == [receipt.public_id]
    body = detail.json()
    assert body["number"] == receipt.display_number
    assert body["kind"] == "receipt"
    assert body["total"] == {"amount": 10_500, "currency": "CNY"}
    assert body["order"] == receipt.order.public_id
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert receipt.display_number in pdf["Content-Disposition"]
    pdf_bytes = b"".join(pdf.streaming_content)  # streamed from private storage
    assert pdf_bytes == receipt.pdf.open("rb").read()
    assert receipt.display_number in pdf_text(pdf_bytes)


def test_the_provider_sees_the_fee_invoice_filtered_by_kind(
    client, provider, documents
):
    _receipt, invoice = documents

    listed = client.get(
        f"{API}/documents", {"kind": "fee_invoice"}, **bearer(provider.user)
    )

    assert [item["id"] for item in listed.json()["items"]] == [invoice.public_id]


@pytest.mark.parametrize("suffix", ["", "/pdf"])
def test_someone_elses_document_is_not_found(client, documents, suffix):
    receipt, invoice = documents
    stranger = bearer(make_user())
    other_provider = bearer(make_provider().user)

    for document in (receipt, invoice):
        for headers in (stranger, other_provider):
            response = client.get(
                f"{API}/documents/{document.public_id}{suffix}", **headers
            )
            assert_problem(response, 404, "not_found")


def test_the_provider_cannot_read_the_customers_receipt(client, provider, documents):
    receipt, _invoice = documents

    response = client.get(
        f"{API}/documents/{receipt.public_id}/pdf", **bearer(provider.user)
    )

    assert_problem(response, 404, "not_found")


def test_documents_need_a_signed_in_caller(client, documents):
    assert_problem(client.get(f"{API}/documents"), 401)


def test_a_bad_kind_filter_is_a_clear_error(client, customer, documents):
    response = client.get(f"{API}/documents", {"kind": "bogus"}, **bearer(customer))

    body = assert_problem(response, 400)
    assert "kind" in body["errors"]


def test_on_object_storage_the_pdf_is_a_short_lived_signed_url(
    client, customer, documents, settings, monkeypatch
):
    from doorstep.core.tests.signing_storage import SIGNED_HOST, SigningStorage
    from doorstep.invoicing.models import Document

    # given private files on a storage that signs its URLs (S3)
    settings.DOORSTEP_PRIVATE_URL_SECONDS = 60
    monkeypatch.setattr(Document._meta.get_field("pdf"), "storage", SigningStorage())
    receipt, _invoice = documents

    # when the customer downloads their receipt
    pdf = client.get(f"{API}/documents/{receipt.public_id}/pdf", **bearer(customer))

    # then they are sent to the signed URL, never given the bytes by the web process
    assert pdf.status_code == 302
    assert pdf["Location"].startswith(f"{SIGNED_HOST}/private/{receipt.pdf.name}?")
    assert "X-Amz-Expires=60" in pdf["Location"]
    assert "attachment" in pdf["Location"]
    assert pdf["Cache-Control"] == "private, no-store"
