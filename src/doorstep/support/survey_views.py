"""The follow-up survey as the customer answers it, and the satisfaction trend
ops watch."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from doorstep.backoffice.access import (
    OpsPermission,
    can_use_back_office,
    has_ops_permission,
)
from doorstep.core.errors import Conflict, DomainError, NotFound
from doorstep.support import satisfaction, surveys
from doorstep.support.help_forms import SurveyForm
from doorstep.web.forms import add_service_error


@login_required
@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, invitation_id: str) -> HttpResponse:
    """Only the order's customer sees it (anyone else: 404); answered once —
    after that the page thanks them, and a second answer is refused (409)."""
    try:
        invitation = surveys.access_invitation(request.user, invitation_id)
    except NotFound as error:
        raise Http404 from error
    context = {"invitation": invitation, "order": invitation.order}
    if invitation.is_answered:
        return render(
            request,
            "support/survey_answered.html",
            {**context, "response": invitation.response},
            status=409 if request.method == "POST" else 200,
        )
    form = SurveyForm(
        request.POST if request.method == "POST" else None, invitation=invitation
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            response = surveys.answer_survey(
                user=request.user,
                invitation_id=invitation.public_id,
                csat=data["csat"],
                nps=data.get("nps"),
                comment=data["comment"],
            )
        except Conflict:
            invitation.refresh_from_db()
            return render(
                request,
                "support/survey_answered.html",
                {**context, "response": invitation.response},
                status=409,
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            return render(
                request,
                "support/survey_answered.html",
                {**context, "response": response, "just_answered": True},
            )
    return render(
        request,
        "support/survey.html",
        {**context, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
def ops_satisfaction(request: HttpRequest) -> HttpResponse:
    if not can_use_back_office(request):
        raise Http404
    if not has_ops_permission(request.user, OpsPermission.HANDLE_TICKETS):
        raise DjangoPermissionDenied
    trend = satisfaction.satisfaction_trend()
    return render(
        request,
        "support/ops_satisfaction.html",
        {"trend": trend, "weeks": list(reversed(trend.weeks))},
    )
