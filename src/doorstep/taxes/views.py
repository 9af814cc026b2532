"""The tax pages of the back office: regions and their rules under
``/ops/settings/taxes/`` (``MANAGE_SETTINGS``) and the tax report beside the
finance report (``VIEW_FINANCE``). Thin: parse, call one service, render."""

import csv
import io
from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from doorstep.backoffice.access import (
    OpsPermission,
    can_use_back_office,
    has_ops_permission,
)
from doorstep.core.errors import DomainError, NotFound
from doorstep.marketplace.forms import bps_of
from doorstep.taxes import queries, services
from doorstep.taxes.forms import RegionForm, RuleForm
from doorstep.taxes.models import TaxRegionCity
from doorstep.web.forms import add_service_error


def _ops_only(request: HttpRequest, permission: OpsPermission) -> None:
    # Ops pages do not admit they exist to anyone else; ops whose role does not
    # cover the page are told so.
    if not can_use_back_office(request):
        raise Http404
    if not has_ops_permission(request.user, permission):
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
def regions(request: HttpRequest) -> HttpResponse:
    _ops_only(request, OpsPermission.MANAGE_SETTINGS)
    status = 200
    form = RegionForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                region = services.save_tax_region(
                    actor=request.user,
                    code=data["code"],
                    name=data["name"],
                    prices_include_tax=data["prices_include_tax"],
                    city_slugs=data["cities"],
                    reason=data["reason"],
                )
            except DomainError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Tax region added."))
                return redirect("taxes:region", region_id=region.public_id)
        status = 400
    return render(
        request,
        "taxes/regions.html",
        {"form": form, "regions": queries.regions()},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def region(request: HttpRequest, region_id: str) -> HttpResponse:
    _ops_only(request, OpsPermission.MANAGE_SETTINGS)
    found = services.access_region(region_id)
    status = 200
    initial = {
        "name": found.name,
        "prices_include_tax": "true" if found.prices_include_tax else "false",
        "cities": list(
            TaxRegionCity.objects.filter(region=found).values_list(
                "city__slug", flat=True
            )
        ),
    }
    form = RegionForm(editing=True, initial=initial)
    rule_form = RuleForm()
    if request.method == "POST" and "rate" in request.POST:
        rule_form = RuleForm(request.POST)
        if rule_form.is_valid():
            data = rule_form.cleaned_data
            try:
                services.add_tax_rule(
                    actor=request.user,
                    region_id=region_id,
                    name=data["name"],
                    rate_bps=bps_of(data["rate"]),
                    on_service=data["on_service"],
                    on_platform_fees=data["on_platform_fees"],
                    valid_from=data["valid_from"],
                    valid_until=data["valid_until"],
                    reason=data["reason"],
                )
            except DomainError as error:
                add_service_error(rule_form, error)
            else:
                messages.success(request, _("Tax rule added."))
                return redirect("taxes:region", region_id=region_id)
        status = 400
    elif request.method == "POST":
        form = RegionForm(request.POST, editing=True)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.save_tax_region(
                    actor=request.user,
                    region_id=region_id,
                    name=data["name"],
                    prices_include_tax=data["prices_include_tax"],
                    city_slugs=data["cities"],
                    reason=data["reason"],
                )
            except DomainError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Tax region saved."))
                return redirect("taxes:region", region_id=region_id)
        status = 400
    return render(
        request,
        "taxes/region.html",
        {
            "region": found,
            "form": form,
            "rule_form": rule_form,
            "rules": found.rules.order_by("-valid_from", "-pk"),
            "now": timezone.now(),
        },
        status=status,
    )


@require_POST
def end_rule(request: HttpRequest, region_id: str, rule_id: str) -> HttpResponse:
    _ops_only(request, OpsPermission.MANAGE_SETTINGS)
    try:
        services.end_tax_rule(
            actor=request.user,
            region_id=region_id,
            rule_id=rule_id,
            reason=request.POST.get("reason", ""),
        )
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The rule no longer applies to new orders."))
    return redirect("taxes:region", region_id=region_id)


def _period(request: HttpRequest) -> tuple[date, date]:
    today = timezone.localdate()
    try:
        since = date.fromisoformat(request.GET.get("since", ""))
    except ValueError:
        since = today.replace(day=1)
    try:
        until = date.fromisoformat(request.GET.get("until", ""))
    except ValueError:
        until = today
    return since, until


@require_GET
def report(request: HttpRequest) -> HttpResponse:
    _ops_only(request, OpsPermission.VIEW_FINANCE)
    since, until = _period(request)
    if until < since or until - since > timedelta(days=366):
        since, until = until.replace(day=1), until
    rows = queries.tax_report(since=since, until=until)
    if request.GET.get("format") == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["region", "currency", *queries.REPORT_COLUMNS])
        for row in rows:
            writer.writerow(
                [row.region_code, row.currency]
                + [getattr(row, column) for column in queries.REPORT_COLUMNS]
            )
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="taxes-{since.isoformat()}-{until.isoformat()}.csv"'
        )
        return response
    return render(
        request,
        "taxes/report.html",
        {"rows": rows, "since": since, "until": until},
    )
