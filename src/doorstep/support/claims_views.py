"""Claims pages: the customer files a warranty or damage claim from the order
page; the parties follow the claim on its page (the provider offers a redo or
declines, the customer accepts or declines the redo); ops work the queue under
``/ops/claims/`` and decide. Thin: parse, call a service, render; a refused
action shows its message, and field errors beside the field."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from doorstep.api.auth import session_or_token
from doorstep.audit.models import AuditEntry
from doorstep.backoffice.access import (
    OpsPermission,
    can_use_back_office,
    has_ops_permission,
)
from doorstep.core.errors import DomainError, NotFound
from doorstep.core.money import Money
from doorstep.core.storage import private_file_response
from doorstep.orders.process import Actor
from doorstep.orders.queries import access_order
from doorstep.payments.flows import guarantee_fund_balance
from doorstep.payments.queries import guarantee_funds
from doorstep.support import claims
from doorstep.support.models import ClaimPhoto, GuaranteeClaim, WarrantyClaim
from doorstep.support.redo import local_time


def _minor(text: str, currency: str) -> int | None:
    try:
        return Money.from_major((text or "").strip(), currency).amount
    except (ArithmeticError, ValueError):
        return None


def _refused(request: HttpRequest, error: DomainError) -> dict:
    messages.error(request, error.message)
    return error.fields


# --- The customer files ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def file_warranty(request: HttpRequest, order_id: str) -> HttpResponse:
    try:
        order = access_order(request.user, order_id, as_role=Actor.CUSTOMER)
    except NotFound as error:
        raise Http404 from error
    errors: dict = {}
    if request.method == "POST":
        try:
            claim = claims.file_warranty_claim(
                customer=request.user,
                order_id=order.public_id,
                description=request.POST.get("description", ""),
                photos=request.FILES.getlist("photos"),
            )
        except DomainError as error:
            errors = _refused(request, error)
        else:
            messages.success(
                request, _("Your claim was sent. The provider has been told.")
            )
            return redirect("claims:warranty", claim_id=claim.public_id)
    return render(
        request,
        "support/claims/file_warranty.html",
        {
            "order": order,
            "errors": errors,
            "until": claims.warranty_ends_at(order),
            "text": request.POST.get("description", ""),
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def file_guarantee(request: HttpRequest, order_id: str) -> HttpResponse:
    try:
        order = access_order(request.user, order_id, as_role=Actor.CUSTOMER)
    except NotFound as error:
        raise Http404 from error
    errors: dict = {}
    if request.method == "POST":
        amount = _minor(request.POST.get("amount", ""), order.currency)
        if amount is None:
            errors = {"amount": [_("Give the amount as a number, e.g. 120.50.")]}
        else:
            try:
                claim = claims.file_guarantee_claim(
                    customer=request.user,
                    order_id=order.public_id,
                    description=request.POST.get("description", ""),
                    amount=amount,
                    photos=request.FILES.getlist("photos"),
                )
            except DomainError as error:
                errors = _refused(request, error)
            else:
                messages.success(request, _("Your claim was sent to our team."))
                return redirect("claims:guarantee", claim_id=claim.public_id)
    return render(
        request,
        "support/claims/file_guarantee.html",
        {
            "order": order,
            "errors": errors,
            "until": claims.guarantee_ends_at(order),
            "cap": Money(claims.guarantee_cap(order.currency), order.currency),
            "text": request.POST.get("description", ""),
            "amount": request.POST.get("amount", ""),
        },
        status=400 if errors else 200,
    )


# --- The parties follow a claim -------------------------------------------------------


@login_required
@require_GET
def warranty(request: HttpRequest, claim_id: str) -> HttpResponse:
    try:
        claim = claims.access_warranty_claim(request.user, claim_id)
    except NotFound as error:
        raise Http404 from error
    return _warranty_page(request, claim, errors={})


def _warranty_page(request, claim: WarrantyClaim, *, errors: dict) -> HttpResponse:
    return render(
        request,
        "support/claims/warranty.html",
        {
            "claim": claim,
            "order": claim.order,
            "is_customer": claim.customer_id == request.user.pk,
            "is_provider": claim.customer_id != request.user.pk,
            "errors": errors,
            "starts_at": request.POST.get("starts_at", ""),
            "note": request.POST.get("note", ""),
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def warranty_action(request: HttpRequest, claim_id: str, action: str) -> HttpResponse:
    try:
        claim = claims.access_warranty_claim(request.user, claim_id)
    except NotFound as error:
        raise Http404 from error
    user, now = request.user, timezone.now()
    try:
        if action == "offer":
            starts_at = local_time(
                request.POST.get("starts_at", ""), claim.order.time_zone
            )
            if starts_at is None:
                raise DomainError(
                    "invalid_input",
                    _("Some fields are not valid."),
                    fields={"starts_at": [_("Choose a day and a time.")]},
                )
            claims.offer_redo(
                claim_id=claim_id,
                provider_user=user,
                starts_at=starts_at,
                note=request.POST.get("note", ""),
                now=now,
            )
            messages.success(request, _("Your offer was sent to the customer."))
        elif action == "decline":
            claims.decline_claim(
                claim_id=claim_id,
                provider_user=user,
                note=request.POST.get("note", ""),
                now=now,
            )
            messages.success(request, _("Our team will look at the claim."))
        elif action == "accept":
            claim = claims.accept_redo(claim_id=claim_id, customer=user, now=now)
            messages.success(request, _("The redo is booked, free of charge."))
            return redirect(claim.redo_order.get_absolute_url())
        elif action == "decline-redo":
            claims.decline_redo(claim_id=claim_id, customer=user, now=now)
            messages.success(request, _("Our team will look at the claim."))
        else:
            raise Http404
    except NotFound as error:
        raise Http404 from error
    except DomainError as error:
        claim.refresh_from_db()
        return _warranty_page(request, claim, errors=_refused(request, error))
    return redirect("claims:warranty", claim_id=claim_id)


@login_required
@require_GET
def guarantee(request: HttpRequest, claim_id: str) -> HttpResponse:
    try:
        claim = claims.access_guarantee_claim(request.user, claim_id)
    except NotFound as error:
        raise Http404 from error
    return render(
        request, "support/claims/guarantee.html", {"claim": claim, "order": claim.order}
    )


@require_GET  # before the token is read: a POST is refused, never authenticated
@session_or_token
def photo(request: HttpRequest, claim_id: str, photo_id: str) -> HttpResponse:
    """A claim's photo, for its parties and for ops (never a public URL)."""
    found = ClaimPhoto.objects.filter(public_id=photo_id).select_related(
        "warranty_claim", "guarantee_claim"
    )
    photo = found.first()
    claim = photo and (photo.warranty_claim or photo.guarantee_claim)
    if claim is None or claim.public_id != claim_id:
        raise Http404
    if not (can_use_back_office(request) and _may_decide(request)):
        if not request.user.is_authenticated:
            raise Http404
        try:
            if isinstance(claim, WarrantyClaim):
                claims.access_warranty_claim(request.user, claim_id)
            else:
                claims.access_guarantee_claim(request.user, claim_id)
        except NotFound as error:
            raise Http404 from error
    thumbnail = request.GET.get("size") == "thumb"
    return private_file_response(
        photo.thumbnail if thumbnail else photo.image,
        filename=f"{photo.public_id}.webp",
        content_type="image/webp",
        as_attachment=False,
    )


