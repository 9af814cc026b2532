"""Growth's customer pages: the discounts on an order waiting for payment,
the customer's points and credit (``/rewards/``), their invitation to friends
(``/invite/``) and the page a friend lands on from it (``/r/<code>/``).

The rules live in ``growth.checkout``, ``growth.referrals`` and
``growth.rewards``; these views parse, call them and render.
"""

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from doorstep.core.errors import DomainError, NotFound
from doorstep.core.money import Money
from doorstep.growth import checkout, queries, referrals, rewards, visitors
from doorstep.growth.forms import DiscountsForm
from doorstep.growth.models import Referral, ReferralCode, RewardLot, Touch
from doorstep.growth.sharing import PreviewCard
from doorstep.marketplace.queries import site_name
from doorstep.orders import queries as order_queries
from doorstep.orders.models import Order
from doorstep.orders.process import Actor
from doorstep.orders.views import render_order_page
from doorstep.web.previews import picture_response
from doorstep.web.templatetags.doorstep_ui import money as shown

# --- Discounts on an order waiting for payment ----------------------------------------


def _customers_order(request: HttpRequest, order_id: str) -> Order:
    try:
        return order_queries.access_order(
            request.user, order_id, as_role=Actor.CUSTOMER
        )
    except NotFound as error:
        raise Http404 from error


def _applied_message(perks: checkout.Perks) -> str:
    if not perks.total_amount:
        return _("No discount on this order.")
    return _("Discounts applied: %(amount)s off.") % {
        "amount": shown(Money(perks.total_amount, perks.currency))
    }


@login_required
@require_POST
def order_discounts(request: HttpRequest, order_id: str) -> HttpResponse:
    """Apply a code, credit and points (replacing what the order had), then
    back to the order page; refused, the page again with the reason beside
    the field and nothing changed."""
    order = _customers_order(request, order_id)
    form = DiscountsForm(request.POST, perks=checkout.perks_of(order))
    status = 400
    if form.is_valid():
        try:
            perks = checkout.apply(
                order=order, user=request.user, **form.apply_arguments()
            )
        except DomainError as error:
            if error.status == 404:
                raise Http404 from error
            if error.fields:
                form.add_service_error(error)
            else:
                # About the order, not a field (paid meanwhile): said at the top,
                # where it shows even when the box is gone.
                messages.error(request, error.message)
            status = error.status
        else:
            # The device and network at checkout: evidence for referral checks.
            referrals.record_sighting(request.user, request)
            messages.success(request, _applied_message(perks))
            return redirect(f"{order.get_absolute_url()}#discounts")
    order.refresh_from_db()
    return render_order_page(
        request, order, status=status, extra={"discounts_form": form}
    )


# --- Points and credit ----------------------------------------------------------------


@login_required
@require_GET
def rewards_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "holdings": queries.holdings(user),
        "lots": rewards.lots(user),
        "moves": rewards.history(user),
        "Kind": RewardLot.Kind,
        "now": timezone.now(),
    }
    return render(request, "growth/rewards.html", context)


# --- Inviting friends -----------------------------------------------------------------


def landing_url(request: HttpRequest, code: ReferralCode) -> str:
    return request.build_absolute_uri(reverse("growth:landing", args=[code.code]))


@login_required
@require_GET
def invite(request: HttpRequest) -> HttpResponse:
    user = request.user
    code = referrals.code_for(user)
    coupon = queries.welcome_coupon()
    friends = queries.invited_friends(user)
    counts: dict[str, int] = defaultdict(int)
    for friend in friends:
        counts[friend.status] += 1
    context = {
        "code": code,
        "share_url": landing_url(request, code),
        "share_text": queries.invitation_text(user, coupon),
        "offer": queries.offer_text(coupon),
        "programme": coupon.campaign if coupon else None,
        "reward": (
            Money(coupon.campaign.reward_amount, coupon.campaign.currency)
            if coupon and coupon.campaign.reward_amount
            else None
        ),
        "friends": friends,
        "earned": queries.earned_from_friends(user),
        "Status": Referral.Status,
    }
    return render(request, "growth/invite.html", context)


@require_GET
def referral_landing(request: HttpRequest, code: str) -> HttpResponse:
    """Where a shared invitation lands: who invited you and what you get.
    The visit is kept as a touch, and the code in a cookie for the sign-up
    that follows (``growth.visitors``)."""
    referral_code = (
        ReferralCode.objects.filter(code=checkout.normalise(code))
        .select_related("user")
        .first()
    )
    if referral_code is None or not referral_code.user.is_active:
        raise Http404
    own = request.user.is_authenticated and request.user.pk == referral_code.user_id
    if not own:
        visitors.record_touch(
            request, source=Touch.Source.REFERRAL, code=referral_code.code
        )
    coupon = queries.welcome_coupon()
    context = {
        "code": referral_code,
        "picture_url": request.build_absolute_uri(
            reverse("growth:landing_picture", args=[referral_code.code])
        ),
        "inviter_name": referral_code.user.get_short_name() or _("A friend"),
        "offer": queries.offer_text(coupon),
        "own": own,
        "share_url": landing_url(request, referral_code),
        "share_text": queries.invitation_text(referral_code.user, coupon),
    }
    response = render(request, "growth/landing.html", context)
    if not request.user.is_authenticated:
        # Waits for the sign-up, which makes it the new account's referral.
        visitors.remember_referral(response, referral_code.code)
    return response


@require_GET
def landing_picture(request: HttpRequest, code: str) -> HttpResponse:
    """The invitation's preview picture (og:image): who invites and the
    welcome offer, drawn like every shared page's."""
    referral_code = (
        ReferralCode.objects.filter(code=checkout.normalise(code))
        .select_related("user")
        .first()
    )
    if referral_code is None or not referral_code.user.is_active:
        raise Http404
    name = referral_code.user.get_short_name() or _("A friend")
    offer = queries.offer_text(queries.welcome_coupon())
    card = PreviewCard(
        site_name=site_name(),
        title=_("%(name)s invited you") % {"name": name},
        subtitle=(
            _("%(offer)s off your first booking") % {"offer": offer} if offer else ""
        ),
    )
    return picture_response(request, card)
