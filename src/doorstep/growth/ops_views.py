"""Growth's ops pages, ``/ops/growth/``: campaigns (a list, a form, a page
each with its codes and batches, a batch's codes as CSV for the partner), the
quarantine queue of held referral rewards, and the funnel.

Views parse, call one read of ``growth.funnel`` or one service and render.
Like every ops page (``backoffice.views.ops_page``): 404 for anyone but ops
who passed a second factor, 403 for ops whose role does not run growth (the
reads and the services check ``OpsPermission.RUN_GROWTH``).
"""

import csv

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from doorstep.backoffice.access import OpsPermission, require_ops_permission
from doorstep.backoffice.views import ops_page
from doorstep.core.errors import DomainError
from doorstep.core.money import Money
from doorstep.growth import funnel, referrals, services
from doorstep.growth.fraud import Reason
from doorstep.growth.models import Coupon, Referral
from doorstep.growth.ops_forms import (
    BatchForm,
    CampaignForm,
    CampaignStatusForm,
    CouponForm,
    ReviewForm,
)
from doorstep.web.forms import add_service_error

# The services name some fields by what they store; the forms by what is typed.
FORM_FIELD_OF = {
    "budget_amount": "budget",
    "reward_amount": "reward",
    "owner_share_bps": "owner_share",
    "percent_bps": "percent",
    "cap_amount": "cap",
    "min_spend_amount": "min_spend",
}


def _refuse(form, error: DomainError) -> None:
    """Show a service's refusal beside the field it is about; a refusal of
    who may act is not the form's business (403/404 by ``ops_page``)."""
    if error.status in (403, 404) and not error.fields:
        raise error
    error.fields = {
        FORM_FIELD_OF.get(name, name): messages_
        for name, messages_ in dict(error.fields).items()
    }
    add_service_error(form, error)


# --- Campaigns ------------------------------------------------------------------------


@require_GET
@ops_page
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = funnel.campaigns_overview(user=request.user)
    return render(request, "growth/ops/campaigns.html", {"campaigns": campaigns})


@require_http_methods(["GET", "POST"])
@ops_page
def campaign_create(request: HttpRequest) -> HttpResponse:
    require_ops_permission(request.user, OpsPermission.RUN_GROWTH)
    form = CampaignForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                campaign = services.create_campaign(
                    user=request.user, **form.service_arguments()
                )
            except DomainError as error:
                _refuse(form, error)
            else:
                messages.success(request, _("Campaign created."))
                return redirect("growth_ops:campaign", campaign_id=campaign.public_id)
        return render(
            request, "growth/ops/campaign_form.html", {"form": form}, status=400
        )
    return render(request, "growth/ops/campaign_form.html", {"form": form})


def _campaign_page(
    request: HttpRequest,
    campaign_id: str,
    *,
    coupon_form: CouponForm | None = None,
    batch_form: BatchForm | None = None,
    status_form: CampaignStatusForm | None = None,
    status: int = 200,
) -> HttpResponse:
    detail = funnel.campaign_detail(user=request.user, campaign_id=campaign_id)
    currency = detail.campaign.currency
    return render(
        request,
        "growth/ops/campaign.html",
        {
            "campaign": detail.campaign,
            "codes": detail.codes,
            "batches": detail.batches,
            "coupon_form": coupon_form or CouponForm(currency=currency),
            "batch_form": batch_form or BatchForm(currency=currency),
            "status_form": status_form or CampaignStatusForm(),
        },
        status=status,
    )


@require_GET
@ops_page
def campaign_page(request: HttpRequest, campaign_id: str) -> HttpResponse:
    return _campaign_page(request, campaign_id)


