"""Reading badges for display and for search: which live badges each provider
holds, in one query for a whole page, in the order customers see them."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from doorstep.trust.badges import live_badges
from doorstep.trust.models import BadgeKind

# The order badges are shown in, and their icons (web/static/web/icons.svg).
BADGE_ORDER = (
    BadgeKind.TOP_PROVIDER,
    BadgeKind.ID_VERIFIED,
    BadgeKind.BACKGROUND_CHECKED,
    BadgeKind.LICENSED,
    BadgeKind.HEALTH_CERTIFICATE,
)
ICONS = {
    BadgeKind.TOP_PROVIDER: "award",
    BadgeKind.ID_VERIFIED: "shield",
    BadgeKind.BACKGROUND_CHECKED: "check",
    BadgeKind.LICENSED: "key",
    BadgeKind.HEALTH_CERTIFICATE: "health",
}
# What each badge means, for the title a pointer or a screen reader finds.
EXPLANATIONS = {
    BadgeKind.TOP_PROVIDER: _(
        "Highly rated, reliable and quick to respond, checked regularly."
    ),
    BadgeKind.ID_VERIFIED: _("Their identity document was checked by our team."),
    BadgeKind.BACKGROUND_CHECKED: _("Passed a background check."),
    BadgeKind.LICENSED: _("Holds the licence this kind of work requires."),
    BadgeKind.HEALTH_CERTIFICATE: _("Holds a valid health certificate."),
}
_RANK = {kind: rank for rank, kind in enumerate(BADGE_ORDER)}


@dataclass(frozen=True)
class ShownBadge:
    kind: str
    label: Promise | str
    icon: str
    explanation: Promise | str
    category: str = ""  # for a per-category badge, the category's name


def shown_badge(kind: str, category: str = "") -> ShownBadge:
    kind = BadgeKind(kind)
    return ShownBadge(
        kind=kind.value,
        label=kind.label,
        icon=ICONS[kind],
        explanation=EXPLANATIONS[kind],
        category=category,
    )


def badge_filter_choices() -> list[ShownBadge]:
    """The badges the web form offers as checkboxes ("ID verified" has its
    own: "Verified providers only")."""
    return [shown_badge(kind) for kind in BADGE_ORDER if kind != BadgeKind.ID_VERIFIED]


def sort_kinds(kinds: Iterable[str]) -> list[str]:
    return sorted(set(kinds), key=lambda kind: _RANK.get(kind, len(_RANK)))


def badge_kinds_by_provider(
    provider_ids: Iterable[int], *, at: datetime | None = None
) -> dict[int, list[str]]:
    """Each provider's live badge kinds, in display order (one query)."""
    ids = sorted(set(provider_ids))
    found: dict[int, set[str]] = {}
    if ids:
        for provider_id, kind in (
            live_badges(at)
            .filter(provider_id__in=ids)
            .values_list("provider_id", "kind")
        ):
            found.setdefault(provider_id, set()).add(kind)
    return {provider_id: sort_kinds(found.get(provider_id, ())) for provider_id in ids}


def shown_badges_of(provider) -> list[ShownBadge]:
    """A provider's live badges for their card and profile (one query), with the
    category of a per-category badge."""
    rows = live_badges().filter(provider=provider).select_related("category")
    shown = [
        shown_badge(
            badge.kind,
            badge.category.name if badge.category_id else "",
        )
        for badge in rows
    ]
    return sorted(shown, key=lambda badge: (_RANK.get(badge.kind, 99), badge.category))
