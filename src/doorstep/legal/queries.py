"""Reads: the versions in force and who still has to accept them."""

from django.db.models import Count, Max, QuerySet

from doorstep.legal.models import Document, PolicyAcceptance, PolicyVersion


def current_version(document: str) -> PolicyVersion | None:
    """The newest version of ``document`` (editorial or material), or ``None``
    before the operator published one."""
    return PolicyVersion.objects.filter(document=document).order_by("-number").first()


def current_versions() -> list[PolicyVersion]:
    found = (current_version(document) for document in Document.values)
    return [version for version in found if version is not None]


def required_versions() -> list[PolicyVersion]:
    """Per document, the newest *material* version: what everyone must have
    accepted (it or a later version). Editorial versions after it ask nothing."""
    newest: dict[str, PolicyVersion] = {}
    for version in PolicyVersion.objects.filter(material=True).order_by(
        "document", "-number"
    ):
        newest.setdefault(version.document, version)
    order = list(Document.values)
    return sorted(newest.values(), key=lambda version: order.index(version.document))


def pending_versions(user, *, required: list[PolicyVersion] | None = None):
    """The material versions ``user`` has not accepted yet (nor a later
    version of the same document): empty when they may carry on. People who
    joined before a version existed must accept it too."""
    required = required_versions() if required is None else required
    if not required or not user.is_authenticated:
        return []
    accepted = dict(
        PolicyAcceptance.objects.filter(user=user)
        .values_list("version__document")
        .annotate(newest=Max("version__number"))
    )
    return [
        version
        for version in required
        if accepted.get(version.document, 0) < version.number
    ]


def versions_of(document: str) -> QuerySet[PolicyVersion]:
    return PolicyVersion.objects.filter(document=document).order_by("-number")


def versions_with_counts(document: str) -> QuerySet[PolicyVersion]:
    return versions_of(document).annotate(accepted_by=Count("acceptances"))


def acceptances_of(user) -> QuerySet[PolicyAcceptance]:
    return PolicyAcceptance.objects.filter(user=user).select_related("version")
