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
    assert pdf.content == receipt.pdf.open("rb").read()
    assert receipt.display_number in pdf_text(pdf.content)


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
