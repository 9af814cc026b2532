"""Web pages of the payments app: the webhook endpoint, receipts, the provider's
wallet, and the back office's payouts and finance report."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from doorstep.backoffice.access import (
    OpsPermission,
    can_use_back_office,
    has_ops_permission,
)
from doorstep.core.errors import DomainError, NotFound
from doorstep.core.ids import new_public_id
from doorstep.core.money import Money
from doorstep.marketplace import rates
from doorstep.orders.process import Actor
from doorstep.orders.queries import access_order, ops_order
from doorstep.payments import flows, payout_accounts, queries
from doorstep.payments.api import statement_csv
from doorstep.payments.forms import PayoutRequestForm
from doorstep.payments.gateways import WEBHOOK_ACKNOWLEDGEMENTS, get_gateway, sandbox
from doorstep.payments.models import ExtraCharge, PayoutRequest
from doorstep.payments.webhooks import receive_webhook


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, gateway: str) -> HttpResponse:
    """Gateways call this; the signature, not a session or CSRF token, proves who."""
    status = receive_webhook(
        gateway=gateway, body=request.body, headers=request.headers
    )
    acknowledgement = WEBHOOK_ACKNOWLEDGEMENTS.get(gateway, b"")
    return HttpResponse(acknowledgement if status == 200 else b"", status=status)


@login_required
@require_POST
def answer_extra_charge(
    request: HttpRequest, order_id: str, charge_id: str
) -> HttpResponse:
    """The customer approves (the card on file is charged) or declines an extra
    charge the provider proposed. Only the order's customer: anyone else gets 404."""
    extra = (
        ExtraCharge.objects.select_related("order")
        .filter(
            public_id=charge_id,
            kind=ExtraCharge.Kind.EXTRA,
            order__public_id=order_id,
            order__customer=request.user,
        )
        .first()
    )
    if extra is None:
        raise Http404
    answer = request.POST.get("answer")
    if answer not in {"approve", "decline"}:
        return HttpResponseBadRequest()
    try:
        if answer == "approve":
            flows.approve_extra_charge(extra=extra)
            messages.success(request, _("Extra charge approved and paid."))
        else:
            flows.decline_extra_charge(extra=extra)
            messages.info(request, _("Extra charge declined: nothing was charged."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(extra.order)


@login_required
@require_GET
def receipt(request: HttpRequest, order_id: str) -> HttpResponse:
    try:
        if can_use_back_office(request):
            order = ops_order(order_id)
        else:
            order = access_order(request.user, order_id, as_role=Actor.CUSTOMER)
    except NotFound as error:
        raise Http404 from error
    return render(request, "payments/receipt.html", {"receipt": queries.receipt(order)})


def _provider_or_404(request: HttpRequest):
    profile = getattr(request.user, "provider_profile", None)
    if profile is None:
        raise Http404
    return profile


@login_required
@require_GET
def wallet(request: HttpRequest) -> HttpResponse:
    provider = _provider_or_404(request)
    lines = queries.statement(provider)
    if request.GET.get("format") == "csv":
        return statement_csv(lines)
    lines.reverse()
    context = {
        "wallets": queries.wallets(
            provider, default_currency=settings.DOORSTEP_CURRENCY
        ),
        "lines": lines[:200],
        "payouts": PayoutRequest.objects.filter(provider=provider)[:20],
        "payout_account": payout_accounts.payout_account_of(provider),
    }
    return render(request, "payments/wallet.html", context)


def _onboarding_link(request: HttpRequest, provider) -> str:
    return payout_accounts.start_payout_onboarding(
        provider=provider,
        return_url=request.build_absolute_uri(reverse("payments:payouts_return")),
        refresh_url=request.build_absolute_uri(reverse("payments:payouts_refresh")),
    )


@login_required
@require_POST
def setup_payouts(request: HttpRequest) -> HttpResponse:
    """ "Set up payouts": to the gateway's onboarding (the account is opened the
    first time)."""
    provider = _provider_or_404(request)
    try:
        return redirect(_onboarding_link(request, provider))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("payments:wallet")


@login_required
@require_GET
def payouts_refresh(request: HttpRequest) -> HttpResponse:
    """The gateway sends the provider here when their link expired: a new one."""
    provider = _provider_or_404(request)
    if payout_accounts.payout_account_of(provider) is None:
        return redirect("payments:wallet")
    try:
        return redirect(_onboarding_link(request, provider))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("payments:wallet")


@login_required
@require_GET
def payouts_return(request: HttpRequest) -> HttpResponse:
    """Back from the gateway's onboarding, finished or not: record where it stands."""
    provider = _provider_or_404(request)
    try:
        account = payout_accounts.sync_payout_account(provider=provider)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("payments:wallet")
    if account is not None and account.can_receive_payouts():
        messages.success(request, _("Payouts are set up."))
    else:
        messages.warning(
            request,
            _("Payouts are not set up yet: the payment provider still needs details."),
        )
    return redirect("payments:wallet")


def sandbox_connect(request: HttpRequest, account_id: str) -> HttpResponse:
    """The sandbox's own onboarding page (what Stripe hosts for a real account):
    reached by an account link, it completes the account's details or leaves them
    incomplete, then sends the provider back to the link's return URL."""
    if get_gateway().name != "sandbox":
        raise Http404
    token = request.GET.get("link", "")
    link = sandbox.read_account_link(account_id, token)
    if link is None:
        refresh = sandbox.refresh_url_of(account_id, token)
        if refresh and url_has_allowed_host_and_scheme(
            refresh, allowed_hosts={request.get_host()}
        ):
            return redirect(refresh)
        raise Http404
    if request.method == "POST":
        sandbox.finish_onboarding(
            account_id, complete=request.POST.get("action") == "complete"
        )
        return redirect(link["return"])
    return render(request, "payments/sandbox_connect.html", {"account_id": account_id})


@login_required
@require_POST
def request_payout(request: HttpRequest) -> HttpResponse:
    provider = _provider_or_404(request)
    form = PayoutRequestForm(
        {
            "amount": request.POST.get("amount", ""),
            "currency": request.POST.get("currency") or settings.DOORSTEP_CURRENCY,
        }
    )
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect("payments:wallet")
    try:
        flows.request_payout(
            provider=provider,
            amount=form.cleaned_data["minor_amount"],
            currency=form.cleaned_data["currency"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Payout requested. Ops approve payouts daily."))
    return redirect("payments:wallet")


OPS_PAYOUTS_PER_PAGE = 200


def _ops_only(request: HttpRequest, permission: OpsPermission) -> None:
    # Ops pages do not admit they exist to anyone else; ops whose role does not
    # cover the page are told so.
    if not can_use_back_office(request):
        raise Http404
    if not has_ops_permission(request.user, permission):
        raise PermissionDenied


@require_GET
def ops_payouts(request: HttpRequest) -> HttpResponse:
    _ops_only(request, OpsPermission.VIEW_FINANCE)
    waiting = PayoutRequest.objects.filter(status=PayoutRequest.Status.REQUESTED)
    # The oldest first, as many as one batch takes: a backlog of thousands
    # is approved batch after batch, not rendered as one page.
    requested = waiting.select_related("provider").order_by("created_at", "pk")[
        :OPS_PAYOUTS_PER_PAGE
    ]
    recent = PayoutRequest.objects.exclude(
        status=PayoutRequest.Status.REQUESTED
    ).select_related("provider", "batch")[:50]
    return render(
        request,
        "payments/ops_payouts.html",
        {"requested": requested, "waiting": waiting.count(), "recent": recent},
    )


@require_POST
def ops_approve_payouts(request: HttpRequest) -> HttpResponse:
    _ops_only(request, OpsPermission.VIEW_FINANCE)
    ids = PayoutRequest.objects.filter(
        public_id__in=request.POST.getlist("payout")
    ).values_list("pk", flat=True)
    if not ids:
        messages.error(request, _("Select at least one payout."))
        return redirect("payments:ops_payouts")
    try:
        batch = flows.approve_payouts(
            request_ids=list(ids),
            user=request.user,
            reason=(request.POST.get("reason") or "").strip()[:500],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Batch %(batch)s approved.") % {"batch": batch.public_id}
        )
    return redirect("payments:ops_payouts")


def _period(request: HttpRequest) -> tuple[date, date]:
    today = timezone.localdate()
    try:
        since = date.fromisoformat(request.GET.get("since", ""))
    except ValueError:
        since = today - timedelta(days=30)
    try:
        until = date.fromisoformat(request.GET.get("until", ""))
    except ValueError:
        until = today
    return since, until


@require_GET
def finance_report(request: HttpRequest) -> HttpResponse:
    _ops_only(request, OpsPermission.VIEW_FINANCE)
    since, until = _period(request)
    rows = queries.finance_report(since=since, until=until)
    if request.GET.get("format") == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["day", "category", "currency", *queries.REPORT_COLUMNS])
        for row in rows:
            writer.writerow(
                [row["day"], row["category"], row["currency"]]
                + [row[column] for column in queries.REPORT_COLUMNS]
            )
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="finance.csv"'
        return response
    totals = queries.finance_totals(rows)
    reporting_currency = settings.DOORSTEP_CURRENCY
    # A display estimate only, under the real per-currency totals; shown when
    # every currency of the report has a rate.
    gmv_estimate = (
        rates.estimate_total(
            [Money(total["gmv"], total["currency"]) for total in totals],
            reporting_currency,
        )
        if totals
        else None
    )
    return render(
        request,
        "payments/finance_report.html",
        {
            "rows": rows,
            "totals": totals,
            "gmv_estimate": gmv_estimate,
            "reporting_currency": reporting_currency,
            "since": since,
            "until": until,
            "escrow_held": queries.escrow_held(),
            "guarantee_funds": queries.guarantee_funds(),
            "may_fund": has_ops_permission(request.user, OpsPermission.APPROVE_PAYOUTS),
        },
    )


@require_POST
def fund_guarantee(request: HttpRequest) -> HttpResponse:
    """Finance puts money into the guarantee fund (audited, with a reason)."""
    _ops_only(request, OpsPermission.APPROVE_PAYOUTS)
    currency = (request.POST.get("currency") or "").strip().upper()
    try:
        amount = Money.from_major(request.POST.get("amount", ""), currency).amount
    except (InvalidOperation, ValueError):
        messages.error(request, _("Give an amount in a currency the platform uses."))
        return redirect("payments:finance_report")
    try:
        flows.fund_guarantee(
            currency=currency,
            amount=amount,
            user=request.user,
            reason=request.POST.get("reason", ""),
            key=(request.POST.get("key") or "").strip()[:80] or new_public_id("gfd"),
        )
    except DomainError as error:
        messages.error(
            request,
            " ".join(
                [error.message, *[m for items in error.fields.values() for m in items]]
            ),
        )
    else:
        messages.success(request, _("The guarantee fund was funded."))
    return redirect("payments:finance_report")


# --- An agency's staff: their earnings, and the agency's view of them ---------------


@login_required
@require_GET
def staff_earnings(request: HttpRequest) -> HttpResponse:
    """A staff member's earnings (per agency they work for) and, for the agencies
    the caller owns or manages, each staff member's balances."""
    agencies = [
        queries.agency_staff_balances(agency_id=agency.public_id, user=request.user)
        for agency in queries.agencies_run_by(request.user)
    ]
    context = {
        "earnings": queries.staff_earnings(request.user),
        "agencies": agencies,
        "currency": settings.DOORSTEP_CURRENCY,
    }
    return render(request, "payments/staff_earnings.html", context)


@login_required
@require_POST
def set_staff_share(request: HttpRequest, agency_id: str) -> HttpResponse:
    try:
        agency, _rows = queries.agency_staff_balances(
            agency_id=agency_id, user=request.user
        )
        percent = Decimal((request.POST.get("share_percent") or "").strip())
        flows.set_staff_share(
            agency=agency, user=request.user, share_bps=int(percent * 100)
        )
    except NotFound as error:
        raise Http404 from error
    except (DomainError, InvalidOperation, ValueError):
        messages.error(request, _("Give a share between 0 and 100%."))
    else:
        messages.success(request, _("Staff share saved: it applies to later jobs."))
    return redirect("payments:staff_earnings")


@login_required
@require_POST
def record_staff_payment(
    request: HttpRequest, agency_id: str, staff_id: str
) -> HttpResponse:
    try:
        agency, _rows = queries.agency_staff_balances(
            agency_id=agency_id, user=request.user
        )
        staff = queries.agency_staff_member(agency=agency, staff_id=staff_id)
    except NotFound as error:
        raise Http404 from error
    form = PayoutRequestForm(
        {
            "amount": request.POST.get("amount", ""),
            "currency": request.POST.get("currency") or settings.DOORSTEP_CURRENCY,
        }
    )
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect("payments:staff_earnings")
    try:
        flows.record_staff_payout(
            staff=staff,
            user=request.user,
            amount=form.cleaned_data["minor_amount"],
            currency=form.cleaned_data["currency"],
            reference=request.POST.get("reference", ""),
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Recorded: the platform now pays this amount to the agency."),
        )
    return redirect("payments:staff_earnings")
