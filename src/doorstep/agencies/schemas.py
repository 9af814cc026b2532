"""Request and response shapes of the agency API."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema

from doorstep.accounts.models import StaffMember
from doorstep.accounts.schemas import ServiceRadius
from doorstep.agencies.models import Assessment, StaffInvitation, TrainingRecord
from doorstep.agencies.queries import Performance, skills_of
from doorstep.api.schemas import InputSchema, MoneyOut, PatchSchema
from doorstep.scheduling.schemas import WeeklyHoursIn


class AgencyIn(InputSchema):
    name: str = Field(min_length=1, max_length=150)


class AgencyOut(Schema):
    id: str
    name: str
    owner: str = Field(description="The owner's staff member id.")
    my_role: str


class StaffOut(Schema):
    id: str
    display_name: str
    role: str
    languages: list[str]
    is_active: bool
    joined_at: date
    left_at: date | None
    skills: list[str] = Field(description="Category slugs.")
    accepts_dispatch: bool
    base_latitude: float | None
    base_longitude: float | None
    service_radius_km: Decimal | None

    @staticmethod
    def resolve_id(staff: StaffMember) -> str:
        return staff.public_id

    @staticmethod
    def resolve_skills(staff: StaffMember) -> list[str]:
        return [category.slug for category in skills_of(staff)]

    @staticmethod
    def resolve_accepts_dispatch(staff: StaffMember) -> bool:
        worker = getattr(staff, "dispatch_worker", None)
        return bool(worker and worker.accepts_dispatch)

    @staticmethod
    def resolve_base_latitude(staff: StaffMember) -> float | None:
        worker = getattr(staff, "dispatch_worker", None)
        return worker.base_latitude if worker else None

    @staticmethod
    def resolve_base_longitude(staff: StaffMember) -> float | None:
        worker = getattr(staff, "dispatch_worker", None)
        return worker.base_longitude if worker else None

    @staticmethod
    def resolve_service_radius_km(staff: StaffMember) -> Decimal | None:
        worker = getattr(staff, "dispatch_worker", None)
        return worker.service_radius_km if worker else None


class StaffPatchIn(PatchSchema):
    display_name: str | None = Field(None, min_length=1, max_length=150)
    languages: list[str] | None = Field(None, max_length=20)
    skills: list[str] | None = Field(None, max_length=100, description="Slugs.")
    base_latitude: float | None = Field(None, ge=-90, le=90)
    base_longitude: float | None = Field(None, ge=-180, le=180)
    service_radius_km: ServiceRadius | None = None
    accepts_dispatch: bool | None = None


class RoleIn(InputSchema):
    role: str = Field(pattern="^(worker|manager)$")


class InvitationIn(InputSchema):
    display_name: str = Field(min_length=1, max_length=150)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=20)
    role: str = Field("worker", pattern="^(worker|manager)$")


class InvitationOut(Schema):
    id: str
    agency: str
    display_name: str
    email: str
    phone: str
    role: str
    status: str = Field(description="pending, accepted, revoked or expired.")
    created_at: datetime
    expires_at: datetime
    times_sent: int

    @staticmethod
    def resolve_id(invitation: StaffInvitation) -> str:
        return invitation.public_id

    @staticmethod
    def resolve_agency(invitation: StaffInvitation) -> str:
        return invitation.agency.name

    @staticmethod
    def resolve_status(invitation: StaffInvitation) -> str:
        from django.utils import timezone

        return invitation.status_at(timezone.now())


class AcceptIn(InputSchema):
    token: str = Field(min_length=10, max_length=100)


class TrainingOut(Schema):
    id: str
    course: str
    issuer: str
    completed_on: date
    expires_on: date | None
    has_certificate: bool

    @staticmethod
    def resolve_id(record: TrainingRecord) -> str:
        return record.public_id

    @staticmethod
    def resolve_has_certificate(record: TrainingRecord) -> bool:
        return bool(record.certificate)


class AssessmentIn(InputSchema):
    subject: str = Field(min_length=1, max_length=150)
    score: int = Field(ge=0, le=100)
    assessed_on: date
    notes: str = Field("", max_length=2000)


class AssessmentOut(Schema):
    id: str
    subject: str
    score: int
    assessed_on: date
    notes: str

    @staticmethod
    def resolve_id(assessment: Assessment) -> str:
        return assessment.public_id


class HoursIn(InputSchema):
    rules: list[WeeklyHoursIn] = Field(max_length=50)


class PerformanceOut(Schema):
    jobs_done: int
    reviews: int
    rating: float | None
    on_time_rate: float | None = Field(
        description="Share of started jobs started by their time plus 15 minutes."
    )
    complaints: int
    served: list[MoneyOut] = Field(
        description="Subtotals of completed orders, per currency."
    )

    @staticmethod
    def resolve_served(performance: Performance) -> list[dict]:
        return [
            {"amount": money.amount, "currency": money.currency}
            for money in performance.earnings_list
        ]


class StaffPerformanceOut(Schema):
    staff: str
    display_name: str
    performance: PerformanceOut


class AgencyPerformanceOut(Schema):
    total: PerformanceOut
    average_assessment: float | None
    staff: list[StaffPerformanceOut]


class StaffPageOut(Schema):
    items: list[StaffOut]
    next: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


class InvitationPageOut(Schema):
    items: list[InvitationOut]
    next: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )
