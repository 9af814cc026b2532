"""The agency pages under ``/agency/``: the team (staff, invitations), one
staff member's profile (skills, hours, training, assessments, documents,
performance), the performance page, and the invitee's side (their
invitations, the join link). Each view parses, calls one service, renders.

A staff member of another agency, or one the actor may not see, is a 404.
"""

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from doorstep.accounts.models import ProviderProfile, StaffMember
from doorstep.agencies import forms, queries, services
from doorstep.agencies.models import StaffInvitation
from doorstep.core.errors import DomainError, NotFound
from doorstep.core.storage import private_file_response
from doorstep.scheduling.models import Weekday
from doorstep.scheduling.services import WeeklyHours
from doorstep.trust import queries as trust_queries
from doorstep.web.forms import add_service_error

WEEKDAYS = Weekday.values


def _week(staff: StaffMember) -> list[tuple[int, str, object, object]]:
    """Each weekday with its (first) range of hours, for the hours form."""
    first: dict[int, tuple] = {}
    for rule in queries.weekly_hours_of(staff):
        first.setdefault(rule.weekday, (rule.start_time, rule.end_time))
    return [
        (value, label, *first.get(value, (None, None)))
        for value, label in Weekday.choices
    ]


def _access(request: HttpRequest, staff_id: str) -> services.StaffAccess:
    try:
        return services.access_staff(actor=request.user, staff_id=staff_id)
    except NotFound:
        raise Http404 from None


def _managing(request: HttpRequest) -> StaffMember | None:
    try:
        return services.managed_agency(request.user)
    except NotFound:
        return None


# --- The team -----------------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The team page for those who run an agency; a provider without one may
    create it; a staff member goes to their own profile."""
    manager = _managing(request)
    if manager is None:
        membership = queries.memberships_of(request.user).first()
        if membership is not None:
            return redirect("agencies:staff", staff_id=membership.public_id)
        return render(
            request,
            "agencies/start.html",
            {
                "is_provider": ProviderProfile.objects.filter(
                    user_id=request.user.pk
                ).exists(),
                "form": forms.AgencyForm(),
                "invitations": queries.pending_invitations_for(request.user),
            },
        )
    return _team_page(request, manager)


def _team_page(
    request: HttpRequest,
    manager: StaffMember,
    *,
    invite_form: forms.InvitationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    # Each invitation, its status, and whether it may be sent again or
    # withdrawn (not once accepted or withdrawn).
    resendable = {StaffInvitation.Status.PENDING, StaffInvitation.Status.EXPIRED}
    invitations = [
        (invitation, status, status in resendable)
        for invitation in queries.invitations_of(manager.agency)[:100]
        for status in [invitation.status_at(now)]
    ]
    return render(
        request,
        "agencies/team.html",
        {
            "agency": manager.agency,
            "manager": manager,
            "staff": queries.staff_of(manager.agency, include_inactive=True),
            "invitations": invitations,
            "invite_form": invite_form or forms.InvitationForm(),
        },
        status=status,
    )


@login_required
@require_POST
def create(request: HttpRequest) -> HttpResponse:
    form = forms.AgencyForm(request.POST)
    if form.is_valid():
        try:
            services.create_agency(actor=request.user, name=form.cleaned_data["name"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your agency is ready: invite your team."))
    return redirect("agencies:home")


@login_required
@require_POST
def invite(request: HttpRequest) -> HttpResponse:
    manager = _managing(request)
    if manager is None:
        raise Http404
    form = forms.InvitationForm(request.POST)
    if form.is_valid():
        try:
            services.invite_staff(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Invitation sent."))
            return redirect("agencies:home")
    return _team_page(request, manager, invite_form=form, status=400)


_INVITATION_ACTIONS = {
    "resend": (services.resend_invitation, _("Invitation sent again.")),
    "revoke": (services.revoke_invitation, _("Invitation withdrawn.")),
}


@login_required
@require_POST
def invitation_action(request: HttpRequest, invitation_id: str, action: str):
    if action not in _INVITATION_ACTIONS:
        raise Http404
    act, done = _INVITATION_ACTIONS[action]
    try:
        act(actor=request.user, invitation_id=invitation_id)
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("agencies:home")


# --- The invitee's side -------------------------------------------------------------


@login_required
@require_GET
def my_invitations(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "agencies/invitations.html",
        {"invitations": queries.pending_invitations_for(request.user)},
    )


@login_required
@require_POST
def accept_mine(request: HttpRequest, invitation_id: str) -> HttpResponse:
    try:
        staff = services.accept_my_invitation(
            actor=request.user, invitation_id=invitation_id
        )
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("agencies:invitations")
    messages.success(request, _("Welcome to %(agency)s.") % {"agency": staff.agency})
    return redirect("agencies:staff", staff_id=staff.public_id)


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation's link. Signed in: accept (the account must have the
    address it went to). Signed out: someone with an account signs in first;
    someone without one signs up here and is signed in."""
    invitation = (
        StaffInvitation.objects.select_related("agency")
        .filter(digest=services.token_digest(token))
        .first()
    )
    if invitation is None:
        raise Http404
    is_open = invitation.is_open_at(timezone.now())
    has_account = (
        services.user_with_contact(invitation.email, invitation.phone) is not None
    )
    if not request.user.is_authenticated and has_account and is_open:
        return redirect_to_login(request.get_full_path())
    data = request.POST if request.method == "POST" else None
    # Signed in, there is nothing to fill in: the form only carries the refusal.
    form = (
        django_forms.Form(data)
        if request.user.is_authenticated
        else forms.JoinForm(data)
    )
    if request.method == "POST" and is_open:
        try:
            if request.user.is_authenticated:
                staff = services.accept_invitation(actor=request.user, token=token)
            elif form.is_valid():
                user, staff = services.sign_up_by_invitation(
                    token=token,
                    name=form.cleaned_data["name"],
                    password=form.cleaned_data["password"],
                )
                login(
                    request, user, backend="django.contrib.auth.backends.ModelBackend"
                )
            else:
                staff = None
        except DomainError as error:
            add_service_error(form, error)
        else:
            if staff is not None:
                messages.success(
                    request, _("Welcome to %(agency)s.") % {"agency": staff.agency}
                )
                return redirect("agencies:staff", staff_id=staff.public_id)
    return render(
        request,
        "agencies/join.html",
        {"invitation": invitation, "is_open": is_open, "form": form},
        status=400 if form.errors else 200,
    )


