"""The claims pages: the customer files beside the field errors, the parties
see their claim and nobody else does, ops find the queues on the ops home and
decide with a reason, finance sees and funds the guarantee fund."""

import pytest
from django.test import TestCase

from doorstep.audit.models import AuditEntry
from doorstep.payments import flows
from doorstep.support import claims
from doorstep.support.models import WarrantyClaim
from doorstep.support.tests.claims_helpers import (  # noqa: F401
    _marketplace,
    completed_order,
    warranty_listing,
)
from tests.factories import make_ops, make_user, sign_in_ops

pytestmark = pytest.mark.django_db


@pytest.fixture
def order():
    return completed_order(warranty_listing(days=7), make_user())


def test_the_customer_files_from_the_order_page_with_errors_beside_the_field(
    client, order
):
    client.force_login(order.customer)
    page = client.get(order.get_absolute_url())
    assert "Claim under the warranty" in page.content.decode()

    blank = client.post(
        f"/orders/{order.public_id}/warranty-claim/", {"description": " "}
    )
    assert blank.status_code == 400
    assert "Say what is not right." in blank.content.decode()
    assert not WarrantyClaim.objects.exists()

    filed = client.post(
        f"/orders/{order.public_id}/warranty-claim/", {"description": "Drips"}
    )
    claim = WarrantyClaim.objects.get()
    assert filed.url == f"/claims/warranty/{claim.public_id}/"


def test_only_the_parties_see_a_claim(client, order):
    claim = claims.file_warranty_claim(
        customer=order.customer, order_id=order.public_id, description="Drips"
    )
    url = f"/claims/warranty/{claim.public_id}/"
    client.force_login(make_user())
    assert client.get(url).status_code == 404
    assert client.post(f"{url}accept/").status_code == 404
    assert client.get(f"/orders/{order.public_id}/warranty-claim/").status_code == 404
    client.force_login(order.provider.user)
    page = client.get(url)
    assert "Offer a free redo" in page.content.decode()


def test_ops_see_the_queue_on_their_home_and_decide_with_a_reason(client, order):
    claim = claims.file_warranty_claim(
        customer=order.customer, order_id=order.public_id, description="Drips"
    )
    claims.decline_claim(
        claim_id=claim.public_id, provider_user=order.provider.user, note="No"
    )
    ops = make_ops("Support")
    sign_in_ops(client, ops)

    home = client.get("/ops/")
    assert "Warranty claims to decide" in home.content.decode()
    queue = client.get("/ops/claims/")
    assert claim.public_id in queue.content.decode()

    url = f"/ops/claims/warranty/{claim.public_id}/"
    missing = client.post(url, {"outcome": "reject", "reason": ""})
    assert missing.status_code == 400
    with TestCase.captureOnCommitCallbacks(execute=True):
        decided = client.post(
            url, {"outcome": "refund", "amount": "12.50", "reason": "Fitting fault"}
        )
    assert decided.status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.refund_amount) == ("refunded", 1_250)
    assert AuditEntry.objects.filter(
        action="support.decide_warranty_claim", actor=ops
    ).exists()


def test_ops_without_the_role_and_strangers_are_kept_out(client, order):
    client.force_login(make_user())
    assert client.get("/ops/claims/").status_code == 404
    sign_in_ops(client, make_ops("Finance"))
    assert client.get("/ops/claims/").status_code == 403


def test_finance_sees_and_funds_the_guarantee_fund(client):
    finance = make_ops("Finance")
    sign_in_ops(client, finance)

    funded = client.post(
        "/ops/finance/guarantee-fund/",
        {"amount": "500.00", "currency": "CNY", "reason": "Quarterly reserve"},
    )

    assert funded.status_code == 302
    assert flows.guarantee_fund_balance("CNY") == 50_000
    page = client.get("/ops/finance/").content.decode()
    assert "Guarantee fund" in page
    assert "500.00" in page
    assert AuditEntry.objects.filter(
        action="payments.fund_guarantee", actor=finance
    ).exists()
