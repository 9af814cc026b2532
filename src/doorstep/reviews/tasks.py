"""Thin task wrappers: the review window's closing timer and its sweep."""

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from doorstep.reviews.services import close_review_window, reveal_due_reviews

SWEEP_EVERY = timedelta(minutes=5)


@task()
def close_review_window_task(window_id: int) -> bool:
    return close_review_window(window_id=window_id)


@task()
def sweep_review_windows(reschedule: bool = True) -> int:
    """Close overdue windows whose own task was lost, then queue the next sweep
    (the schedule survives restarts because the next run is a row in the queue)."""
    closed = reveal_due_reviews()
    if reschedule:
        sweep_review_windows.using(run_after=timezone.now() + SWEEP_EVERY).enqueue()
    return closed
