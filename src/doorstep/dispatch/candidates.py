"""Who may be offered a job: the rules of eligibility, in one place, for the
one-at-a-time cascade and the batch assignment alike."""

from doorstep.dispatch.models import Worker


def qualified_worker_ids(category_id: int) -> set[int]:
    """Workers who take platform jobs and are qualified for ``category_id``."""
    return set(
        Worker.objects.filter(
            accepts_dispatch=True, categories=category_id
        ).values_list("pk", flat=True)
    )
