"""``/ops/settings/commission-limits/``: the least and the most commission
per order, per category and currency (``MANAGE_SETTINGS``)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from doorstep.backoffice.access import (
    OpsPermission,
    can_use_back_office,
    has_ops_permission,
)
from doorstep.commissions import services
from doorstep.commissions.forms import CommissionLimitForm
from doorstep.commissions.models import CommissionLimit
from doorstep.core.errors import DomainError
from doorstep.core.money import Money, known_currencies
from doorstep.web.forms import add_service_error


def _settings_ops(request: HttpRequest) -> None:
    if not can_use_back_office(request):
        raise Http404
    if not has_ops_permission(request.user, OpsPermission.MANAGE_SETTINGS):
        raise PermissionDenied


def _minor(form: CommissionLimitForm, field: str, currency: str) -> int | None:
    value = form.cleaned_data[field]
    if value is None:
        return None
    try:
        return Money.from_major(value, currency).amount
    except ValueError:
        form.add_error(field, _("Too many decimal places for this currency."))
        return None


@require_http_methods(["GET", "POST"])
def limits(request: HttpRequest) -> HttpResponse:
    _settings_ops(request)
    status = 200
    form = CommissionLimitForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            currency = form.cleaned_data["currency"].strip().upper()
            minimum = maximum = None
            if currency in known_currencies():
                minimum = _minor(form, "minimum", currency)
                maximum = _minor(form, "maximum", currency)
            if not form.errors:
                try:
                    services.set_commission_limit(
                        actor=request.user,
                        category_id=form.cleaned_data["category"],
                        currency=currency,
                        minimum_amount=minimum,
                        maximum_amount=maximum,
                        reason=form.cleaned_data["reason"],
                    )
                except DomainError as error:
                    add_service_error(form, error)
                else:
                    messages.success(request, _("Commission limits saved."))
                    return redirect("commissions:limits")
        status = 400
    rows = CommissionLimit.objects.select_related("category").order_by(
        "category__position", "category__slug", "currency"
    )
    return render(
        request,
        "commissions/limits.html",
        {"form": form, "rows": rows},
        status=status,
    )


@require_POST
def remove_limit(request: HttpRequest, limit_id: str) -> HttpResponse:
    _settings_ops(request)
    services.remove_commission_limit(
        actor=request.user, limit_id=limit_id, reason=request.POST.get("reason", "")
    )
    messages.success(request, _("Commission limits removed."))
    return redirect("commissions:limits")
