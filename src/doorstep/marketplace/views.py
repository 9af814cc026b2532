"""The operator's settings pages under ``/ops/settings/``: thin views that parse
a form, call one service and show its refusal beside the field."""

from django.conf import settings as django_settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from doorstep.audit.models import AuditEntry
from doorstep.backoffice.access import (
    OpsPermission,
    can_use_back_office,
    has_ops_permission,
)
from doorstep.catalog.models import Category
from doorstep.core.errors import DomainError
from doorstep.marketplace import policy, queries, rates, sections, services
from doorstep.marketplace.forms import (
    BrandingForm,
    CategoryForm,
    CityForm,
    CurrencyAmountsForm,
    ExchangeRateForm,
    PolicyForm,
    bps_of,
    show_figure,
)
from doorstep.marketplace.models import City
from doorstep.marketplace.policy import Unit
from doorstep.marketplace.state import settings_row
from doorstep.web.forms import add_service_error

RECENT_CHANGES = 20


def _settings_ops(request: HttpRequest) -> None:
    # Ops pages do not admit they exist to anyone else; ops whose role does not
    # cover settings are told so.
    if not can_use_back_office(request):
        raise Http404
    if not has_ops_permission(request.user, OpsPermission.MANAGE_SETTINGS):
        raise PermissionDenied


def _refused(form, error: DomainError, renames: dict[str, str] | None = None) -> None:
    if renames and error.fields:
        error.fields = {
            renames.get(key, key): value for key, value in error.fields.items()
        }
    add_service_error(form, error)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    _settings_ops(request)
    recent = AuditEntry.objects.filter(action__startswith="settings.")[:RECENT_CHANGES]
    return render(
        request,
        "marketplace/index.html",
        {
            "sections": [
                section
                for section in sections.registered()
                if has_ops_permission(request.user, section.permission)
            ],
            "not_set_up": sections.not_set_up(),
            "recent": recent,
        },
    )


@require_http_methods(["GET", "POST"])
def branding(request: HttpRequest) -> HttpResponse:
    _settings_ops(request)
    row = settings_row()
    default_name = django_settings.DOORSTEP_SITE_NAME
    status = 200
    if request.method == "POST":
        form = BrandingForm(request.POST, request.FILES, default_name=default_name)
        if form.is_valid():
            try:
                services.update_branding(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    primary_colour=form.cleaned_data["primary_colour"],
                    accent_colour=form.cleaned_data["accent_colour"],
                    logo=form.cleaned_data["logo"] or None,
                    remove_logo=form.cleaned_data["remove_logo"],
                )
            except DomainError as error:
                _refused(form, error)
            else:
                messages.success(request, _("Saved. Every page shows it now."))
                return redirect("marketplace:branding")
        status = 400
    else:
        form = BrandingForm(
            initial=BrandingForm.initial_from(row), default_name=default_name
        )
    return render(
        request,
        "marketplace/branding.html",
        {"form": form, "branding": queries.branding()},
        status=status,
    )


def _currencies() -> list[str]:
    """The currencies the marketplace counts in: its own and its cities'."""
    return sorted(
        {django_settings.DOORSTEP_CURRENCY}
        | {city.currency for city in queries.cities()}
    )


