"""The badge a provider's plan gives, on their profile and listing cards."""

from django import template
from django.utils.html import format_html

from doorstep.subscriptions.perks import perks_of

register = template.Library()


@register.simple_tag
def plan_badge(provider) -> str:
    badge = perks_of(provider).badge
    if not badge:
        return ""
    return format_html(
        '<span class="badge badge--plan" data-plan-badge>{}</span>', badge
    )
