"""An agency's order done by a staff member: the release splits the provider's
part between the agency and the staff member, clearing makes both available,
refunds after release take back from both in proportion, the agency records
paying its staff, reconciliation checks the staff balances."""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstep.accounts.models import Agency, StaffMember
from doorstep.core.errors import DomainError, NotFound
from doorstep.payments import flows
from doorstep.payments.ledger import recomputed_balance
from doorstep.payments.models import AccountKind as K
from doorstep.payments.models import JournalEntry, LedgerAccount
from doorstep.payments.reconciliation import reconcile
from doorstep.payments.tests.conftest import CARD_OK, balance, set_state
from tests.factories import make_listing, make_order, make_user

pytestmark = pytest.mark.django_db


def _agency(provider, share_bps: int = 6000) -> tuple[Agency, StaffMember]:
    agency = Agency.objects.create(
        name="Bright Homes", owner=provider.user, staff_share_bps=share_bps
    )
    provider.agency = agency
    provider.save(update_fields=["agency"])
    user = make_user(name="Sam Staff")
    staff = StaffMember.objects.create(agency=agency, user=user, display_name="Sam")
    return agency, staff


@pytest.fixture
def staffed(order, provider):
    agency, staff = _agency(provider)
    type(order).objects.filter(pk=order.pk).update(staff=staff)
    order.staff = staff
    return agency, staff


def _released(order) -> None:
    flows.authorise_order(order=order, payment_method=CARD_OK)
    flows.capture_order(order=order)
    set_state(order, "completed")
    flows.release_order(order=order)


def test_release_splits_the_providers_part_by_the_agencys_staff_share(
    order, provider, staffed
):
    # given 10 000 + 500 fee, 15% commission: 8 500 the provider's part
    _owner, staff = staffed

    _released(order)
    flows.release_order(order=order)  # a repeat posts nothing

    # then 60% of it to the staff member, the rest to the agency
    assert balance(K.STAFF_PENDING, staff=staff) == 5_100
    assert balance(K.PROVIDER_PENDING, provider=provider) == 3_400
    assert balance(K.COMMISSION_REVENUE) == 1_500
    assert balance(K.SERVICE_FEE_REVENUE) == 500
    assert balance(K.ORDER_ESCROW, order=order) == 0
    assert JournalEntry.objects.filter(kind="release").count() == 1


def test_an_order_without_staff_is_not_split(order, provider):
    _agency(provider)

    _released(order)

    assert balance(K.PROVIDER_PENDING, provider=provider) == 8_500
    assert not LedgerAccount.objects.filter(kind=K.STAFF_PENDING).exists()


def test_a_zero_share_pays_the_agency_everything(order, provider, staffed):
    agency, staff = staffed
    flows.set_staff_share(agency=agency, user=provider.user, share_bps=0)

    _released(order)

    assert balance(K.PROVIDER_PENDING, provider=provider) == 8_500
    assert balance(K.STAFF_PENDING, staff=staff) == 0


def test_clearing_makes_staff_earnings_available_too(order, provider, staffed):
    _owner, staff = staffed
    _released(order)

    assert flows.clear_pending(now=timezone.now() + timedelta(days=8)) == 2
    assert flows.clear_pending(now=timezone.now() + timedelta(days=8)) == 0

    assert balance(K.STAFF_PENDING, staff=staff) == 0
    assert balance(K.STAFF_AVAILABLE, staff=staff) == 5_100
    assert balance(K.PROVIDER_AVAILABLE, provider=provider) == 3_400


def test_a_refund_after_release_comes_back_from_both_in_proportion(
    order, provider, staffed
):
    _owner, staff = staffed
    _released(order)

    flows.refund_order(order=order, amount=3_000, reference="goodwill")

    # 60% of 3 000 from the staff member, 40% from the agency
    assert balance(K.STAFF_PENDING, staff=staff) == 5_100 - 1_800
    assert balance(K.PROVIDER_PENDING, provider=provider) == 3_400 - 1_200
    assert balance(K.REFUNDS_PAID) == 0
    assert balance(K.GATEWAY_FUNDS) == 7_500
    assert reconcile() == []


def test_a_refund_after_clearing_takes_from_the_available_balances(
    order, provider, staffed
):
    _owner, staff = staffed
    _released(order)
    flows.clear_pending(now=timezone.now() + timedelta(days=8))

    flows.refund_order(order=order, amount=10_500, reference="dispute")

    # neither balance goes below zero; the platform pays the 2 000 not earned
    assert balance(K.STAFF_AVAILABLE, staff=staff) == 0
    assert balance(K.PROVIDER_AVAILABLE, provider=provider) == 0
    assert balance(K.REFUNDS_PAID) == 2_000


