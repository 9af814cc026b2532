from django import template

from doorstep.accounts.models import StaffMember
from doorstep.dispatch.duty import workers_of

register = template.Library()


@register.filter
def does_jobs(user) -> bool:
    """Whether the menu shows "My jobs": an agency's staff member, or anyone
    the platform can send to jobs."""
    if not user.is_authenticated:
        return False
    return (
        StaffMember.objects.filter(user=user, is_active=True).exists()
        or workers_of(user).exists()
    )
