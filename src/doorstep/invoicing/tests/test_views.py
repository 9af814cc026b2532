"""The pages: the customer's receipts, the provider's invoices and
statements, the back office's list, and downloads (404 for anyone else)."""

import pytest
from django.urls import reverse

from doorstep.invoicing import services, views
from doorstep.invoicing.tests.conftest import pay, set_state
from doorstep.payments import flows
from tests.factories import make_ops, make_provider, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def documents(order):
    payment = pay(order)
    set_state(order, "completed")
    flows.release_order(order=order)
    return services.issue_receipt(payment=payment), services.issue_fee_invoice(
        order=order
    )


@pytest.fixture
def ops_session(monkeypatch):
    """Ops with a second factor (the check itself is tested in backoffice)."""
    monkeypatch.setattr(
        views, "can_use_back_office", lambda request: request.user.is_staff
    )
    return make_ops(role="Finance")


def test_the_customer_finds_the_receipt_and_downloads_it(client, customer, documents):
    receipt, invoice = documents
    client.force_login(customer)

    page = client.get(reverse("invoicing:receipts")).content.decode()
    pdf = client.get(reverse("invoicing:download", args=[receipt.public_id]))

    assert receipt.display_number in page
    assert invoice.display_number not in page
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content) == receipt.pdf.open("rb").read()


def test_the_provider_finds_invoices_and_statements(client, provider, documents):
    receipt, invoice = documents
    client.force_login(provider.user)

    page = client.get(reverse("invoicing:provider")).content.decode()
    statements_only = client.get(reverse("invoicing:provider"), {"kind": "statement"})

    assert invoice.display_number in page
    assert receipt.display_number not in page
    assert invoice.display_number not in statements_only.content.decode()
    assert (
        client.get(reverse("invoicing:download", args=[invoice.public_id])).status_code
        == 200
    )


def test_downloads_of_someone_elses_documents_are_not_found(client, documents):
    for user in (make_user(), make_provider().user):
        client.force_login(user)
        for document in documents:
            url = reverse("invoicing:download", args=[document.public_id])
            assert client.get(url).status_code == 404


def test_the_ops_list_filters_and_downloads(client, documents, ops_session):
    receipt, invoice = documents
    client.force_login(ops_session)

    receipts = client.get(reverse("invoicing:ops_documents"), {"kind": "receipt"})
    by_number = client.get(
        reverse("invoicing:ops_documents"), {"q": invoice.display_number}
    )
    pdf = client.get(reverse("invoicing:ops_download", args=[invoice.public_id]))

    assert receipt.display_number in receipts.content.decode()
    assert invoice.display_number not in receipts.content.decode()
    assert invoice.display_number in by_number.content.decode()
    assert receipt.display_number not in by_number.content.decode()
    assert pdf.status_code == 200


def test_ops_pages_are_hidden_from_others(client, documents):
    receipt, _invoice = documents
    client.force_login(receipt.recipient_user)

    assert client.get(reverse("invoicing:ops_documents")).status_code == 404
    url = reverse("invoicing:ops_download", args=[receipt.public_id])
    assert client.get(url).status_code == 404


def test_the_wallet_and_the_order_page_link_to_the_documents(
    client, provider, customer, order, documents
):
    client.force_login(provider.user)
    wallet = client.get(reverse("payments:wallet")).content.decode()
    client.force_login(customer)
    order_page = client.get(order.get_absolute_url()).content.decode()

    assert reverse("invoicing:provider") in wallet
    assert reverse("invoicing:receipts") in order_page