# --- Ops ------------------------------------------------------------------------------


def _may_decide(request: HttpRequest) -> bool:
    return has_ops_permission(request.user, OpsPermission.DECIDE_DISPUTES)


def _ops_only(request: HttpRequest) -> None:
    if not can_use_back_office(request):
        raise Http404
    if not _may_decide(request):
        raise PermissionDenied


@require_GET
def ops_queue(request: HttpRequest) -> HttpResponse:
    _ops_only(request)
    return render(
        request,
        "support/claims/ops_queue.html",
        {
            "escalated": WarrantyClaim.objects.filter(
                status=WarrantyClaim.Status.ESCALATED
            )
            .select_related("order")
            .order_by("escalated_at", "pk"),
            "waiting_provider": WarrantyClaim.objects.filter(
                status__in=[
                    WarrantyClaim.Status.FILED,
                    WarrantyClaim.Status.REDO_OFFERED,
                ]
            )
            .select_related("order")
            .order_by("created_at", "pk")[:100],
            "guarantee": GuaranteeClaim.objects.filter(
                status=GuaranteeClaim.Status.FILED
            )
            .select_related("order")
            .order_by("created_at", "pk"),
            "decided": [
                *WarrantyClaim.objects.filter(decided_at__isnull=False)
                .select_related("order", "decided_by")
                .order_by("-decided_at")[:20],
            ],
            "guarantee_decided": GuaranteeClaim.objects.filter(decided_at__isnull=False)
            .select_related("order", "decided_by")
            .order_by("-decided_at")[:20],
            "funds": guarantee_funds(),
            "now": timezone.now(),
        },
    )