@require_POST
@ops_page
def campaign_status(request: HttpRequest, campaign_id: str) -> HttpResponse:
    """Pause, resume or end the campaign, with a reason."""
    require_ops_permission(request.user, OpsPermission.RUN_GROWTH)
    form = CampaignStatusForm(request.POST)
    if form.is_valid():
        try:
            services.set_campaign_status(
                user=request.user,
                campaign_id=campaign_id,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            _refuse(form, error)
        else:
            messages.success(request, _("Done. The change is in the audit trail."))
            return redirect("growth_ops:campaign", campaign_id=campaign_id)
    return _campaign_page(request, campaign_id, status_form=form, status=400)


@require_POST
@ops_page
def coupon_create(request: HttpRequest, campaign_id: str) -> HttpResponse:
    require_ops_permission(request.user, OpsPermission.RUN_GROWTH)
    campaign = services.campaign_by_id(campaign_id)
    form = CouponForm(request.POST, currency=campaign.currency)
    if form.is_valid():
        try:
            coupon = services.create_coupon(
                user=request.user,
                campaign_id=campaign_id,
                **form.service_arguments(),
            )
        except DomainError as error:
            _refuse(form, error)
        else:
            messages.success(
                request, _("Code %(code)s created.") % {"code": coupon.code}
            )
            return redirect("growth_ops:campaign", campaign_id=campaign_id)
    return _campaign_page(request, campaign_id, coupon_form=form, status=400)


@require_POST
@ops_page
def batch_create(request: HttpRequest, campaign_id: str) -> HttpResponse:
    require_ops_permission(request.user, OpsPermission.RUN_GROWTH)
    campaign = services.campaign_by_id(campaign_id)
    form = BatchForm(request.POST, currency=campaign.currency)
    if form.is_valid():
        try:
            batch = services.create_batch(
                user=request.user,
                campaign_id=campaign_id,
                **form.service_arguments(),
            )
        except DomainError as error:
            _refuse(form, error)
        else:
            messages.success(
                request,
                _("%(count)d codes made; download them for the partner.")
                % {"count": batch.count},
            )
            return redirect("growth_ops:campaign", campaign_id=campaign_id)
    return _campaign_page(request, campaign_id, batch_form=form, status=400)


def _discount_text(coupon: Coupon) -> str:
    if coupon.kind == Coupon.Kind.PERCENT:
        return f"{coupon.percent_bps / 100:g}%"
    return str(Money(coupon.amount, coupon.currency).major)


@require_GET
@ops_page
def batch_csv(request: HttpRequest, batch_id: str) -> HttpResponse:
    """The batch's codes for the partner to hand out, one a line."""
    batch, coupons = funnel.batch_codes(user=request.user, batch_id=batch_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{batch.prefix}-{batch.public_id}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(["code", "discount", "currency", "valid_until", "used"])
    for coupon in coupons:
        writer.writerow(
            [
                coupon.code,
                _discount_text(coupon),
                coupon.currency,
                coupon.valid_until.isoformat() if coupon.valid_until else "",
                "yes" if coupon.uses else "no",
            ]
        )
    return response


# --- The quarantine queue -------------------------------------------------------------


def reason_label(value: str) -> str:
    """A stored reason in the reader's words; one the rules do not know (such
    as ``budget_spent``) as it was stored."""
    if value == "budget_spent":
        return _("The programme's budget was spent")
    try:
        return str(Reason(value).label)
    except (ValueError, KeyError):
        return value


def _queue_page(
    request: HttpRequest,
    *,
    failed: tuple[str, ReviewForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    require_ops_permission(request.user, OpsPermission.RUN_GROWTH)
    rows = []
    for referral in referrals.held():
        form = ReviewForm(auto_id=f"id_{referral.public_id}_%s")
        if failed and failed[0] == referral.public_id:
            form = failed[1]
        rows.append(
            {
                "referral": referral,
                "reasons": [reason_label(value) for value in referral.reasons],
                "form": form,
            }
        )
    return render(request, "growth/ops/referrals.html", {"rows": rows}, status=status)


@require_GET
@ops_page
def referral_queue(request: HttpRequest) -> HttpResponse:
    return _queue_page(request)


@require_POST
@ops_page
def referral_review(request: HttpRequest, referral_id: str) -> HttpResponse:
    """Release (pay) or reject a held referral reward, with a note."""
    require_ops_permission(request.user, OpsPermission.RUN_GROWTH)
    form = ReviewForm(request.POST, auto_id=f"id_{referral_id}_%s")
    if not form.is_valid():
        return _queue_page(request, failed=(referral_id, form), status=400)
    release = form.cleaned_data["decision"] == "release"
    try:
        referral = referrals.review(
            user=request.user,
            referral_id=referral_id,
            release=release,
            note=form.cleaned_data["note"],
        )
    except DomainError as error:
        if error.status in (403, 404):
            raise
        messages.error(request, error.message)
    else:
        if referral.status == Referral.Status.REWARDED:
            messages.success(request, _("Released: the inviter is paid."))
        else:
            messages.success(request, _("Rejected: nothing is paid."))
    return redirect("growth_ops:referrals")


# --- The funnel -----------------------------------------------------------------------


@require_GET
@ops_page
def funnel_page(request: HttpRequest) -> HttpResponse:
    try:
        days = int(request.GET.get("days", funnel.DEFAULT_PERIOD))
    except ValueError:
        days = funnel.DEFAULT_PERIOD
    report = funnel.report(user=request.user, days=days)
    return render(
        request,
        "growth/ops/funnel.html",
        {
            "report": report,
            "periods": funnel.PERIODS,
            "d": funnel.DEFINITIONS,
        },
    )
