"""Rules from apps above the catalogue that a listing must also meet to be
published, registered by those apps when Django starts (for example, trust
requires approved documents for some categories). The catalogue asks them
without importing them, so imports keep pointing one way: trust → catalog.

A check takes the listing and returns its problems by field (``"__all__"`` for
the listing as a whole), empty when it has none::

    from doorstep.catalog.gates import add_publish_check

    class TrustConfig(AppConfig):
        def ready(self):
            add_publish_check(documents_missing_for)
"""

from collections.abc import Callable

PublishCheck = Callable[[object], dict[str, list[str]]]

_publish_checks: list[PublishCheck] = []


def add_publish_check(check: PublishCheck) -> None:
    if check not in _publish_checks:
        _publish_checks.append(check)


def registered_publish_problems(listing) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for check in _publish_checks:
        for field, messages in check(listing).items():
            problems.setdefault(field, []).extend(messages)
    return problems
