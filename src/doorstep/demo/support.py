"""The demo's support desk: help articles, tickets, disputes, warranty and
guarantee claims and follow-up surveys, each seeded by its own module through
the support services, after the marketplace's past so that they are about its
real orders. Every area reports what it added, by name, for the build summary
and for the tests that check every state is there."""

from datetime import datetime

from doorstep.accounts.models import User
from doorstep.demo.support_claims import seed_claims
from doorstep.demo.support_disputes import seed_disputes
from doorstep.demo.support_help import seed_help
from doorstep.demo.support_tickets import seed_tickets


def seed_help_centre(*, logins: dict[str, User], now: datetime) -> dict[str, int]:
    """The help centre's articles: there with or without a past."""
    return seed_help(logins=logins, now=now)


def seed_support(
    *, logins: dict[str, User], seed: int, now: datetime
) -> dict[str, int]:
    """Tickets, disputes and claims about the demo's orders, as of ``now``."""
    report: dict[str, int] = {}
    for area in (seed_tickets, seed_disputes, seed_claims):
        report.update(area(logins=logins, seed=seed, now=now))
    return report
