"""The trust app's periodic jobs (declared in ``periodic/jobs.py``)."""

from doorstep.trust import services


def sweep_document_expiry() -> dict[str, int]:
    return services.sweep_document_expiry()


def purge_document_files() -> dict[str, int]:
    return {"purged": services.purge_document_files()}
