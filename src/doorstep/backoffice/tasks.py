from doorstep.backoffice.alerts import alert_ops_of_new_queue_items


def alert_new_queue_items() -> dict[str, int]:
    """Periodic job ``alert_ops_of_new_queue_items`` (``doorstep.periodic.jobs``)."""
    return alert_ops_of_new_queue_items()
