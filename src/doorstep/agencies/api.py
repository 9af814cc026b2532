"""The agency API (``/agency/…``): the agency, its staff, invitations,
training, assessments, availability and performance; and the invitee's side
(``/me/agency-invitations``, ``/agency/invitations/accept``).

Handlers parse, call one service, shape output. Staff ids from another agency
answer 404 exactly like ids that do not exist; errors are problem+json.
"""

from datetime import date

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from doorstep.accounts.models import Agency, StaffMember, User
from doorstep.agencies import queries, services
from doorstep.agencies.models import StaffInvitation
from doorstep.agencies.schemas import (
    AcceptIn,
    AgencyIn,
    AgencyOut,
    AgencyPerformanceOut,
    AssessmentIn,
    AssessmentOut,
    HoursIn,
    InvitationIn,
    InvitationOut,
    InvitationPageOut,
    RoleIn,
    StaffOut,
    StaffPageOut,
    StaffPatchIn,
    StaffPerformanceOut,
    TrainingOut,
)
from doorstep.api.pagination import CursorPageIn, CursorPagination
from doorstep.core.errors import DomainError
from doorstep.scheduling.schemas import ExceptionIn, ExceptionOut, exception_out
from doorstep.scheduling.services import WeeklyHours
from doorstep.trust.api import DAY_OR_NOTHING, DocumentOut

# A day that must be given (YYYY-MM-DD).
DAY = DAY_OR_NOTHING.replace(")?$", ")$")

router = Router(tags=["agency"])


def _caller(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,return-value]


def _agency_out(membership: StaffMember) -> dict:
    agency = membership.agency
    owner = StaffMember.objects.filter(agency=agency, role="owner").first()
    return {
        "id": agency.public_id,
        "name": agency.name,
        "owner": owner.public_id if owner else "",
        "my_role": membership.role,
    }


def _staff(request: HttpRequest, staff_id: str, *, manage: bool = False):
    return services.access_staff(
        actor=_caller(request), staff_id=staff_id, manage=manage
    ).staff


