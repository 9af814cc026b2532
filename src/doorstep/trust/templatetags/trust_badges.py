"""Badges in templates: ``{% provider_badges provider %}`` on a provider's card
and profile, ``{% badge_kinds hit.badges %}`` on a search result card (whose
badges came with the page of hits, in one query)."""

from django import template

from doorstep.trust.badge_queries import shown_badge, shown_badges_of

register = template.Library()


@register.inclusion_tag("trust/badges/_badges.html")
def provider_badges(provider, compact: bool = False) -> dict:
    """The provider's live badges (one query)."""
    return {"badges": shown_badges_of(provider), "compact": compact}


@register.inclusion_tag("trust/badges/_badges.html")
def badge_kinds(kinds, compact: bool = True) -> dict:
    """Badges from their kinds, already read (search hits)."""
    return {"badges": [shown_badge(kind) for kind in kinds or ()], "compact": compact}
