"""Pages of the badges work: the provider's background-check consent and
status, the vendors' webhook endpoint, and the ops pages for background checks
and the top-provider rules. Views parse, call one service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from doorstep.accounts.models import ProviderProfile
from doorstep.api.ratelimit import _ip_key
from doorstep.audit.queries import entries_for, search_entries
from doorstep.backoffice.access import (
    OpsPermission,
    can_use_back_office,
    has_ops_permission,
)
from doorstep.core.errors import DomainError
from doorstep.trust import check_services
from doorstep.trust.audit_actions import UPDATE_TOP_PROVIDER_RULES
from doorstep.trust.badge_forms import ConsentForm, DecisionForm, TopProviderRulesForm
from doorstep.trust.badge_queries import shown_badges_of
from doorstep.trust.check_models import BackgroundCheck, BackgroundCheckConsent
from doorstep.trust.top_provider import (
    RULE_FIELDS,
    active_rules,
    can_manage_rules,
    update_top_provider_rules,
)


def _ops_only(request: HttpRequest, allowed: bool) -> None:
    # Ops pages do not admit they exist to anyone else; ops whose role does not
    # cover the page are told so.
    if not can_use_back_office(request):
        raise Http404
    if not allowed:
        raise HttpForbidden


def _apply_errors(form, error: DomainError) -> None:
    for name, field_messages in error.fields.items():
        for message in field_messages:
            form.add_error(name if name in form.fields else None, message)
    if not error.fields:
        form.add_error(None, error.message)


# --- The provider -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def provider_check(request: HttpRequest) -> HttpResponse:
    """The provider consents to a background check and follows it."""
    provider = getattr(request.user, "provider_profile", None)
    if provider is None:
        raise Http404
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            check_services.record_consent(
                provider=provider,
                user=request.user,
                legal_name=form.cleaned_data["legal_name"],
                agreed=form.cleaned_data["agreed"],
                ip_address=_ip_key("", request),
                user_agent=request.headers.get("User-Agent", ""),
            )
        except DomainError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request,
                _("Thank you: your consent is recorded. Our team starts the check."),
            )
            return redirect("badges:provider_check")
    context = {
        "form": form,
        "consent": check_services.current_consent(provider),
        "checks": BackgroundCheck.objects.filter(provider=provider).order_by(
            "-started_at"
        )[:5],
        "badges": shown_badges_of(provider),
        "consent_version": check_services.CONSENT_TEXT_VERSION,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "trust/badges/provider_check.html", context, status=status)


# --- Vendors ----------------------------------------------------------------------


@csrf_exempt
@require_POST
def check_webhook(request: HttpRequest, vendor: str) -> HttpResponse:
    """Vendors call this; the signature, not a session or CSRF token, proves who."""
    status = check_services.receive_check_webhook(
        vendor=vendor, body=request.body, headers=request.headers
    )
    return HttpResponse(status=status)


# --- Ops: background checks -------------------------------------------------------


@require_GET
def ops_checks(request: HttpRequest) -> HttpResponse:
    _ops_only(request, has_ops_permission(request.user, OpsPermission.VERIFY_PROVIDERS))
    open_checks = BackgroundCheck.objects.filter(
        provider=OuterRef("pk"), status__in=BackgroundCheck.OPEN_STATUSES
    )
    consented = BackgroundCheckConsent.objects.filter(
        provider=OuterRef("pk"), text_version=check_services.CONSENT_TEXT_VERSION
    )
    checked_since = BackgroundCheck.objects.filter(
        provider=OuterRef("pk"), started_at__gte=OuterRef("latest_consent")
    )
    ready = (
        ProviderProfile.objects.filter(Exists(consented))
        .exclude(Exists(open_checks))
        .annotate(latest_consent=consented.order_by("-given_at").values("given_at")[:1])
        .exclude(Exists(checked_since))
        .order_by("latest_consent")[:50]
    )
    checks = BackgroundCheck.objects.select_related("provider")
    context = {
        "ready": ready,
        "to_review": checks.filter(status=BackgroundCheck.Status.CONSIDER).order_by(
            "completed_at"
        )[:50],
        "open": checks.filter(status__in=BackgroundCheck.OPEN_STATUSES).order_by(
            "started_at"
        )[:50],
        "recent": checks.exclude(
            status__in=[
                *BackgroundCheck.OPEN_STATUSES,
                BackgroundCheck.Status.CONSIDER,
            ]
        ).order_by("-updated_at")[:20],
    }
    return render(request, "trust/badges/ops_checks.html", context)


@require_POST
def ops_start_check(request: HttpRequest) -> HttpResponse:
    _ops_only(request, True)
    try:
        check = check_services.start_background_check(
            provider_id=request.POST.get("provider", ""), user=request.user
        )
    except DomainError as error:
        if error.status == 403:
            raise HttpForbidden from error
        messages.error(request, error.message)
        return redirect("badges:ops_checks")
    messages.success(request, _("Background check %(id)s started.") % {"id": check})
    return redirect("badges:ops_check", check_id=check.public_id)


@require_http_methods(["GET", "POST"])
def ops_check(request: HttpRequest, check_id: str) -> HttpResponse:
    _ops_only(request, has_ops_permission(request.user, OpsPermission.VERIFY_PROVIDERS))
    check = (
        BackgroundCheck.objects.select_related("provider", "consent", "decided_by")
        .filter(public_id=check_id)
        .first()
    )
    if check is None:
        raise Http404
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            check_services.decide_background_check(
                check_id=check.public_id,
                user=request.user,
                approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Decision saved."))
            return redirect("badges:ops_check", check_id=check.public_id)
    context = {
        "check": check,
        "form": form,
        "trail": entries_for(check)[:50],
        "provider_trail": entries_for(check.provider)[:50],
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "trust/badges/ops_check.html", context, status=status)


# --- Ops: the top-provider rules --------------------------------------------------


@require_http_methods(["GET", "POST"])
def ops_top_provider(request: HttpRequest) -> HttpResponse:
    _ops_only(request, can_manage_rules(request.user))
    rules = active_rules()
    form = TopProviderRulesForm(request.POST or None, instance=rules)
    if request.method == "POST" and form.is_valid():
        try:
            update_top_provider_rules(
                user=request.user,
                values={name: form.cleaned_data[name] for name in RULE_FIELDS},
            )
        except DomainError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request,
                _("The rules are saved; providers are requalified on the next run."),
            )
            return redirect("badges:ops_top_provider")
    context = {
        "form": form,
        "rules": rules,
        "trail": search_entries(action=str(UPDATE_TOP_PROVIDER_RULES))[:20],
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "trust/badges/ops_top_provider.html", context, status=status)
