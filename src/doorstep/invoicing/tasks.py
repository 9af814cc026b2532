"""Thin wrappers the periodic scheduler calls (see ``doorstep.periodic.jobs``)."""


def issue_due_documents() -> dict[str, object]:
    """Periodic job ``issue_due_documents``: receipts, credit notes and fee
    invoices for ledger entries that have none yet."""
    from doorstep.invoicing import services

    return services.issue_due_documents()


def issue_monthly_statements() -> dict[str, object]:
    """Periodic job ``issue_monthly_statements``: each provider's statement of
    the month that just ended, per currency."""
    from doorstep.invoicing import services

    return services.issue_monthly_statements()
