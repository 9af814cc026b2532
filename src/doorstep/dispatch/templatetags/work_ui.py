from django import template

from doorstep.accounts.models import StaffMember
from doorstep.dispatch.models import Worker

register = template.Library()


@register.filter
def does_jobs(user) -> bool:
    """Whether the menu shows "My jobs": an agency's staff member, or a
    provider the platform can send to jobs (one query for most people)."""
    if not user.is_authenticated:
        return False
    return StaffMember.objects.filter(user=user, is_active=True).exists() or (
        user.is_provider
        and Worker.objects.filter(provider__user=user, staff__isnull=True).exists()
    )
