"""Web pages of the payments app: the webhook endpoint, receipts, the provider's
wallet, and the back office's payouts and finance report."""

import csv
import io
from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from doorstep.backoffice.access import can_use_back_office
from doorstep.core.errors import DomainError
from doorstep.orders.models import Order
from doorstep.payments import flows, queries
from doorstep.payments.api import statement_csv
from doorstep.payments.forms import PayoutRequestForm
from doorstep.payments.models import PayoutRequest
from doorstep.payments.webhooks import receive_webhook


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, gateway: str) -> HttpResponse:
    """Gateways call this; the signature, not a session or CSRF token, proves who."""
    status = receive_webhook(
        gateway=gateway, body=request.body, headers=request.headers
    )
    return HttpResponse(status=status)


@login_required
@require_GET
def receipt(request: HttpRequest, order_id: str) -> HttpResponse:
    order = (
        Order.objects.select_related("listing__category", "provider")
        .filter(public_id=order_id, customer=request.user)
        .first()
    )
    if order is None and request.user.is_staff and can_use_back_office(request):
        order = Order.objects.filter(public_id=order_id).first()
    if order is None:
        raise Http404
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
        "minimum": flows.setting("DOORSTEP_MIN_PAYOUT"),
    }
    return render(request, "payments/wallet.html", context)


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


def _ops_only(request: HttpRequest) -> None:
    if not can_use_back_office(request):
        raise Http404


@require_GET
def ops_payouts(request: HttpRequest) -> HttpResponse:
    _ops_only(request)
    requested = PayoutRequest.objects.filter(
        status=PayoutRequest.Status.REQUESTED
    ).select_related("provider")
    recent = PayoutRequest.objects.exclude(
        status=PayoutRequest.Status.REQUESTED
    ).select_related("provider", "batch")[:50]
    return render(
        request, "payments/ops_payouts.html", {"requested": requested, "recent": recent}
    )


@require_POST
def ops_approve_payouts(request: HttpRequest) -> HttpResponse:
    _ops_only(request)
    ids = PayoutRequest.objects.filter(
        public_id__in=request.POST.getlist("payout")
    ).values_list("pk", flat=True)
    if ids:
        batch = flows.approve_payouts(request_ids=list(ids), user=request.user)
        messages.success(
            request, _("Batch %(batch)s approved.") % {"batch": batch.public_id}
        )
    else:
        messages.error(request, _("Select at least one payout."))
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
    _ops_only(request)
    since, until = _period(request)
    rows = queries.finance_report(since=since, until=until)
    if request.GET.get("format") == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["day", "category", *queries.REPORT_COLUMNS])
        for row in rows:
            writer.writerow(
                [row["day"], row["category"]]
                + [row[column] for column in queries.REPORT_COLUMNS]
            )
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="finance.csv"'
        return response
    totals = {c: sum(row[c] for row in rows) for c in queries.REPORT_COLUMNS}
    return render(
        request,
        "payments/finance_report.html",
        {
            "rows": rows,
            "totals": totals,
            "since": since,
            "until": until,
            "escrow_held": queries.escrow_held(),
            "currency": settings.DOORSTEP_CURRENCY,
        },
    )
