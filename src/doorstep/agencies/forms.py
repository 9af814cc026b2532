"""The agency pages' forms: they parse; the services judge."""

from django import forms
from django.utils.translation import gettext_lazy as _

from doorstep.accounts.models import StaffMember
from doorstep.catalog.models import Category
from doorstep.scheduling.models import AvailabilityException

_DATE = forms.DateInput(attrs={"type": "date"})
_ROLES = [
    (StaffMember.Role.WORKER, StaffMember.Role.WORKER.label),
    (StaffMember.Role.MANAGER, StaffMember.Role.MANAGER.label),
]


class AgencyForm(forms.Form):
    name = forms.CharField(label=_("Agency name"), max_length=150)


class InvitationForm(forms.Form):
    display_name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"), required=False)
    phone = forms.CharField(label=_("Phone number"), max_length=20, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=_ROLES)


class JoinForm(forms.Form):
    """Signing up from an invitation: a name, and a password for e-mail invitees."""

    name = forms.CharField(label=_("Your name"), max_length=150)
    password = forms.CharField(
        label=_("Choose a password"), widget=forms.PasswordInput, required=False
    )


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=150)
    languages = forms.CharField(
        label=_("Languages spoken"),
        required=False,
        help_text=_("Language codes separated by commas, e.g. zh-hans, en."),
    )
    photo = forms.ImageField(label=_("Photo"), required=False)

    def clean_languages(self) -> list[str]:
        raw = self.cleaned_data.get("languages") or ""
        return [code.strip() for code in raw.split(",") if code.strip()]


class SkillsForm(forms.Form):
    """What the agency decides for a staff member: skills and service area."""

    categories = forms.ModelMultipleChoiceField(
        label=_("Skills"),
        queryset=Category.objects.order_by("slug"),
        required=False,
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
    )
    base_latitude = forms.FloatField(label=_("Base latitude"))
    base_longitude = forms.FloatField(label=_("Base longitude"))
    service_radius_km = forms.DecimalField(
        label=_("Service radius (km)"), max_digits=5, decimal_places=1
    )
    accepts_dispatch = forms.BooleanField(
        label=_("Takes platform jobs"), required=False
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=_ROLES)


class TrainingForm(forms.Form):
    course = forms.CharField(label=_("Course"), max_length=150)
    issuer = forms.CharField(
        label=_("Provider or issuer"), max_length=150, required=False
    )
    completed_on = forms.DateField(label=_("Completed on"), widget=_DATE)
    expires_on = forms.DateField(label=_("Expires on"), widget=_DATE, required=False)
    certificate = forms.FileField(label=_("Certificate"), required=False)


class AssessmentForm(forms.Form):
    subject = forms.CharField(label=_("What was assessed"), max_length=150)
    score = forms.IntegerField(label=_("Score (0–100)"), min_value=0, max_value=100)
    assessed_on = forms.DateField(label=_("Assessed on"), widget=_DATE)
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class TimeOffForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=_DATE)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=AvailabilityException.Kind.choices
    )
    start_time = forms.TimeField(
        label=_("From"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    end_time = forms.TimeField(
        label=_("Until"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    note = forms.CharField(label=_("Note"), max_length=120, required=False)


class StaffDocumentForm(forms.Form):
    requirement = forms.ChoiceField(label=_("Document"))
    file = forms.FileField(label=_("File"))
    number = forms.CharField(label=_("Document number"), max_length=64, required=False)
    expires_on = forms.DateField(label=_("Valid until"), widget=_DATE, required=False)

    def __init__(self, *args, requirements=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["requirement"].choices = [
            (
                str(requirement.pk),
                f"{requirement.document_type}"
                + (f" · {requirement.category.name}" if requirement.category else ""),
            )
            for requirement in requirements
        ]
