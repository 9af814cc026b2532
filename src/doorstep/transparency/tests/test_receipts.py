"""A receipt is verified through its order's entries: the money taken into
escrow and released to the provider, as the ledger wrote it."""

import json

import pytest
from django.urls import reverse

from doorstep.invoicing import services
from doorstep.invoicing.tests.conftest import (  # noqa: F401  (fixtures)
    _sandbox,
    category,
    customer,
    listing,
    order,
    pay,
    set_state,
)
from doorstep.payments import flows
from doorstep.transparency.services import publish_checkpoint
from doorstep.transparency.tests.conftest import settle_and_append

pytestmark = pytest.mark.django_db


@pytest.fixture
def receipt(order):  # noqa: F811
    payment = pay(order)
    set_state(order, "completed")
    flows.release_order(order=order)
    return services.issue_receipt(payment=payment)


def test_a_receipt_links_to_proofs_of_its_orders_money(
    client,
    customer,  # noqa: F811
    receipt,
):
    settle_and_append()
    checkpoint = publish_checkpoint()
    client.force_login(customer)

    page = client.get(reverse("invoicing:receipts")).content.decode()
    proofs = client.get(f"/api/v1/log/proof/inclusion/{receipt.public_id}").json()
    verify = client.get(reverse("transparency:verify", args=[receipt.public_id]))

    assert reverse("transparency:verify", args=[receipt.public_id]) in page
    assert proofs["tree_size"] == checkpoint.size
    ledger = [
        json.loads(p["entry"]["data"])
        for p in proofs["proofs"]
        if p["entry"]["kind"] == "ledger.entry"
    ]
    assert ledger
    assert {e["order"] for e in ledger} == {receipt.order.public_id}
    assert all(sum(x["amount"] for x in e["postings"]) == 0 for e in ledger)
    assert verify.status_code == 200
    assert 'data-verified="false"' not in verify.content.decode()
