"""The periodic jobs of recurring bookings (declared in ``periodic.jobs``)."""

from doorstep.recurring import services


def plan_recurring_visits() -> dict[str, int]:
    return services.plan_visits()


def charge_recurring_visits() -> dict[str, int]:
    return services.charge_due_visits()