def test_the_agency_records_paying_its_staff_member_once(order, provider, staffed):
    _owner, staff = staffed
    _released(order)
    flows.clear_pending(now=timezone.now() + timedelta(days=8))

    first = flows.record_staff_payout(
        staff=staff, user=provider.user, amount=5_000, currency="CNY", reference="w1"
    )
    again = flows.record_staff_payout(
        staff=staff, user=provider.user, amount=5_000, currency="CNY", reference="w1"
    )

    # the platform now owes the 5 000 to the agency instead
    assert first == again
    assert balance(K.STAFF_AVAILABLE, staff=staff) == 100
    assert balance(K.PROVIDER_AVAILABLE, provider=provider) == 3_400 + 5_000
    with pytest.raises(DomainError) as too_much:
        flows.record_staff_payout(
            staff=staff, user=provider.user, amount=101, currency="CNY", reference="2"
        )
    assert too_much.value.code == "insufficient_funds"


def test_only_the_agencys_owner_and_managers_record_staff_payments(
    order, provider, staffed
):
    agency, staff = staffed
    manager = StaffMember.objects.create(
        agency=agency,
        user=make_user(),
        display_name="Mia",
        role=StaffMember.Role.MANAGER,
    )
    other_owner = make_listing().provider
    _other, stranger = _agency(other_owner)
    _released(order)
    flows.clear_pending(now=timezone.now() + timedelta(days=8))

    for user in (staff.user, stranger.user, other_owner.user, make_user()):
        with pytest.raises(NotFound):
            flows.record_staff_payout(
                staff=staff, user=user, amount=100, currency="CNY", reference="x"
            )
    flows.record_staff_payout(
        staff=staff, user=manager.user, amount=100, currency="CNY", reference="x"
    )
    assert balance(K.STAFF_AVAILABLE, staff=staff) == 5_000


def test_only_the_owner_sets_the_staff_share_within_bounds(provider, staffed):
    agency, staff = staffed
    manager = StaffMember.objects.create(
        agency=agency, user=make_user(), display_name="Mia", role="manager"
    )

    for user in (staff.user, manager.user, make_user()):
        with pytest.raises(NotFound):
            flows.set_staff_share(agency=agency, user=user, share_bps=9000)
    with pytest.raises(DomainError) as bad:
        flows.set_staff_share(agency=agency, user=provider.user, share_bps=10_001)
    assert bad.value.code == "invalid_input"

    flows.set_staff_share(agency=agency, user=provider.user, share_bps=7000)
    agency.refresh_from_db()
    assert agency.staff_share_bps == 7000


def test_reconcile_reports_a_staff_balance_that_disagrees_with_its_postings(
    order, staffed
):
    _owner, _staff = staffed
    _released(order)
    LedgerAccount.objects.filter(kind=K.STAFF_PENDING).update(balance=1)

    assert [d.kind for d in reconcile()] == ["balance_mismatch"]


# --- The split for any price, commission and share ----------------------------------


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    price=st.integers(min_value=1, max_value=5_000_000),
    commission=st.integers(min_value=0, max_value=10_000),
    share=st.integers(min_value=0, max_value=10_000),
    refund=st.integers(min_value=0, max_value=10_000),
)
def test_the_split_sums_to_the_escrow_and_the_ledger_balances(
    category, price, commission, share, refund
):
    # given an agency order at ``price`` in a category with ``commission``
    category.commission_bps = commission
    category.save(update_fields=["commission_bps"])
    listing = make_listing(category=category, price=price, currency="CNY")
    _owner, staff = _agency(listing.provider, share_bps=share)
    order = make_order(listing=listing)
    type(order).objects.filter(pk=order.pk).update(staff=staff)
    order.staff = staff
    flows.authorise_order(order=order, payment_method=CARD_OK)
    flows.capture_order(order=order)
    escrow = balance(K.ORDER_ESCROW, order=order)

    # when it is released (and part refunded after)
    set_state(order, "completed")
    entry = flows.release_order(order=order)

    # then the parts sum to the escrow, and every entry and account adds up
    parts = {posting.account.kind: -posting.amount for posting in entry.postings.all()}
    credited = sum(amount for kind, amount in parts.items() if kind != K.ORDER_ESCROW)
    assert credited == escrow
    staff_part = parts.get(K.STAFF_PENDING, 0)
    provider_part = parts.get(K.PROVIDER_PENDING, 0)
    assert staff_part == flows.staff_share(staff_part + provider_part, share)
    amount = escrow * refund // 10_000
    if amount:
        flows.refund_order(order=order, amount=amount, reference="p")
    for account in LedgerAccount.objects.all():
        assert account.balance == recomputed_balance(account)
        if account.kind in (K.STAFF_PENDING, K.PROVIDER_PENDING):
            assert account.balance >= 0
    for journal in JournalEntry.objects.filter(order=order):
        assert sum(p.amount for p in journal.postings.all()) == 0
    assert reconcile() == []