# --- One staff member ---------------------------------------------------------------


def _staff_page(
    request: HttpRequest,
    access: services.StaffAccess,
    *,
    failed: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    staff = access.staff
    worker = getattr(staff, "dispatch_worker", None)
    manages = access.manager is not None
    failed = failed or {}
    requirements = trust_queries.staff_requirements_for(staff) if manages else []
    context = {
        "staff": staff,
        "worker": worker,
        "manages": manages,
        "is_owner": manages and access.manager.role == StaffMember.Role.OWNER,
        "skills": queries.skills_of(staff),
        "hours": queries.weekly_hours_of(staff),
        "time_off": queries.time_off_of(staff),
        "training": queries.training_of(staff),
        "assessments": queries.assessments_of(staff),
        "documents": trust_queries.staff_verification_rows(staff),
        "upcoming": queries.jobs_of(staff, upcoming=True, limit=10),
        "performance": queries.staff_performance(staff),
        "week": _week(staff),
        "profile_form": failed.get("profile")
        or forms.ProfileForm(
            initial={
                "display_name": staff.display_name,
                "languages": ", ".join(staff.languages or []),
            }
        ),
        "skills_form": failed.get("skills")
        or forms.SkillsForm(
            initial={
                "categories": [category.slug for category in queries.skills_of(staff)],
                "base_latitude": worker.base_latitude if worker else None,
                "base_longitude": worker.base_longitude if worker else None,
                "service_radius_km": worker.service_radius_km if worker else None,
                "accepts_dispatch": worker.accepts_dispatch if worker else False,
            }
        ),
        "role_form": forms.RoleForm(initial={"role": staff.role}),
        "training_form": failed.get("training") or forms.TrainingForm(),
        "assessment_form": failed.get("assessment") or forms.AssessmentForm(),
        "time_off_form": failed.get("time_off") or forms.TimeOffForm(),
        "document_form": failed.get("document")
        or forms.StaffDocumentForm(requirements=requirements),
    }
    return render(request, "agencies/staff.html", context, status=status)


@login_required
@require_GET
def staff(request: HttpRequest, staff_id: str) -> HttpResponse:
    return _staff_page(request, _access(request, staff_id))


def _submit(
    request: HttpRequest,
    staff_id: str,
    name: str,
    form,
    act,
    done: str,
) -> HttpResponse:
    """Validate ``form``, call ``act(cleaned_data)``; show the page with the
    form's errors beside its fields on refusal."""
    access = _access(request, staff_id)
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except NotFound:
            raise Http404 from None
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(request, done)
            return redirect("agencies:staff", staff_id=staff_id)
    return _staff_page(request, access, failed={name: form}, status=400)


@login_required
@require_POST
def update_profile(request: HttpRequest, staff_id: str) -> HttpResponse:
    form = forms.ProfileForm(request.POST, request.FILES)
    return _submit(
        request,
        staff_id,
        "profile",
        form,
        lambda data: services.update_staff_profile(
            actor=request.user,
            staff_id=staff_id,
            display_name=data["display_name"],
            languages=data["languages"],
            photo=data["photo"],
        ),
        _("Profile saved."),
    )


@login_required
@require_POST
def update_skills(request: HttpRequest, staff_id: str) -> HttpResponse:
    form = forms.SkillsForm(request.POST)
    return _submit(
        request,
        staff_id,
        "skills",
        form,
        lambda data: services.update_staff_profile(
            actor=request.user,
            staff_id=staff_id,
            categories=[category.slug for category in data["categories"]],
            base_latitude=data["base_latitude"],
            base_longitude=data["base_longitude"],
            service_radius_km=data["service_radius_km"],
            accepts_dispatch=data["accepts_dispatch"],
        ),
        _("Skills and service area saved."),
    )


@login_required
@require_POST
def change_role(request: HttpRequest, staff_id: str) -> HttpResponse:
    form = forms.RoleForm(request.POST)
    return _submit(
        request,
        staff_id,
        "role",
        form,
        lambda data: services.change_role(
            actor=request.user, staff_id=staff_id, role=data["role"]
        ),
        _("Role changed."),
    )


@login_required
@require_POST
def deactivate(request: HttpRequest, staff_id: str) -> HttpResponse:
    _access(request, staff_id)
    try:
        services.deactivate_staff(actor=request.user, staff_id=staff_id)
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Staff member deactivated; their history stays."))
    return redirect("agencies:staff", staff_id=staff_id)


@login_required
@require_POST
def add_training(request: HttpRequest, staff_id: str) -> HttpResponse:
    form = forms.TrainingForm(request.POST, request.FILES)
    return _submit(
        request,
        staff_id,
        "training",
        form,
        lambda data: services.add_training_record(
            actor=request.user, staff_id=staff_id, **data
        ),
        _("Training recorded."),
    )


@login_required
@require_POST
def add_assessment(request: HttpRequest, staff_id: str) -> HttpResponse:
    form = forms.AssessmentForm(request.POST)
    return _submit(
        request,
        staff_id,
        "assessment",
        form,
        lambda data: services.add_assessment(
            actor=request.user, staff_id=staff_id, **data
        ),
        _("Assessment recorded."),
    )


@login_required
@require_POST
def add_time_off(request: HttpRequest, staff_id: str) -> HttpResponse:
    form = forms.TimeOffForm(request.POST)
    return _submit(
        request,
        staff_id,
        "time_off",
        form,
        lambda data: services.add_staff_exception(
            actor=request.user,
            staff_id=staff_id,
            day=data["date"],
            kind=data["kind"],
            start_time=data["start_time"],
            end_time=data["end_time"],
            note=data["note"],
        ),
        _("Saved."),
    )


@login_required
@require_POST
def set_hours(request: HttpRequest, staff_id: str) -> HttpResponse:
    """Weekly hours: one optional start–end pair per weekday (``start_<n>``,
    ``end_<n>``, HH:MM)."""
    access = _access(request, staff_id)
    rules: list[WeeklyHours] = []
    field = django_forms.TimeField(required=False)
    try:
        for weekday in WEEKDAYS:
            start = field.clean(request.POST.get(f"start_{weekday}", ""))
            end = field.clean(request.POST.get(f"end_{weekday}", ""))
            if start and end:
                rules.append(WeeklyHours(weekday, start, end))
        services.set_staff_weekly_hours(
            actor=request.user, staff_id=staff_id, rules=rules
        )
    except ValidationError:
        messages.error(request, _("Enter times as HH:MM."))
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Weekly hours saved."))
    return redirect("agencies:staff", staff_id=access.staff.public_id)


@login_required
@require_POST
def upload_document(request: HttpRequest, staff_id: str) -> HttpResponse:
    access = _access(request, staff_id)
    requirements = trust_queries.staff_requirements_for(access.staff)
    form = forms.StaffDocumentForm(
        request.POST, request.FILES, requirements=requirements
    )
    return _submit(
        request,
        staff_id,
        "document",
        form,
        lambda data: services.upload_staff_document(
            actor=request.user,
            staff_id=staff_id,
            requirement_id=data["requirement"],
            upload=data["file"],
            number=data["number"],
            expires_on=data["expires_on"],
        ),
        _("Document uploaded: our team will review it."),
    )


@login_required
@require_GET
def certificate(request: HttpRequest, record_id: str) -> HttpResponse:
    """A training certificate, to the staff member and their agency's managers;
    an attachment, never cached."""
    try:
        record = services.access_training_record(
            actor=request.user, record_id=record_id
        )
    except NotFound:
        raise Http404 from None
    if not record.certificate:
        raise Http404
    extension = record.certificate.name.rsplit(".", 1)[-1]
    return private_file_response(
        record.certificate,
        filename=f"{record.public_id}.{extension}",
        content_type=record.certificate_type,
    )


# --- Performance --------------------------------------------------------------------


@login_required
@require_GET
def performance(request: HttpRequest) -> HttpResponse:
    manager = _managing(request)
    if manager is None:
        raise Http404
    return render(
        request,
        "agencies/performance.html",
        {
            "agency": manager.agency,
            "result": queries.agency_performance(manager.agency),
            "team_url": reverse("agencies:home"),
        },
    )
