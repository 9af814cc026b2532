"""Thin task wrappers: the review window's closing timer and its sweep."""

from django_tasks import task

from doorstep.reviews.services import close_review_window, reveal_due_reviews


@task()
def close_review_window_task(window_id: int) -> bool:
    return close_review_window(window_id=window_id)


def sweep_review_windows() -> int:
    """Periodic job ``close_review_windows`` (see ``doorstep.periodic.jobs``):
    close overdue windows whose own task was lost. Returns how many closed."""
    return reveal_due_reviews()