def _trail(claim) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            target_type=claim._meta.label_lower, target_id=claim.public_id
        ).order_by("pk")
    )


@require_http_methods(["GET", "POST"])
def ops_warranty(request: HttpRequest, claim_id: str) -> HttpResponse:
    _ops_only(request)
    claim = (
        WarrantyClaim.objects.select_related("order", "redo_order")
        .filter(public_id=claim_id)
        .first()
    )
    if claim is None:
        raise Http404
    errors: dict = {}
    if request.method == "POST":
        outcome = request.POST.get("outcome", "")
        amount = None
        if outcome == claims.Outcome.REFUND:
            amount = _minor(request.POST.get("amount", ""), claim.order.currency)
        try:
            if outcome == claims.Outcome.REFUND and amount is None:
                raise DomainError(
                    "invalid_input",
                    _("Some fields are not valid."),
                    fields={"amount": [_("Give the amount as a number, e.g. 120.50.")]},
                )
            claims.decide_warranty_claim(
                claim_id=claim.public_id,
                user=request.user,
                outcome=outcome,
                reason=request.POST.get("reason", ""),
                amount=amount,
                starts_at=local_time(
                    request.POST.get("starts_at", ""), claim.order.time_zone
                ),
            )
        except DomainError as error:
            errors = _refused(request, error)
        else:
            messages.success(request, _("The claim was decided."))
            return redirect("claims_ops:queue")
    return render(
        request,
        "support/claims/ops_warranty.html",
        {
            "claim": claim,
            "order": claim.order,
            "errors": errors,
            "refundable": Money(claims.refundable(claim.order), claim.order.currency),
            "trail": _trail(claim),
            "post": request.POST,
        },
        status=400 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
def ops_guarantee(request: HttpRequest, claim_id: str) -> HttpResponse:
    _ops_only(request)
    claim = (
        GuaranteeClaim.objects.select_related("order")
        .filter(public_id=claim_id)
        .first()
    )
    if claim is None:
        raise Http404
    errors: dict = {}
    if request.method == "POST":
        outcome = request.POST.get("outcome", "")
        amount = None
        if outcome == claims.Outcome.APPROVE:
            amount = _minor(request.POST.get("amount", ""), claim.currency)
        try:
            if outcome == claims.Outcome.APPROVE and amount is None:
                raise DomainError(
                    "invalid_input",
                    _("Some fields are not valid."),
                    fields={"amount": [_("Give the amount as a number, e.g. 120.50.")]},
                )
            claims.decide_guarantee_claim(
                claim_id=claim.public_id,
                user=request.user,
                outcome=outcome,
                reason=request.POST.get("reason", ""),
                amount=amount,
            )
        except DomainError as error:
            errors = _refused(request, error)
        else:
            messages.success(request, _("The claim was decided."))
            return redirect("claims_ops:queue")
    return render(
        request,
        "support/claims/ops_guarantee.html",
        {
            "claim": claim,
            "order": claim.order,
            "errors": errors,
            "cap": Money(claims.guarantee_cap(claim.currency), claim.currency),
            "fund": Money(guarantee_fund_balance(claim.currency), claim.currency),
            "refundable": Money(claims.refundable(claim.order), claim.currency),
            "trail": _trail(claim),
            "post": request.POST,
        },
        status=400 if errors else 200,
    )
