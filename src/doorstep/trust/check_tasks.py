"""Background work of the background checks: the sandbox's webhook deliveries
(a task due at the event's time, and the periodic job that catches up) and the
top-provider requalification job."""

from django_tasks import task


@task()
def deliver_sandbox_check_event(event_id: str) -> int:
    from doorstep.trust.background_checks.sandbox import deliver_event

    return deliver_event(event_id)


def deliver_sandbox_check_events() -> int:
    """Periodic job ``deliver_sandbox_check_events``."""
    from doorstep.trust.background_checks import vendor_name
    from doorstep.trust.background_checks.sandbox import deliver_due_events

    if vendor_name() != "sandbox":
        return 0
    return deliver_due_events()


def requalify_top_providers() -> dict[str, int]:
    """Periodic job ``requalify_top_providers``."""
    from doorstep.trust.top_provider import requalify_top_providers as requalify

    return requalify()
