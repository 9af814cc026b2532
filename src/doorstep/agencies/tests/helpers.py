"""Builders for agency tests: an agency made through the real services, and
people joined to it by invitation."""

from doorstep.accounts.models import Agency, StaffMember, User
from doorstep.agencies import services
from doorstep.dispatch.tests.helpers import after_commit
from tests.factories import make_provider, make_user


def agency_with_owner(name: str = "Bright Homes") -> tuple[Agency, User]:
    owner = make_provider(time_zone="Asia/Shanghai")
    with after_commit():
        agency = services.create_agency(actor=owner.user, name=name)
    return agency, owner.user


def join_as(
    agency: Agency, *, role: str = StaffMember.Role.WORKER, name: str = "Wei Zhang"
) -> StaffMember:
    """A new person invited by e-mail by the owner and accepting signed in."""
    person = make_user(name=name)
    with after_commit():
        _invitation, token = services.invite_staff(
            actor=agency.owner, display_name=name, email=person.email, role=role
        )
    return services.accept_invitation(actor=person, token=token)