@require_http_methods(["GET", "POST"])
def fees(request: HttpRequest) -> HttpResponse:
    _settings_ops(request)
    defaults = policy.defaults()
    status = 200
    row = settings_row()
    form = PolicyForm(initial=PolicyForm.initial_from(row), defaults=defaults)
    amounts = CurrencyAmountsForm(
        initial=CurrencyAmountsForm.initial_from(row),
        currencies=_currencies(),
    )
    if request.method == "POST" and "amounts" in request.POST:
        amounts = CurrencyAmountsForm(request.POST, currencies=_currencies())
        if amounts.is_valid():
            try:
                services.update_currency_amounts(
                    actor=request.user, values=amounts.values()
                )
            except DomainError as error:
                error.fields = {
                    CurrencyAmountsForm.key(*key.split(".", 1)): messages_
                    for key, messages_ in (error.fields or {}).items()
                }
                _refused(amounts, error)
            else:
                messages.success(request, _("Saved. New amounts apply from now on."))
                return redirect("marketplace:fees")
        status = 400
    elif request.method == "POST":
        form = PolicyForm(request.POST, defaults=defaults)
        if form.is_valid():
            try:
                services.update_policy(actor=request.user, values=form.values())
            except DomainError as error:
                _refused(form, error)
            else:
                messages.success(
                    request,
                    _("Saved. New prices use it now; existing orders keep theirs."),
                )
                return redirect("marketplace:fees")
        status = 400
    current = policy.current()
    in_force = [
        (figure.label, show_figure(figure.unit, getattr(current, figure.name)))
        for figure in policy.FIGURES
    ]
    return render(
        request,
        "marketplace/fees.html",
        {"form": form, "amounts": amounts, "in_force": in_force},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def cities(request: HttpRequest) -> HttpResponse:
    _settings_ops(request)
    status = 200
    if request.method == "POST":
        form = CityForm(request.POST)
        if form.is_valid():
            values = dict(form.cleaned_data)
            try:
                services.add_city(actor=request.user, **values)
            except DomainError as error:
                _refused(form, error)
            else:
                messages.success(request, _("City added."))
                return redirect("marketplace:cities")
        status = 400
    else:
        form = CityForm()
    return render(
        request,
        "marketplace/cities.html",
        {"form": form, "cities": City.objects.all()},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def city(request: HttpRequest, slug: str) -> HttpResponse:
    _settings_ops(request)
    found = City.objects.filter(slug=slug).first()
    if found is None:
        raise Http404
    status = 200
    if request.method == "POST":
        form = CityForm(request.POST, editing=True)
        if form.is_valid():
            changes = dict(form.cleaned_data)
            if changes.get("position") is None:
                changes.pop("position", None)
            try:
                services.update_city(actor=request.user, slug=slug, **changes)
            except DomainError as error:
                _refused(form, error)
            else:
                messages.success(request, _("City saved."))
                return redirect("marketplace:cities")
        status = 400
    else:
        form = CityForm(
            editing=True,
            initial={field: getattr(found, field) for field in services.CITY_FIELDS},
        )
    return render(
        request, "marketplace/city.html", {"form": form, "city": found}, status=status
    )


CATEGORY_RENAMES = {"commission_bps": "commission", "parent_id": "parent"}


def _category_rows() -> list[tuple[Category, int, str]]:
    """Every category, parents first with their children under them, with its
    depth and its commission as a percentage."""
    everything = list(Category.objects.order_by("position", "slug"))
    children: dict[int | None, list[Category]] = {}
    for category in everything:
        children.setdefault(category.parent_id, []).append(category)
    rows: list[tuple[Category, int, str]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for category in children.get(parent_id, []):
            commission = show_figure(Unit.PERCENT, category.commission_bps)
            rows.append((category, depth, commission))
            walk(category.pk, depth + 1)

    walk(None, 0)
    return rows


@require_http_methods(["GET", "POST"])
def categories(request: HttpRequest) -> HttpResponse:
    _settings_ops(request)
    status = 200
    if request.method == "POST":
        form = CategoryForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.add_category(
                    actor=request.user,
                    slug=data["slug"],
                    parent_id=data["parent"] or None,
                    name_en=data["name_en"],
                    name_zh_hans=data["name_zh_hans"],
                    name_zh_hant=data["name_zh_hant"],
                    commission_bps=bps_of(data["commission"]),
                )
            except DomainError as error:
                _refused(form, error, CATEGORY_RENAMES)
            else:
                messages.success(request, _("Category added."))
                return redirect("marketplace:categories")
        status = 400
    else:
        form = CategoryForm(
            initial={"commission": policy.current().default_commission_bps / 100}
        )
    return render(
        request,
        "marketplace/categories.html",
        {"form": form, "rows": _category_rows()},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def category(request: HttpRequest, category_id: str) -> HttpResponse:
    _settings_ops(request)
    found = Category.objects.filter(public_id=category_id).first()
    if found is None:
        raise Http404
    status = 200
    if request.method == "POST":
        form = CategoryForm(request.POST, editing=True)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.update_category(
                    actor=request.user,
                    category_id=category_id,
                    name_en=data["name_en"],
                    name_zh_hans=data["name_zh_hans"],
                    name_zh_hant=data["name_zh_hant"],
                    commission_bps=bps_of(data["commission"]),
                    is_active=data["is_active"],
                )
            except DomainError as error:
                _refused(form, error, CATEGORY_RENAMES)
            else:
                messages.success(request, _("Category saved."))
                return redirect("marketplace:categories")
        status = 400
    else:
        form = CategoryForm(editing=True, initial=CategoryForm.initial_from(found))
    return render(
        request,
        "marketplace/category.html",
        {"form": form, "category": found},
        status=status,
    )


@require_POST
def move_category(request: HttpRequest, category_id: str) -> HttpResponse:
    _settings_ops(request)
    try:
        services.move_category(
            actor=request.user,
            category_id=category_id,
            up=request.POST.get("direction") == "up",
        )
    except DomainError as error:
        if error.status == 404:
            raise Http404 from None
        messages.error(request, error.message)
    return redirect("marketplace:categories")


# --- The theme: the operator's colours as a stylesheet -----------------------------


@require_GET
def theme(request: HttpRequest) -> HttpResponse:
    """The operator's colours as CSS custom properties over the built-in ones.

    A stylesheet from our own origin (the content security policy allows no
    inline styles); its URL carries the settings version, so browsers keep it
    for a long time and fetch the new one after a change."""
    brand = queries.branding()
    lines = []
    if brand.primary_colour:
        lines += [
            f"--brand: {brand.primary_colour};",
            f"--brand-strong: color-mix(in srgb, {brand.primary_colour} 80%, black);",
            f"--brand-soft: color-mix(in srgb, {brand.primary_colour} 20%, white);",
            f"--brand-tint: color-mix(in srgb, {brand.primary_colour} 6%, white);",
        ]
    if brand.accent_colour:
        lines += [
            f"--accent: {brand.accent_colour};",
            f"--accent-soft: color-mix(in srgb, {brand.accent_colour} 18%, white);",
        ]
    body = ":root {\n  " + "\n  ".join(lines) + "\n}\n" if lines else ""
    response = HttpResponse(body, content_type="text/css; charset=utf-8")
    if request.GET.get("v") == str(brand.version):
        patch_cache_control(
            response, public=True, max_age=365 * 24 * 3600, immutable=True
        )
    else:
        patch_cache_control(response, no_cache=True)
    return response


@require_http_methods(["GET", "POST"])
def exchange_rates(request: HttpRequest) -> HttpResponse:
    _settings_ops(request)
    status = 200
    if request.method == "POST":
        form = ExchangeRateForm(request.POST)
        if form.is_valid():
            try:
                services.set_exchange_rate(
                    actor=request.user,
                    base=form.cleaned_data["base"],
                    quote=form.cleaned_data["quote"],
                    rate=form.cleaned_data["rate"],
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as error:
                _refused(form, error)
            else:
                messages.success(
                    request, _("Saved. Estimates use this rate from now on.")
                )
                return redirect("marketplace:exchange_rates")
        status = 400
    else:
        form = ExchangeRateForm(initial={"quote": django_settings.DOORSTEP_CURRENCY})
    return render(
        request,
        "marketplace/exchange_rates.html",
        {"form": form, "rates": rates.current_rates()},
        status=status,
    )
