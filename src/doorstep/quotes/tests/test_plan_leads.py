"""A provider's plan includes quotes without the lead fee (the plan's "more
quote leads", read through ``subscriptions.perks``): the first ones of the
provider's month are free, then the operator's lead fee is charged again; a
provider on no plan pays it from the first quote."""

import pytest

from doorstep.marketplace.models import MarketplaceSettings
from doorstep.payments.models import AccountKind as K
from doorstep.payments.models import JournalEntry
from doorstep.quotes.models import Quote
from doorstep.quotes.tests.helpers import post, quote, quoting_listing
from doorstep.subscriptions import services as subscriptions
from doorstep.subscriptions.tests.conftest import make_plan, save_card
from tests.factories import make_category, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _lead_fee(settings):
    settings.DOORSTEP_PAYMENT_GATEWAY = "sandbox"
    settings.DOORSTEP_SANDBOX_AUTO_DELIVER = False
    settings.DOORSTEP_SANDBOX_CHAOS = False
    MarketplaceSettings.objects.update(quote_lead_fee=500, version=4242)


def _quote_next_request(category, listing):
    request = post(make_user(), category)
    return quote(request.invitations.get(provider=listing.provider))


def _lead_fees_taken(provider) -> int:
    return (
        JournalEntry.objects.filter(
            kind="lead_fee", postings__account__provider=provider
        )
        .distinct()
        .count()
    )


def test_a_plans_free_quotes_come_first_then_the_lead_fee():
    # Given a provider on a plan that includes two quotes a month
    category = make_category("window-cleaning")
    listing = quoting_listing(category)
    provider = listing.provider
    save_card(provider.user)
    plan = make_plan("Leads", month=3_000, extra_quote_leads=2)
    subscriptions.subscribe(
        user=provider.user, plan_id=plan.public_id, interval="month", currency="CNY"
    )

    # When they send three quotes this month
    sent = [_quote_next_request(category, listing) for _ in range(3)]

    # Then the first two carry no lead fee and the third pays it, once
    assert [(q.lead_fee, q.lead_fee_amount) for q in sent] == [
        (Quote.LeadFee.NONE, 0),
        (Quote.LeadFee.NONE, 0),
        (Quote.LeadFee.CHARGED, 500),
    ]
    assert _lead_fees_taken(provider) == 1
    owed = provider.ledger_accounts.get(kind=K.PROVIDER_RECEIVABLE)
    assert owed.balance == 500


def test_without_a_plan_every_quote_pays_the_lead_fee():
    category = make_category("gutter-cleaning")
    listing = quoting_listing(category)

    sent = _quote_next_request(category, listing)

    assert (sent.lead_fee, sent.lead_fee_amount) == (Quote.LeadFee.CHARGED, 500)
    assert _lead_fees_taken(listing.provider) == 1