def _day(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        message = _("There is no such day.")
        raise DomainError("invalid_date", message, fields={field: [message]}) from None


# --- The agency ---------------------------------------------------------------------


@router.post(
    "/agency",
    response={201: AgencyOut},
    summary="Turn my provider account into an agency I own",
)
def create_agency(request: HttpRequest, payload: AgencyIn) -> Status:
    user = _caller(request)
    services.create_agency(actor=user, name=payload.name)
    return Status(201, _agency_out(services.managed_agency(user)))


@router.get("/agency", response=AgencyOut, summary="The agency I run")
def get_agency(request: HttpRequest) -> dict:
    return _agency_out(services.managed_agency(_caller(request)))


@router.patch("/agency", response=AgencyOut, summary="Rename the agency I run")
def rename_agency(request: HttpRequest, payload: AgencyIn) -> dict:
    user = _caller(request)
    services.rename_agency(actor=user, name=payload.name)
    return _agency_out(services.managed_agency(user))


@router.get(
    "/agency/performance",
    response=AgencyPerformanceOut,
    summary="Jobs, ratings, punctuality, complaints and served value, per staff",
)
def agency_performance(request: HttpRequest) -> dict:
    agency: Agency = services.managed_agency(_caller(request)).agency
    result = queries.agency_performance(agency)
    return {
        "total": result.total,
        "average_assessment": result.average_assessment,
        "staff": [
            {
                "staff": member.public_id,
                "display_name": member.display_name,
                "performance": performance,
            }
            for member, performance in result.rows
        ],
    }


# --- Staff --------------------------------------------------------------------------


@router.get(
    "/agency/staff",
    response=StaffPageOut,
    summary="The agency's staff",
    description="In id order. `?limit=&cursor=` as every list.",
)
def list_staff(
    request: HttpRequest, page: Query[CursorPageIn], include_inactive: bool = False
) -> dict:
    agency = services.managed_agency(_caller(request)).agency
    return CursorPagination(field=None, ascending=True).paginate_queryset(
        queries.staff_of(agency, include_inactive=include_inactive),
        pagination=page,
        request=request,
    )


@router.get(
    "/agency/staff/{staff_id}",
    response=StaffOut,
    summary="A staff member (managers, or the staff member themself)",
)
def get_staff(request: HttpRequest, staff_id: str) -> StaffMember:
    return _staff(request, staff_id)


@router.patch(
    "/agency/staff/{staff_id}",
    response=StaffOut,
    summary="Change a staff member's profile, skills or service area",
    description=(
        "A staff member changes their own `display_name` and `languages`; the "
        "agency's managers also `skills` (category slugs), base, radius and "
        "`accepts_dispatch`."
    ),
)
def update_staff(
    request: HttpRequest, staff_id: str, payload: StaffPatchIn
) -> StaffMember:
    changes = payload.model_dump(exclude_unset=True)
    if "skills" in changes:
        changes["categories"] = changes.pop("skills")
    staff = services.update_staff_profile(
        actor=_caller(request), staff_id=staff_id, **changes
    )
    return _staff(request, staff.public_id)


@router.post(
    "/agency/staff/{staff_id}/role",
    response=StaffOut,
    summary="Make a staff member a manager or service staff (the owner only)",
)
def change_role(request: HttpRequest, staff_id: str, payload: RoleIn) -> StaffMember:
    services.change_role(actor=_caller(request), staff_id=staff_id, role=payload.role)
    return _staff(request, staff_id)


@router.post(
    "/agency/staff/{staff_id}/deactivate",
    response=StaffOut,
    summary="Take a staff member off the team (their history stays)",
)
def deactivate(request: HttpRequest, staff_id: str) -> StaffMember:
    services.deactivate_staff(actor=_caller(request), staff_id=staff_id)
    return _staff(request, staff_id)


@router.get(
    "/agency/staff/{staff_id}/performance",
    response=StaffPerformanceOut,
    summary="One staff member's record",
)
def staff_performance(request: HttpRequest, staff_id: str) -> dict:
    staff = _staff(request, staff_id)
    return {
        "staff": staff.public_id,
        "display_name": staff.display_name,
        "performance": queries.staff_performance(staff),
    }


# --- Training, assessments, documents -----------------------------------------------


@router.get(
    "/agency/staff/{staff_id}/training",
    response=list[TrainingOut],
    summary="A staff member's training records",
)
def list_training(request: HttpRequest, staff_id: str):
    return list(queries.training_of(_staff(request, staff_id)))


@router.post(
    "/agency/staff/{staff_id}/training",
    response={201: TrainingOut},
    summary="Record a completed course, with its certificate",
    description=(
        "`multipart/form-data`: `course`, `issuer`, `completed_on` and "
        "`expires_on` (YYYY-MM-DD), and optionally the certificate in "
        "`certificate` (a PDF or a photo, at most 10 MB; kept privately)."
    ),
)
def add_training(
    request: HttpRequest,
    staff_id: str,
    certificate: File[UploadedFile] = None,
    course: str = Form(..., min_length=1, max_length=150),
    issuer: Form[str] = "",
    completed_on: str = Form(..., pattern=DAY),
    expires_on: str = Form("", pattern=DAY_OR_NOTHING),
) -> Status:
    completed = _day(completed_on, "completed_on")
    if completed is None:
        message = _("Enter the date the course was completed.")
        raise DomainError("invalid_input", message, fields={"completed_on": [message]})
    return Status(
        201,
        services.add_training_record(
            actor=_caller(request),
            staff_id=staff_id,
            course=course,
            issuer=issuer,
            completed_on=completed,
            expires_on=_day(expires_on, "expires_on"),
            certificate=certificate,
        ),
    )


@router.delete(
    "/agency/training/{record_id}",
    response={204: None},
    summary="Remove a training record",
)
def remove_training(request: HttpRequest, record_id: str) -> Status:
    services.remove_training_record(actor=_caller(request), record_id=record_id)
    return Status(204, None)


@router.get(
    "/agency/staff/{staff_id}/assessments",
    response=list[AssessmentOut],
    summary="A staff member's assessments",
)
def list_assessments(request: HttpRequest, staff_id: str):
    return list(queries.assessments_of(_staff(request, staff_id)))


@router.post(
    "/agency/staff/{staff_id}/assessments",
    response={201: AssessmentOut},
    summary="Record an assessment, scored 0–100",
)
def add_assessment(
    request: HttpRequest, staff_id: str, payload: AssessmentIn
) -> Status:
    return Status(
        201,
        services.add_assessment(
            actor=_caller(request),
            staff_id=staff_id,
            subject=payload.subject,
            score=payload.score,
            assessed_on=payload.assessed_on,
            notes=payload.notes,
        ),
    )


@router.get(
    "/agency/staff/{staff_id}/documents",
    response=list[DocumentOut],
    summary="A staff member's documents (numbers redacted)",
)
def list_documents(request: HttpRequest, staff_id: str):
    from doorstep.trust.queries import current_staff_documents

    return current_staff_documents(_staff(request, staff_id))


@router.post(
    "/agency/staff/{staff_id}/documents",
    response={201: DocumentOut},
    summary="Upload a staff member's document for ops' review",
    description=(
        "`multipart/form-data` as `POST /me/verification/documents`; "
        "`requirement` is one of the requirements that apply to the agency."
    ),
)
def upload_document(
    request: HttpRequest,
    staff_id: str,
    file: File[UploadedFile],
    requirement: str = Form(..., min_length=1, max_length=64),
    number: Form[str] = "",
    expires_on: str = Form("", pattern=DAY_OR_NOTHING),
) -> Status:
    return Status(
        201,
        services.upload_staff_document(
            actor=_caller(request),
            staff_id=staff_id,
            requirement_id=requirement,
            upload=file,
            number=number,
            expires_on=_day(expires_on, "expires_on"),
        ),
    )


# --- Availability -------------------------------------------------------------------


@router.put(
    "/agency/staff/{staff_id}/hours",
    response={204: None},
    summary="Replace a staff member's weekly hours",
)
def replace_hours(request: HttpRequest, staff_id: str, payload: HoursIn) -> Status:
    services.set_staff_weekly_hours(
        actor=_caller(request),
        staff_id=staff_id,
        rules=[
            WeeklyHours(rule.weekday, rule.start_time, rule.end_time)
            for rule in payload.rules
        ],
    )
    return Status(204, None)


@router.post(
    "/agency/staff/{staff_id}/time-off",
    response={201: ExceptionOut},
    summary="Add time off (or extra hours) for a staff member",
)
def add_time_off(request: HttpRequest, staff_id: str, payload: ExceptionIn):
    exception = services.add_staff_exception(
        actor=_caller(request),
        staff_id=staff_id,
        day=payload.date,
        kind=payload.kind,
        start_time=payload.start_time,
        end_time=payload.end_time,
        note=payload.note,
    )
    return Status(201, exception_out(exception))


@router.delete(
    "/agency/staff/{staff_id}/time-off/{exception_id}",
    response={204: None},
    summary="Remove a staff member's time off",
)
def remove_time_off(request: HttpRequest, staff_id: str, exception_id: str) -> Status:
    services.remove_staff_exception(
        actor=_caller(request), staff_id=staff_id, exception_id=exception_id
    )
    return Status(204, None)


# --- Invitations --------------------------------------------------------------------


@router.get(
    "/agency/invitations",
    response=InvitationPageOut,
    summary="The agency's invitations",
    description="Newest first. `?limit=&cursor=` as every list.",
)
def list_invitations(request: HttpRequest, page: Query[CursorPageIn]) -> dict:
    agency = services.managed_agency(_caller(request)).agency
    return CursorPagination().paginate_queryset(
        queries.invitations_of(agency).select_related("agency"),
        pagination=page,
        request=request,
    )


@router.post(
    "/agency/invitations",
    response={201: InvitationOut},
    summary="Invite someone by e-mail address or phone number",
    description="Give `email` or `phone`, not both. The invitee is sent a link.",
)
def invite(request: HttpRequest, payload: InvitationIn) -> Status:
    invitation, _token = services.invite_staff(
        actor=_caller(request),
        display_name=payload.display_name,
        email=payload.email,
        phone=payload.phone,
        role=payload.role,
    )
    return Status(201, invitation)


@router.post(
    "/agency/invitations/{invitation_id}/resend",
    response=InvitationOut,
    summary="Send an invitation again, with a new link",
)
def resend(request: HttpRequest, invitation_id: str) -> StaffInvitation:
    invitation, _token = services.resend_invitation(
        actor=_caller(request), invitation_id=invitation_id
    )
    return invitation


@router.post(
    "/agency/invitations/{invitation_id}/revoke",
    response=InvitationOut,
    summary="Withdraw an invitation",
)
def revoke(request: HttpRequest, invitation_id: str) -> StaffInvitation:
    return services.revoke_invitation(
        actor=_caller(request), invitation_id=invitation_id
    )


@router.post(
    "/agency/invitations/accept",
    response=StaffOut,
    summary="Accept an invitation with the token from its link",
    description=(
        "The signed-in account must have the e-mail address or phone number "
        "the invitation was sent to (403 `invitation_for_someone_else`)."
    ),
)
def accept(request: HttpRequest, payload: AcceptIn) -> StaffMember:
    staff = services.accept_invitation(actor=_caller(request), token=payload.token)
    return _staff(request, staff.public_id)


@router.get(
    "/me/agency-invitations",
    response=list[InvitationOut],
    summary="Open invitations sent to my verified e-mail address or phone",
)
def my_invitations(request: HttpRequest):
    return list(queries.pending_invitations_for(_caller(request)))


@router.post(
    "/me/agency-invitations/{invitation_id}/accept",
    response=StaffOut,
    summary="Accept an invitation sent to me",
)
def accept_mine(request: HttpRequest, invitation_id: str) -> StaffMember:
    staff = services.accept_my_invitation(
        actor=_caller(request), invitation_id=invitation_id
    )
    return _staff(request, staff.public_id)


@router.get(
    "/me/staff-memberships",
    response=list[StaffOut],
    summary="The agencies I work for: my staff profiles",
)
def my_memberships(request: HttpRequest):
    return list(queries.memberships_of(_caller(request)))
