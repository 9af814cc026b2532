"""The growth funnel on a small hand-built world, figure by figure: visits,
first- and last-touch sign-ups, first and repeat paid orders (never an unpaid
one or a redo), GMV and cost per currency (two currencies never added up),
the referral programme's viral factor, the period filter, and a query count
that does not grow with the number of rows."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from doorstep.accounts.models import User
from doorstep.core.errors import PermissionDenied
from doorstep.core.money import Money
from doorstep.growth import funnel, ledger
from doorstep.growth.models import (
    Campaign,
    Coupon,
    Redemption,
    Referral,
    ReferralCode,
    Touch,
)
from doorstep.orders.models import Order
from tests.factories import (
    make_listing,
    make_ops,
    make_order,
    make_provider,
    make_user,
    sign_in_ops,
)

pytestmark = pytest.mark.django_db

# A little ahead of the clock: what the tests write (ledger entries stamp
# their own time) is in the period that ends now.
NOW = timezone.now() + timedelta(hours=1)


def _ago(days: float):
    return NOW - timedelta(days=days)


def _joined(days: float, **fields) -> User:
    user = make_user(**fields)
    User.objects.filter(pk=user.pk).update(date_joined=_ago(days))
    user.refresh_from_db()
    return user


def _touch(visitor: str, *, days: float, user=None, **fields) -> Touch:
    return Touch.objects.create(visitor=visitor, user=user, at=_ago(days), **fields)


def _order(customer, *, days: float, total: int, currency="CNY", state="requested"):
    order = make_order(listing=make_listing(price=total), customer=customer)
    Order.objects.filter(pk=order.pk).update(
        created_at=_ago(days),
        subtotal_amount=total,
        service_fee_amount=0,
        discount_amount=0,
        total_amount=total,
        currency=currency,
        state=state,
    )
    order.refresh_from_db()
    return order


def _redeem(order, *, amount: int, campaign, coupon=None, referral=None, days=0.5):
    return Redemption.objects.create(
        order=order,
        user=order.customer,
        coupon=coupon,
        referral=referral,
        campaign=campaign,
        funded_by=campaign.funded_by,
        amount=amount,
        currency=order.currency,
        created_at=_ago(days),
    )


@pytest.fixture
def grower():
    return make_ops("Trust & safety")


@pytest.fixture
def world():
    """Two campaigns (CNY with a code, TWD), the referral programme, and the
    people below; each figure the tests expect is worked out beside it."""
    owner = make_provider()
    spring = Campaign.objects.create(
        name="Spring",
        kind=Campaign.Kind.PROMOTION,
        currency="CNY",
        utm_campaign="spring",
        owner=owner,
        owner_share_bps=1_000,
        starts_at=_ago(100),
    )
    Campaign.objects.create(
        name="Taipei",
        kind=Campaign.Kind.PROMOTION,
        currency="TWD",
        utm_campaign="taipei",
        starts_at=_ago(100),
    )
    programme = Campaign.objects.create(
        name="Invite a friend",
        kind=Campaign.Kind.REFERRAL,
        currency="CNY",
        reward_amount=30_00,
        starts_at=_ago(100),
    )
    code = Coupon.objects.create(
        code="SPRING10",
        campaign=spring,
        kind=Coupon.Kind.FIXED,
        amount=10_00,
        currency="CNY",
    )
    campaign_tag = {"source": Touch.Source.CAMPAIGN, "utm_campaign": "spring"}

    # u1: came through the spring tag, joined, ordered twice (first, repeat);
    # an unpaid order and a free redo do not count; a later tag touch as a
    # member is the same visitor.
    u1 = _joined(9)
    _touch("v1", days=10, user=u1, **campaign_tag)
    _touch("v1", days=2, user=u1, **campaign_tag)
    o1 = _order(u1, days=8, total=100_00)
    _order(u1, days=5, total=50_00)
    _order(u1, days=4, total=70_00, state="awaiting_payment")
    redo = _order(u1, days=3, total=100_00)
    Order.objects.filter(pk=redo.pk).update(redo_of=o1)

    # u2: first a link with the code, then the spring tag (last touch); one
    # order, in Taiwan dollars.
    u2 = _joined(10)
    _touch("v2", days=12, user=u2, source=Touch.Source.COUPON, code="SPRING10")
    _touch("v2", days=11, user=u2, **campaign_tag)
    _order(u2, days=6, total=300_00, currency="TWD")

    # u3: no touch; an old order, then one with the code: a repeat order of
    # spring and of the code, by the redemption. Its owner's share is paid.
    u3 = _joined(200)
    _order(u3, days=60, total=40_00)
    o4 = _order(u3, days=1, total=80_00)
    _redeem(o4, amount=10_00, campaign=spring, coupon=code)
    ledger.pay_provider(
        provider=owner,
        amount=8_00,
        currency="CNY",
        key=f"owner_share:{o4.public_id}",
        order=o4,
    )

    # Visitors who never joined: one in the period, one before it; and a tag
    # without a campaign name, which is no campaign's.
    _touch("v4", days=3, **campaign_tag)
    _touch("v5", days=40, **campaign_tag)
    _touch("v6", days=3, source=Touch.Source.CAMPAIGN, utm_source="newsletter")

    # Referrals: Ivy brought f1 (ordered, with the welcome discount; Ivy was
    # paid) and f2 (no order); Jo brought f3 (no order).
    ivy, jo = _joined(300, name="Ivy"), _joined(300, name="Jo")
    ivy_code = ReferralCode.objects.create(user=ivy, code="IVY234")
    jo_code = ReferralCode.objects.create(user=jo, code="JO2345")
    f1, f2, f3 = _joined(7), _joined(6), _joined(5)
    _touch("vf1", days=8, user=f1, source=Touch.Source.REFERRAL, code="IVY234")
    paid = Referral.objects.create(
        code=ivy_code,
        inviter=ivy,
        invitee=f1,
        created_at=_ago(7),
        status=Referral.Status.REWARDED,
        reward_amount=30_00,
        currency="CNY",
        decided_at=_ago(1),
    )
    Referral.objects.create(code=ivy_code, inviter=ivy, invitee=f2, created_at=_ago(6))
    Referral.objects.create(code=jo_code, inviter=jo, invitee=f3, created_at=_ago(5))
    o5 = _order(f1, days=4, total=120_00)
    _redeem(o5, amount=20_00, campaign=programme, referral=paid)
    return {"spring": spring, "programme": programme}


def _rows(rows) -> dict:
    return {row.label: row for row in rows}


def _figures(row) -> tuple:
    return (
        row.visits,
        row.signups_first,
        row.signups_last,
        row.first_orders,
        row.repeat_orders,
    )


def test_a_campaign_by_its_tag_and_its_codes(grower, world):
    report = funnel.report(user=grower, days=30, now=NOW)
    spring = _rows(report.campaigns)["Spring"]

    # visits v1, v2, v4 (v5 is before the period); first touch u1; last u1, u2;
    # first orders u1's and u2's; repeat u1's second and u3's with the code.
    assert _figures(spring) == (3, 1, 2, 2, 2)
    # 100 + 50 + 80 yuan, and u2's 300 Taiwan dollars apart — never added up.
    assert spring.gmv == [Money(230_00, "CNY"), Money(300_00, "TWD")]
    # The code's discount and its owner's share.
    assert spring.cost == [Money(18_00, "CNY")]


def test_a_campaign_without_a_tag_counts_no_untagged_touches(grower, world):
    report = funnel.report(user=grower, days=30, now=NOW)
    programme = _rows(report.campaigns)["Invite a friend"]
    taipei = _rows(report.campaigns)["Taipei"]

    # f1's order carried the programme's welcome discount: a first order.
    assert _figures(programme) == (0, 0, 0, 1, 0)
    assert programme.gmv == [Money(120_00, "CNY")]
    # The welcome discount and Ivy's reward.
    assert programme.cost == [Money(50_00, "CNY")]
    assert _figures(taipei) == (0, 0, 0, 0, 0)
    assert taipei.gmv == []
    assert taipei.cost == []


def test_a_code_by_its_links_and_its_redemptions(grower, world):
    report = funnel.report(user=grower, days=30, now=NOW)
    code = _rows(report.coupons)["SPRING10"]

    assert _figures(code) == (1, 1, 0, 1, 1)
    assert code.gmv == [Money(80_00, "CNY"), Money(300_00, "TWD")]
    assert code.cost == [Money(18_00, "CNY")]


def test_referral_codes_and_the_viral_factor(grower, world):
    report = funnel.report(user=grower, days=30, now=NOW)
    codes = _rows(report.referral_codes)

    ivy = codes["IVY234"]
    assert ivy.joined == 2
    assert _figures(ivy) == (1, 1, 1, 1, 0)
    assert ivy.gmv == [Money(120_00, "CNY")]
    assert ivy.cost == [Money(50_00, "CNY")]
    assert codes["JO2345"].joined == 1
    assert _figures(codes["JO2345"]) == (0, 0, 0, 0, 0)

    # 3 sign-ups by 2 inviters, 1 of the 3 ordered: k = 1.5 × 1/3 = 0.5.
    viral = report.viral
    assert (viral.signups, viral.inviters, viral.ordered) == (3, 2, 1)
    assert str(viral.signups_per_inviter) == "1.50"
    assert str(viral.order_share) == "0.33"
    assert str(viral.k) == "0.50"


def test_the_period_filter(grower, world):
    week = _rows(funnel.report(user=grower, days=7, now=NOW).campaigns)["Spring"]
    quarter = _rows(funnel.report(user=grower, days=90, now=NOW).campaigns)["Spring"]

    # In the last week: visits v1 (day 2) and v4; u2's first order (day 6),
    # o2 (day 5) and o4 (day 1).
    assert _figures(week) == (2, 0, 0, 1, 2)
    assert week.gmv == [Money(130_00, "CNY"), Money(300_00, "TWD")]
    # In the quarter v5 too; u3's old order carried no code and had no touch.
    assert _figures(quarter) == (4, 1, 2, 2, 2)
    # An unknown period falls back to the default.
    assert funnel.report(user=grower, days=12, now=NOW).period.days == 30


def test_the_query_count_does_not_grow_with_rows(grower, world):
    funnel.report(user=grower, days=30, now=NOW)  # warm the permission cache
    with CaptureQueriesContext(connection) as first:
        funnel.report(user=grower, days=30, now=NOW)

    spring = world["spring"]
    for n in range(5):
        Campaign.objects.create(
            name=f"More {n}", kind="promotion", currency="CNY", utm_campaign=f"m{n}"
        )
        Coupon.objects.create(
            code=f"MORE{n}", campaign=spring, kind="fixed", amount=100, currency="CNY"
        )
        _touch(f"w{n}", days=1, source=Touch.Source.COUPON, code=f"MORE{n}")
        _touch(f"w{n}", days=1, source=Touch.Source.CAMPAIGN, utm_campaign=f"m{n}")
    with CaptureQueriesContext(connection) as more:
        report = funnel.report(user=grower, days=30, now=NOW)

    assert len(report.campaigns) == 8
    assert len(report.coupons) == 6
    assert len(more) == len(first)
    assert len(first) <= 6


def test_only_ops_who_run_growth_read_the_funnel(client, world):
    with pytest.raises(PermissionDenied):
        funnel.report(user=make_ops("Finance"), days=30)

    sign_in_ops(client, make_ops("Finance"))
    assert client.get(reverse("growth_ops:funnel")).status_code == 403


def test_the_page_shows_each_figure_with_its_definition(client, grower, world):
    sign_in_ops(client, grower)

    response = client.get(reverse("growth_ops:funnel"), {"days": "90"})

    page = response.content.decode()
    assert response.status_code == 200
    for definition in funnel.DEFINITIONS.values():
        assert escape(str(definition.text)) in page
    spring = page.split('data-row="Spring"')[1].split("</tr>")[0]
    assert "CN¥230.00" in spring
    assert "NT$300.00" in spring
    assert 'data-figure="k">0.50<' in page
    assert '<option value="90" selected>' in page
