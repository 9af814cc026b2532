"""Dispute pages: opening one from an order, the dispute's page for its two
parties (answer, offer, accept or decline, add evidence), its photos (streamed
to the parties and ops only), and the ops queue and decision page under
``/ops/disputes/``. Thin: parse, call a service, render; a refusal shows its
message beside the field."""

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from doorstep.api.auth import session_or_token
from doorstep.audit.queries import entries_for
from doorstep.backoffice.access import (
    OpsPermission,
    can_use_back_office,
    has_ops_permission,
)
from doorstep.core.errors import DomainError, NotFound
from doorstep.core.errors import PermissionDenied as DomainPermissionDenied
from doorstep.core.money import Money
from doorstep.core.storage import private_file_response
from doorstep.orders.queries import access_order
from doorstep.support import disputes
from doorstep.support.dispute_forms import (
    DecideForm,
    EvidenceForm,
    OpenDisputeForm,
    RespondForm,
    add_domain_error,
)
from doorstep.support.dispute_queries import dispute_record
from doorstep.support.models import Dispute, DisputeEvidence
from doorstep.support.redo import local_time


def _minor(value: Decimal | None, currency: str) -> int | None:
    """A major-unit amount from a form ("12.50") in minor units, or ``None``
    when it has more decimals than the currency."""
    if value is None:
        return None
    try:
        return Money.from_major(value, currency).amount
    except (ValueError, InvalidOperation):
        return None


def _redo_time(form, dispute: Dispute) -> datetime | None:
    """The form's redo time in the order's time zone; an error beside the
    field when it is not a time."""
    text = form.cleaned_data.get("redo_at") or ""
    if not text:
        return None
    when = local_time(text, dispute.order.time_zone)
    if when is None:
        form.add_error("redo_at", _("Choose a day and a time for the redo."))
    return when


