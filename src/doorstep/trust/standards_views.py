"""Standards pages: the provider's "Standards" page in their dashboard, and the
ops pages under ``/ops/standards/``. Thin: parse, call a service, render; a
refused action shows its message (and field errors beside the field)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
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
from doorstep.trust import standards, standards_queries
from doorstep.trust.standards_models import (
    MANUAL_REASON_CODES,
    Appeal,
    PenaltyTrigger,
    StandingLevel,
)


def _provider_or_404(request: HttpRequest):
    profile = getattr(request.user, "provider_profile", None)
    if not request.user.is_authenticated or profile is None:
        raise Http404
    return profile


@login_required
@require_GET
def provider_standards(request: HttpRequest) -> HttpResponse:
    provider = _provider_or_404(request)
    return render(
        request,
        "trust/standards/provider.html",
        {
            "record": standards_queries.standards_record(provider),
            "window_days": standards.STRIKE_WINDOW.days,
            "thresholds": standards.THRESHOLDS,
        },
    )


@login_required
@require_POST
def provider_appeal(request: HttpRequest, strike_id: str) -> HttpResponse:
    _provider_or_404(request)
    try:
        standards.file_appeal(
            user=request.user, strike_id=strike_id, text=request.POST.get("text", "")
        )
    except NotFound as error:
        raise Http404 from error
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your appeal was sent. Operations will decide."))
    return redirect("standards:provider")


# --- Ops -------------------------------------------------------------------------


def _ops_only(request: HttpRequest) -> None:
    # Ops pages do not admit they exist to anyone else; ops whose role does not
    # cover standards are told so.
    if not can_use_back_office(request):
        raise Http404
    if not has_ops_permission(request.user, OpsPermission.ENFORCE_STANDARDS):
        raise PermissionDenied


@require_GET
def ops_home(request: HttpRequest) -> HttpResponse:
    _ops_only(request)
    wanted = request.GET.get("provider", "").strip()
    if wanted:
        return redirect("standards:ops_provider", provider_id=wanted)
    return render(
        request,
        "trust/standards/ops_home.html",
        {
            "rules": standards_queries.rules(),
            "appeals": standards_queries.open_appeals(),
            "standings": standards_queries.providers_under_enforcement()[:200],
            "thresholds": standards.THRESHOLDS,
            "window_days": standards.STRIKE_WINDOW.days,
        },
    )


def _parse_fixed(text: str) -> dict:
    """``CNY=5000, USD=1000`` → ``{"CNY": 5000, "USD": 1000}``."""
    fixed: dict = {}
    for part in text.replace(";", ",").split(","):
        if not part.strip():
            continue
        currency, _sep, amount = part.partition("=")
        try:
            fixed[currency.strip()] = int(amount.strip())
        except ValueError:
            fixed[currency.strip()] = amount.strip()
    return fixed


def _int(value: str) -> int | str:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


@require_POST
def ops_rule(request: HttpRequest, trigger: str) -> HttpResponse:
    _ops_only(request)
    if trigger not in PenaltyTrigger.values:
        raise Http404
    try:
        standards.update_penalty_rule(
            user=request.user,
            trigger=trigger,
            active=request.POST.get("active") == "on",
            fine_bps=_int(request.POST.get("fine_bps", "")),
            fine_fixed=_parse_fixed(request.POST.get("fine_fixed", "")),
            strikes=_int(request.POST.get("strikes", "")),
            reason=request.POST.get("reason", ""),
        )
    except DomainError as error:
        detail = "; ".join(m for ms in error.fields.values() for m in ms)
        messages.error(request, f"{error.message} {detail}".strip())
    else:
        messages.success(request, _("The penalty rule was saved."))
    return redirect("standards:ops_home")


@require_GET
def ops_provider(request: HttpRequest, provider_id: str) -> HttpResponse:
    _ops_only(request)
    try:
        provider = standards_queries.ops_provider(provider_id)
    except NotFound as error:
        raise Http404 from error
    return render(
        request,
        "trust/standards/ops_provider.html",
        {
            "record": standards_queries.standards_record(provider),
            "trail": standards_queries.audit_of(provider),
            "now": timezone.now(),
            "levels": [level for level in StandingLevel if level != StandingLevel.GOOD],
            "reason_codes": MANUAL_REASON_CODES,
        },
    )


@require_POST
def ops_provider_action(
    request: HttpRequest, provider_id: str, action: str
) -> HttpResponse:
    _ops_only(request)
    try:
        provider = standards_queries.ops_provider(provider_id)
    except NotFound as error:
        raise Http404 from error
    reason = request.POST.get("reason", "")
    try:
        if action == "set":
            standards.set_standing(
                user=request.user,
                provider=provider,
                level=_int(request.POST.get("level", "")),
                reason_code=request.POST.get("reason_code", ""),
                reason=reason,
            )
            messages.success(request, _("The provider's standing was changed."))
        elif action == "lift":
            standards.lift_standing(user=request.user, provider=provider, reason=reason)
            messages.success(request, _("The penalty was lifted."))
        elif action == "complaint":
            standards.uphold_complaint_against(
                user=request.user,
                provider=provider,
                order_id=request.POST.get("order", ""),
                reason=reason,
            )
            messages.success(request, _("The complaint was upheld."))
        else:
            raise Http404
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("standards:ops_provider", provider_id=provider.public_id)


@require_http_methods(["GET", "POST"])
def ops_appeal(request: HttpRequest, appeal_id: str) -> HttpResponse:
    _ops_only(request)
    appeal = (
        Appeal.objects.select_related("provider", "strike__order", "strike__fine")
        .filter(public_id=appeal_id)
        .first()
    )
    if appeal is None:
        raise Http404
    errors: dict = {}
    if request.method == "POST":
        decision = request.POST.get("decision")
        if decision not in {"uphold", "overturn"}:
            errors["decision"] = [_("Choose uphold or overturn.")]
        else:
            try:
                standards.decide_appeal(
                    user=request.user,
                    appeal_id=appeal.public_id,
                    overturn=decision == "overturn",
                    reason=request.POST.get("reason", ""),
                )
            except DomainError as error:
                messages.error(request, error.message)
                errors = error.fields
            else:
                messages.success(request, _("The appeal was decided."))
                return redirect("standards:ops_home")
    return render(
        request,
        "trust/standards/ops_appeal.html",
        {
            "appeal": appeal,
            "errors": errors,
            "trail": standards_queries.audit_of(appeal),
            "text": request.POST.get("reason", ""),
        },
        status=400 if errors else 200,
    )