# --- The parties ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def open_dispute(request: HttpRequest, order_id: str) -> HttpResponse:
    try:
        order = access_order(request.user, order_id)
    except NotFound as error:
        raise Http404 from error
    form = OpenDisputeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            dispute = disputes.open_dispute(
                user=request.user,
                order_id=order.public_id,
                category=form.cleaned_data["category"],
                statement=form.cleaned_data["statement"],
                photos=form.cleaned_data["photos"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, _("Your dispute is open. We asked the other side to answer.")
            )
            return redirect("disputes:detail", dispute.public_id)
    return render(
        request,
        "support/disputes/open.html",
        {"order": order, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def my_disputes(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "support/disputes/mine.html",
        {"disputes": disputes.disputes_of(request.user)},
    )


def _party_dispute(request: HttpRequest, dispute_id: str) -> tuple[Dispute, str]:
    try:
        return disputes.access_dispute(request.user, dispute_id)
    except NotFound as error:
        raise Http404 from error


def _render_page(
    request: HttpRequest,
    dispute: Dispute,
    side: str,
    *,
    respond_form: RespondForm | None = None,
    evidence_form: EvidenceForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "support/disputes/detail.html",
        {
            "record": dispute_record(dispute),
            "dispute": dispute,
            "order": dispute.order,
            "side": side,
            "respond_form": respond_form or RespondForm(side=side),
            "evidence_form": evidence_form or EvidenceForm(),
            "may_respond": dispute.status == Dispute.Status.AWAITING_RESPONSE
            and side != dispute.opener_side,
            "may_take_offer": dispute.status == Dispute.Status.OFFER_MADE
            and side == dispute.opener_side,
        },
        status=status,
    )


@login_required
@require_GET
def dispute_page(request: HttpRequest, dispute_id: str) -> HttpResponse:
    dispute, side = _party_dispute(request, dispute_id)
    return _render_page(request, dispute, side)


@login_required
@require_POST
def respond(request: HttpRequest, dispute_id: str) -> HttpResponse:
    dispute, side = _party_dispute(request, dispute_id)
    form = RespondForm(request.POST, side=side)
    if form.is_valid():
        answer, amount, redo_at = form.cleaned_data["answer"], None, None
        if answer in ("offer", "redo"):
            typed = form.cleaned_data["amount"]
            amount = _minor(typed, dispute.currency)
            # A refund is required with an offer, and optional with a redo.
            if amount is None and (answer == "offer" or typed is not None):
                form.add_error("amount", _("Enter the refund you offer."))
        if answer == "redo":
            redo_at = _redo_time(form, dispute)
        if not form.errors:
            try:
                disputes.respond_to_dispute(
                    user=request.user,
                    dispute_id=dispute.public_id,
                    answer=answer,
                    amount=amount,
                    redo_at=redo_at,
                    statement=form.cleaned_data["statement"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Your answer was sent."))
                return redirect("disputes:detail", dispute.public_id)
    dispute.refresh_from_db()
    return _render_page(request, dispute, side, respond_form=form, status=400)


@login_required
@require_POST
def take_offer(request: HttpRequest, dispute_id: str, decision: str) -> HttpResponse:
    dispute, _side = _party_dispute(request, dispute_id)
    action = {"accept": disputes.accept_offer, "decline": disputes.decline_offer}.get(
        decision
    )
    if action is None:
        raise Http404
    try:
        dispute = action(user=request.user, dispute_id=dispute.public_id)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if decision == "decline":
            messages.success(request, _("Declined. Our support team will decide."))
        elif dispute.redo_order is not None:
            messages.success(request, _("Settled: the free redo is booked."))
        else:
            messages.success(request, _("Settled: the refund is on its way."))
    return redirect("disputes:detail", dispute.public_id)


@login_required
@require_POST
def add_evidence(request: HttpRequest, dispute_id: str) -> HttpResponse:
    dispute, side = _party_dispute(request, dispute_id)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            disputes.add_evidence(
                user=request.user,
                dispute_id=dispute.public_id,
                statement=form.cleaned_data["statement"],
                photos=form.cleaned_data["photos"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Added to the dispute."))
            return redirect("disputes:detail", dispute.public_id)
    return _render_page(request, dispute, side, evidence_form=form, status=400)


@require_GET  # before the token is read: a POST is refused, never authenticated
@session_or_token
def evidence_photo(request: HttpRequest, evidence_id: str) -> HttpResponse:
    """A photo of the evidence, to the dispute's parties or to ops who decide
    disputes (whose session passed a second factor); never cached."""
    evidence = (
        DisputeEvidence.objects.select_related("dispute__order")
        .filter(public_id=evidence_id)
        .exclude(photo="")
        .first()
    )
    if evidence is None:
        raise Http404
    allowed = disputes.party_side(request.user, evidence.dispute.order) is not None
    if not allowed and can_use_back_office(request):
        allowed = has_ops_permission(request.user, OpsPermission.DECIDE_DISPUTES)
    if not allowed:
        raise Http404
    return private_file_response(
        evidence.photo,
        filename=f"{evidence.public_id}.webp",
        content_type="image/webp",
        as_attachment=False,
    )


# --- Ops --------------------------------------------------------------------------


def _ops_only(request: HttpRequest) -> None:
    # Ops pages do not admit they exist to anyone else; ops whose role does not
    # decide disputes are told so.
    if not can_use_back_office(request):
        raise Http404
    if not has_ops_permission(request.user, OpsPermission.DECIDE_DISPUTES):
        raise PermissionDenied


@require_GET
def ops_list(request: HttpRequest) -> HttpResponse:
    _ops_only(request)
    return render(
        request,
        "support/disputes/ops_list.html",
        {
            "escalated": disputes.escalated_disputes().select_related("order"),
            "waiting": Dispute.objects.filter(
                status__in=(
                    Dispute.Status.AWAITING_RESPONSE,
                    Dispute.Status.OFFER_MADE,
                )
            ).select_related("order")[:100],
            "closed": Dispute.objects.filter(
                status__in=(Dispute.Status.SETTLED, Dispute.Status.DECIDED)
            ).select_related("order")[:50],
        },
    )


@require_http_methods(["GET", "POST"])
def ops_page(request: HttpRequest, dispute_id: str) -> HttpResponse:
    _ops_only(request)
    try:
        dispute = disputes.ops_dispute(request.user, dispute_id)
    except NotFound as error:
        raise Http404 from error
    form = DecideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        refund = _minor(form.cleaned_data["refund"], dispute.currency)
        redo_at = _redo_time(form, dispute)
        if refund is None:
            form.add_error("refund", _("Too many decimal places."))
        if not form.errors:
            try:
                disputes.decide_dispute(
                    user=request.user,
                    dispute_id=dispute.public_id,
                    refund_amount=refund,
                    reason=form.cleaned_data["reason"],
                    penalise_provider=form.cleaned_data["penalise"],
                    redo_at=redo_at,
                )
            except DomainPermissionDenied as error:
                form.add_error("penalise", error.message)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Decided. The money moves now."))
                return redirect("disputes:ops_page", dispute.public_id)
        dispute.refresh_from_db()
    return render(
        request,
        "support/disputes/ops_page.html",
        {
            "record": dispute_record(dispute, for_ops=True),
            "dispute": dispute,
            "order": dispute.order,
            "form": form,
            "trail": entries_for(dispute),
        },
        status=400 if form.errors else 200,
    )
